"""Feedback and privacy-preserving usage counts: the daily visitor salt, page views and support entries.

No column holds an address, a user name or an e-mail: visitors are a 16-hex hash salted per UTC day, and the
salt of a day that is over is deleted (see services/usage/models.py for the invariants).

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None

_HASH_CHECK = "visitor_hash ~ '^[0-9a-f]{16}$'"


def upgrade() -> None:
    op.create_table(
        "visitor_daily_salt",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("octet_length(salt) = 32", name="ck_visitor_daily_salt_salt_length"),
    )
    op.create_table(
        "visitor_event",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor_hash", sa.String(16), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("method", sa.String(8), server_default="VIEW", nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(_HASH_CHECK, name="ck_visitor_event_hash_hex"),
        sa.CheckConstraint("path LIKE '/%' AND strpos(path, '?') = 0", name="ck_visitor_event_path_shape"),
        sa.CheckConstraint("method = 'VIEW'", name="ck_visitor_event_method_view"),
        sa.CheckConstraint("status IN (200, 500)", name="ck_visitor_event_status_known"),
    )
    op.create_index("ix_visitor_event_day_visitor_hash", "visitor_event", ["day", "visitor_hash"])
    op.create_index("ix_visitor_event_path", "visitor_event", ["path"])
    op.create_table(
        "support_entry",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("visitor_hash", sa.String(16), nullable=False),
        sa.Column("thumbs_up", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.CheckConstraint(_HASH_CHECK, name="ck_support_entry_hash_hex"),
        sa.CheckConstraint("char_length(comment) <= 500", name="ck_support_entry_comment_length"),
    )
    op.create_index("ix_support_entry_visitor_hash_created_at", "support_entry", ["visitor_hash", "created_at"])
    op.create_index("ix_support_entry_created_at", "support_entry", ["created_at"])


def downgrade() -> None:
    op.drop_table("support_entry")
    op.drop_table("visitor_event")
    op.drop_table("visitor_daily_salt")
