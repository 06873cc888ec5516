"""Protein catalog: sequences (deduplicated by MD5), UniProt proteins and isoforms, metadata, query sets."""
