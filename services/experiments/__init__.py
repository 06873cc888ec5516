"""Experiment runs: records, links, provenance, comments, the paired bootstrap and comparisons."""
