"""The variant store: VCF reading, normalisation, CSQ/ANN parsing, the loader, queries."""
