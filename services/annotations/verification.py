"""Release verification: a lead's audited statement that a release is sound, which lifts its integrity check.

Contract: only a lead verifies (``require``); every verification is a row of the append-only
``annotation_release_verification`` (who, when, why) — the audit trail cannot be edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.annotations.lifecycle_models import ReleaseVerification
from services.annotations.source_models import AnnotationSource
from services.auth.identity import Identity, Role, require
from services.errors import NotFound


@dataclass(frozen=True)
class Verification:
    release_id: int
    verified_by: str
    note: str
    verified_at: datetime


def verify_release(session: Session, identity: Identity, release_id: int, note: str = "") -> Verification:
    require(identity, Role.LEAD, "verify an annotation release")
    if session.get(AnnotationSource, release_id) is None:
        raise NotFound(f"no annotation release #{release_id}")
    row = ReleaseVerification(release_id=release_id, verified_by=identity.user, note=note.strip())
    session.add(row)
    session.flush()
    session.refresh(row)
    return Verification(row.release_id, row.verified_by, row.note, row.verified_at)
