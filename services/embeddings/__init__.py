"""Protein embeddings: configurations, backends (model and weight-free), and the compute job."""
