"""Release verification: a lead's audited statement that a release is sound, which lifts its integrity check.

Contract: only a lead verifies (``require``); a release is verified at most once
(``uq_annotation_release_verification_release_id``): verifying it again changes nothing and says who verified
it first. Verification rows are append-only (``annotation_release_verification``) — the audit trail cannot be
edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
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
    # False when the release was verified before (this call stored nothing).
    new: bool = True


def verify_release(session: Session, identity: Identity, release_id: int, note: str = "") -> Verification:
    require(identity, Role.LEAD, "verify an annotation release")
    if session.get(AnnotationSource, release_id) is None:
        raise NotFound(f"no annotation release #{release_id}")
    stored = session.execute(
        insert(ReleaseVerification)
        .values(release_id=release_id, verified_by=identity.user, note=note.strip())
        .on_conflict_do_nothing(constraint="uq_annotation_release_verification_release_id")
        .returning(ReleaseVerification.id)
    ).scalar()
    row = session.scalars(select(ReleaseVerification).where(ReleaseVerification.release_id == release_id)).one()
    return Verification(row.release_id, row.verified_by, row.note, row.verified_at, new=stored is not None)


def verifications(session: Session, release_id: int) -> list[Verification]:
    """Every verification row of a release (at most one: ``uq_annotation_release_verification_release_id``)."""
    rows = session.scalars(
        select(ReleaseVerification).where(ReleaseVerification.release_id == release_id).order_by(ReleaseVerification.id)
    )
    return [Verification(r.release_id, r.verified_by, r.note, r.verified_at) for r in rows]
