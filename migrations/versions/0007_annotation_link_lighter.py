"""Annotation links: one index fewer to maintain on every supersession.

``ix_annotation_link_allele_id_source`` (allele_id, source, valid_from) duplicated the leading columns of the
exclusion constraint's GiST index (``ex_annotation_link_no_overlap``: allele_id, source, validity range),
which serves every per-(allele, source) lookup (the read path, the current-annotation view, re-link checks)
as well. Each supersession wrote both (the close is a non-HOT update: ``valid_to`` is indexed), so the btree
cost a run about 200,000 index insertions per 100,000 changes for no query it alone made fast.
The constraints (``uq_annotation_link_live``, ``ex_annotation_link_no_overlap``) are unchanged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_annotation_link_allele_id_source", table_name="annotation_link")


def downgrade() -> None:
    op.create_index("ix_annotation_link_allele_id_source", "annotation_link", ["allele_id", "source", "valid_from"])
