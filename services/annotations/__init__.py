"""Annotation sources and releases, runs, the link lifecycle, the read path."""
