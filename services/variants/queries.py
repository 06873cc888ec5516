"""Reading the variant store: region and gene lookups (the benchmark's queries, the page's building blocks).

Contract: region queries find every variant overlapping ``[start, end]`` on a contig — short ones through the
``(chrom, pos)`` btree (``pos ≥ start − LONG_VARIANT_SPAN``), longer ones through the partial GiST index on
``pos_range`` (``end_pos − pos ≥ LONG_VARIANT_SPAN``); both are needed for a complete answer.
"""

from __future__ import annotations

from services.variants.models import LONG_VARIANT_SPAN

LIST_COLUMNS = (
    "variant_id, chrom, pos, end_pos, ref, alt, variant_type, rs_id, gene, transcript, hgvs_c, hgvs_p, "
    "consequence, impact, af_gnomad, af_gnomad_popmax, cadd_phred, clinvar_sig, sample_id, gt, load_batch_id"
)

REGION_SQL = (
    f"SELECT {LIST_COLUMNS} FROM variants WHERE chrom = %(chrom)s AND ("
    f"(pos BETWEEN %(start)s - {LONG_VARIANT_SPAN} AND %(end)s AND end_pos >= %(start)s) "
    f"OR (end_pos - pos >= {LONG_VARIANT_SPAN} AND pos_range && int8range(%(start)s, %(end)s + 1))) "
    "ORDER BY pos, variant_id LIMIT %(limit)s"
)

GENE_SQL = f"SELECT {LIST_COLUMNS} FROM variants WHERE gene = %(gene)s ORDER BY chrom, pos, variant_id LIMIT %(limit)s"
