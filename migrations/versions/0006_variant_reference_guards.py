"""Variant store bulk-load costs: references guarded from the parent side; an unused allele index dropped.

A foreign key checks every inserted row (a lookup and a row lock on the parent): a third of the server's work
in a bulk COPY of variants. Variants are written only by the loader, which creates the load's audit row and
its samples before it copies rows naming them, so the insert-side check adds nothing; what a foreign key would
still give — no variant left pointing at a deleted or re-keyed sample or load — is kept by triggers on
``samples`` and ``variant_load_audit`` that refuse to delete or re-key a referenced row (SQLSTATE 23503, like
the foreign key did).

``ix_alleles_locus`` (genome_build, chrom, pos) served no query — alleles are found by id (the key hash), runs
scan them by id range, region queries go to ``variants`` — yet cost a bulk load about 6 µs per new allele
(its inserts arrive in id order, random in locus order): dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_GUARDS = {  # parent table → (key column, the variants column that names it)
    "samples": ("id", "sample_id"),
    "variant_load_audit": ("load_batch_id", "load_batch_id"),
}


def _guard_function(table: str, key: str, column: str) -> str:
    return f"""
CREATE FUNCTION workbench_guard_{table}_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.{key} IS NOT DISTINCT FROM OLD.{key} THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM variants WHERE {column} = OLD.{key} LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '{table} row % is still referenced by variants', OLD.{key}
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'UPDATE' THEN NEW ELSE OLD END;
END
$$
"""


def upgrade() -> None:
    op.drop_index("ix_alleles_locus", table_name="alleles")
    op.drop_constraint("fk_variants_sample_id_samples", "variants", type_="foreignkey")
    op.drop_constraint("fk_variants_load_batch_id_variant_load_audit", "variants", type_="foreignkey")
    for table, (key, column) in _GUARDS.items():
        op.execute(_guard_function(table, key, column))
        op.execute(
            f"CREATE TRIGGER guard_variant_reference BEFORE DELETE OR UPDATE OF {key} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION workbench_guard_{table}_referenced()"
        )


def downgrade() -> None:
    for table in _GUARDS:
        op.execute(f"DROP TRIGGER guard_variant_reference ON {table}")
        op.execute(f"DROP FUNCTION workbench_guard_{table}_referenced()")
    op.create_foreign_key(
        "fk_variants_load_batch_id_variant_load_audit",
        "variants",
        "variant_load_audit",
        ["load_batch_id"],
        ["load_batch_id"],
    )
    op.create_foreign_key("fk_variants_sample_id_samples", "variants", "samples", ["sample_id"], ["id"])
    op.create_index("ix_alleles_locus", "alleles", ["genome_build", "chrom", "pos"])
