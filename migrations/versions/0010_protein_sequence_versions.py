"""Protein sequence versions: a reload that changes a known accession's sequence keeps the previous one.

``protein_sequence_version`` holds every sequence an accession has had, numbered 1, 2, …; the live version
(``replaced_at IS NULL``, one per accession: ``uq_protein_sequence_version_live``) is the one
``protein.sequence_id`` points to. Existing proteins get their current sequence as version 1.

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protein_sequence_version",
        sa.Column("accession", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("uniprot_sequence_version", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["accession"],
            ["protein.accession"],
            name="fk_protein_sequence_version_accession_protein",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sequence_id"],
            ["sequence.id"],
            name="fk_protein_sequence_version_sequence_id_sequence",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("accession", "version", name="pk_protein_sequence_version"),
        sa.CheckConstraint("version >= 1", name=op.f("ck_protein_sequence_version_version_positive")),
    )
    op.create_index(
        "ix_protein_sequence_version_sequence_id", "protein_sequence_version", ["sequence_id"], unique=False
    )
    op.create_index(
        "uq_protein_sequence_version_live",
        "protein_sequence_version",
        ["accession"],
        unique=True,
        postgresql_where=sa.text("replaced_at IS NULL"),
    )
    op.execute(
        "INSERT INTO protein_sequence_version (accession, version, sequence_id, uniprot_sequence_version, "
        "recorded_at) SELECT accession, 1, sequence_id, sequence_version, created_at FROM protein"
    )


def downgrade() -> None:
    op.drop_index("uq_protein_sequence_version_live", table_name="protein_sequence_version")
    op.drop_index("ix_protein_sequence_version_sequence_id", table_name="protein_sequence_version")
    op.drop_table("protein_sequence_version")
