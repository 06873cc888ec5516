"""Naming an ontology snapshot: by its id or by its data-version."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.errors import InvalidInput, NotFound

Q = sql_blocks.load(__file__)


def resolve_snapshot(session: Session, ontology: int | str) -> int:
    """A snapshot named by id or by its data-version (which must then name exactly one snapshot)."""
    text_value = str(ontology).strip()
    if text_value.isdigit():
        found = session.execute(Q.snapshot_by_id, {"id": int(text_value)}).scalar()
        if found is None:
            raise NotFound(f"no ontology snapshot with id {text_value}")
        return int(found)
    ids = list(session.execute(Q.snapshots_by_version, {"v": text_value}).scalars())
    if not ids:
        raise NotFound(f"no ontology snapshot with data-version {text_value!r}")
    if len(ids) > 1:
        raise InvalidInput(
            f"{len(ids)} snapshots share data-version {text_value!r} (e.g. go.obo and go-basic.obo); "
            f"name one by id: {', '.join(map(str, ids))}"
        )
    return int(ids[0])
