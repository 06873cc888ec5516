"""The job engine: every long action is a Job that a worker runs, with progress, events and comments.

Modules, each one concept; none imports a domain (the composition root, ``services.composition``, fills the
operation registry at start-up):

- ``errors``      JobCancelled, RetryableJobError, UnknownOperation
- ``models``      the Job, JobEvent and JobComment records
- ``operations``  the registry of background operations (``@operation``)
- ``progress``    ProgressReporter (throttled progress, cancel checks)
- ``leases``      liveness: a record is alive while its process's connection holds its lease; dead-record sweeps
- ``store``       the job store: claim, finish, requeue (what the runner and the recovery write)
- ``queue``       the procrastinate app and deferring a Job's queue entry
- ``service``     submit, cancel, list, comment (what pages and the CLI call)
- ``runner``      executes one Job inside a worker (the worker's error boundary)
- ``recovery``    jobs and records of dead processes: failed or re-queued, never left ``running``
- ``tasks``       the composition of procrastinate tasks (run a Job, the periodic sweep)
- ``worker``      a worker process: recovery first, then procrastinate's loop, reconnecting after outages
"""
