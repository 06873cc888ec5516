"""The read path's latest links by btree (issue 18): ``ix_annotation_link_retired_allele``.

Every Variants page sets each row's ClinVar column from the read path (``latest_links``: the latest link of each
(allele, source) for the page's 1,000 alleles). The only index on ``annotation_link.allele_id`` for every link was
the exclusion constraint's GiST index, and 1,000 GiST probes took ≈ 70 ms at 10M variants with 600,000 ClinVar links
— most of every page's time. The links split into current ones (``valid_to IS NULL``, already a btree:
``uq_annotation_link_live``) and ended ones; this partial btree covers the ended ones, so ``latest_links`` reads
both halves by btree (≈ 5–15 ms). Only ended links are in it: a supersession or retirement adds one entry for the
link it ends, a link that stays current costs nothing.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_annotation_link_retired_allele",
        "annotation_link",
        ["allele_id"],
        postgresql_where=text("valid_to IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_annotation_link_retired_allele", table_name="annotation_link")
