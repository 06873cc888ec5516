"""The ``variants`` row a load writes, defined once: its columns, in the order of the binary COPY rows.

Invariants:
1. ``VARIANT_COPY_COLUMNS`` is every column of the ``Variant`` model except the server-filled ones
   (``SERVER_FILLED``), in the model's order (tests/variants/test_row_layout.py checks the model against it).
   The loader's COPY statement names these columns; the record converter (``records``) assembles each row from
   per-column fields in this order, and the compiled converter writes the same bytes (tests/variants/
   test_fastpath.py compares them).
2. A row is three groups, in this order: the site of one ALT (``SITE_COLUMNS``, the same for every sample
   carrying it), the genotype of one sample (``GENOTYPE_COLUMNS``, encoded by ``genotypes``), and the keys
   (``KEY_COLUMNS``).
3. This module imports nothing: parser processes read it without loading SQLAlchemy.
"""

from __future__ import annotations

#: One ALT's site: position, alleles, the picked consequence, mapped annotations, INFO and all consequences.
SITE_COLUMNS: tuple[str, ...] = (
    "chrom",
    "pos_range",
    "pos",
    "end_pos",
    "ref",
    "alt",
    "qual",
    "filter",
    "variant_type",
    "rs_id",
    "gene",
    "transcript",
    "hgvs_c",
    "hgvs_p",
    "consequence",
    "impact",
    "is_coding",
    "is_lof",
    "af_gnomad",
    "af_gnomad_popmax",
    "af_1kg",
    "cadd_phred",
    "clinvar_sig",
    "clinvar_review",
    "info",
    "vep_annotations",
)
#: One sample's genotype (all NULL but ``sample_format`` on a row without a sample).
GENOTYPE_COLUMNS: tuple[str, ...] = ("sample_id", "gt", "gq", "dp", "ad", "sample_format")
#: The allele the row is a call of and the load that wrote it.
KEY_COLUMNS: tuple[str, ...] = ("allele_id", "load_batch_id")
#: The columns of one binary COPY row of ``variants``, in order.
VARIANT_COPY_COLUMNS: tuple[str, ...] = SITE_COLUMNS + GENOTYPE_COLUMNS + KEY_COLUMNS
#: Columns the server fills (a sequence, a timestamp): never written by a load.
SERVER_FILLED: tuple[str, ...] = ("variant_id", "created_at")
