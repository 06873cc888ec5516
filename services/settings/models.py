"""Application settings and their audit trail.

Invariant: every change of ``app_setting`` is recorded in ``app_setting_audit`` (who, when, old, new) by the
service in the same transaction; the audit table is append-only (trigger ``app_setting_audit_append_only``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, with_triggers


class AppSetting(Base):
    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AppSettingAudit(Base):
    """Append-only (triggers ``app_setting_audit_append_only`` / ``…_no_truncate``): who changed what, when."""

    __tablename__ = "app_setting_audit"
    __table_args__ = (with_triggers("app_setting_audit_append_only", "app_setting_audit_no_truncate"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    old_value: Mapped[Any | None] = mapped_column(JSONB)
    new_value: Mapped[Any] = mapped_column(JSONB)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
