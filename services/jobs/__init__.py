"""The job engine: Job records, the procrastinate app, the worker, the operation registry, progress."""
