"""Curator displays (issue 17): one verification per release; query-set entries known by their accession.

1. ``uq_annotation_release_verification_release_id``: verifying a release is idempotent in the database — a
   second click (or a second lead) cannot store a second row. Existing duplicates are folded first, keeping
   each release's first verification (the one that lifted the integrity check); the append-only trigger is
   lifted only for that statement.
2. Query-set entries loaded with a UniProt-style id (``sp|O13297|CET1_YEAST``) get their accession
   (``O13297``) like new loads do, unless that would collide with another entry of the same set.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0010"
branch_labels = None
depends_on = None

_UNIPROT_ID = r"^(sp|tr)\|[^| ]+\|"


def upgrade() -> None:
    op.execute(
        "ALTER TABLE annotation_release_verification DISABLE TRIGGER annotation_release_verification_append_only"
    )
    op.execute(
        "DELETE FROM annotation_release_verification v USING annotation_release_verification first "
        "WHERE first.release_id = v.release_id AND first.id < v.id"
    )
    op.execute("ALTER TABLE annotation_release_verification ENABLE TRIGGER annotation_release_verification_append_only")
    op.create_unique_constraint(
        "uq_annotation_release_verification_release_id", "annotation_release_verification", ["release_id"]
    )
    op.execute(
        sa.text(
            """
        UPDATE query_set_entry e SET accession = split_part(e.accession, '|', 2)
         WHERE e.accession ~ :pattern
           AND NOT EXISTS (SELECT 1 FROM query_set_entry o WHERE o.query_set_id = e.query_set_id
                            AND o.accession = split_part(e.accession, '|', 2))
        """
        ).bindparams(pattern=_UNIPROT_ID)
    )


def downgrade() -> None:
    # Entry accessions stay resolved: they are what a load makes from now on, and both forms read the same.
    op.drop_constraint("uq_annotation_release_verification_release_id", "annotation_release_verification")
