"""Variant store storage (issue 18): INFO and consequences stored compressed, the unused ``rs_id`` index dropped.

1. ``variants.info`` and ``variants.vep_annotations`` become ``bytea``: the JSON compressed with Zstandard by the
   loader's parser processes (``services.variants.packed_json``). A real VEP record's row was 3–4 kB of jsonb,
   stored uncompressed two rows to an 8 kB page (``toast_tuple_target = 8160``, revision 0008, chosen because
   pglz compression in the server slowed bulk COPY); compressed before COPY it is about 1.4 kB, and the server
   does less work than before (no JSON parsing, a third of the bytes to write). No query filters on either
   column (the page, exports and the read path use the mapped columns); the detail card unpacks them.
   Existing rows are converted to plain JSON text (``packed_json.unpack`` reads both forms), and the table
   rewrite compresses the wide ones in the server (pglz) since:
2. ``toast_tuple_target`` is back to PostgreSQL's default (about 2 kB) on every partition (undoing 0008): rows
   loaded now are below it (nothing to do), older and unusually wide rows are compressed in line.
3. ``ix_variants_rs_id`` is dropped: no query reads ``variants`` by ``rs_id`` (the Variants page, its exports,
   the detail card and the annotation read path never filter on it), and it cost ~90 B per variant.
4. Each Variants filter has an index: ``lower(gene) text_pattern_ops`` for the case-insensitive gene prefix
   (replacing ``ix_variants_gene`` on ``gene``, which ``ILIKE`` could not use; not partial, so that its
   expression statistics give the planner each gene's share), ``impact`` but MODIFIER (most
   variants; the position order finds them), and a GIN index on the consequence's terms (the filter matches a
   whole term, no substring scan; ``fastupdate`` off, else a bulk load leaves a pending list ~20x the index).

Partitions are fixed (revision 0002 creates them all; none is created at run time): the type change on the
parent reaches each of them, the storage setting is set on each.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_PARTITIONS = """
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'variants'::regclass ORDER BY c.relname
"""
_PACKED = ("info", "vep_annotations")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a Zstandard frame's first bytes (packed_json)


def _set_on_partitions(clause: str) -> None:
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN {_PARTITIONS} LOOP
                EXECUTE format('ALTER TABLE %I {clause}', r.relname);
            END LOOP;
        END $$;
        """
    )


def upgrade() -> None:
    _set_on_partitions("RESET (toast_tuple_target)")
    op.execute(
        "ALTER TABLE variants "
        + ", ".join(f"ALTER COLUMN {c} TYPE bytea USING convert_to({c}::text, 'UTF8')" for c in _PACKED)
    )
    op.drop_index("ix_variants_rs_id", table_name="variants")
    # The Variants page's filters, each through an index (gene's replaces the plain one ILIKE could not use).
    op.drop_index("ix_variants_gene", table_name="variants")
    # Not partial: the planner estimates ``lower(gene) LIKE 'x%'`` from the statistics of a non-partial expression
    # index only; with the partial one a gene holding half the store was estimated at 1 % and sorted, not paged.
    op.execute("CREATE INDEX ix_variants_gene_lower ON variants (lower(gene) text_pattern_ops)")
    op.create_index("ix_variants_impact", "variants", ["impact"], postgresql_where=sa.text("impact <> 'MODIFIER'"))
    op.execute(
        "CREATE INDEX ix_variants_consequence_terms ON variants "
        "USING gin (string_to_array(lower(consequence), '&')) WITH (fastupdate = off)"
    )


def _unpack_compressed_rows() -> None:
    """Rows loaded since this revision hold compressed JSON: rewrite them as plain JSON text, batch by batch."""
    import orjson

    from services.variants.packed_json import unpack

    bind = op.get_bind()
    select = sa.text(
        "SELECT variant_id, chrom, info, vep_annotations FROM variants "
        "WHERE substring(info FROM 1 FOR 4) = :magic OR substring(vep_annotations FROM 1 FOR 4) = :magic "
        "LIMIT 5000"
    ).bindparams(magic=_ZSTD_MAGIC)
    update = sa.text(
        "UPDATE variants SET info = :info, vep_annotations = :vep WHERE variant_id = :id AND chrom = :chrom"
    )

    def plain(data: bytes | None) -> bytes | None:
        value = unpack(data)
        return None if value is None else orjson.dumps(value)

    while rows := bind.execute(select).all():
        bind.execute(
            update,
            [{"id": r[0], "chrom": r[1], "info": plain(r[2]), "vep": plain(r[3])} for r in rows],
        )


def downgrade() -> None:
    _unpack_compressed_rows()
    for name in ("ix_variants_consequence_terms", "ix_variants_impact", "ix_variants_gene_lower"):
        op.drop_index(name, table_name="variants")
    op.create_index("ix_variants_gene", "variants", ["gene"], postgresql_where=sa.text("gene IS NOT NULL"))
    op.create_index("ix_variants_rs_id", "variants", ["rs_id"], postgresql_where=sa.text("rs_id IS NOT NULL"))
    op.execute(
        "ALTER TABLE variants "
        + ", ".join(f"ALTER COLUMN {c} TYPE jsonb USING convert_from({c}, 'UTF8')::jsonb" for c in _PACKED)
    )
    _set_on_partitions("SET (toast_tuple_target = 8160)")
