"""Embedding backends: each turns a batch of sequences into per-residue states (see ``pooling``).

``base`` defines the interface, ``registry`` picks and caches a backend for a config, ``composition`` needs
no weights, ``huggingface`` runs ESM-2 / ProtT5 / ProstT5 / Ankh, ``esmc`` runs the ESM SDK's ESM C.
"""
