"""Link history from the event log alone: the fold, and the as-of query.

Contract:
1. ``fold_events`` rebuilds an allele's links from its events only: LINKED / RELINKED open a link, SUPERSEDED
   closes the open one and opens the new one at the same instant, RETIRED closes the open one; ABSENT and
   HELD change nothing. An event that contradicts the state (a SUPERSEDED with nothing open, a LINKED while a
   link is open) raises ``InconsistentHistory`` — the log would not be the whole truth.
2. For every (allele, source), folding its events gives exactly the stored ``annotation_link`` rows (the
   property test checks this after random sequences of runs).
3. ``as_of(links, t)`` / ``allele_links(session, allele_id, at=t)`` use the half-open ``[valid_from, valid_to)``
   predicate (``ValidTimeMixin.as_of``): at the instant of a supersession only the new value is valid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.annotations.lifecycle_models import AnnotationEvent, AnnotationLink


class InconsistentHistory(ValueError):
    pass


@dataclass(frozen=True)
class LinkInterval:
    source: str
    value: Any
    source_version: str
    valid_from: datetime
    valid_to: datetime | None
    run_id: int

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class EventRecord:
    id: int
    source: str
    kind: str
    run_id: int
    at: datetime
    value: Any
    previous_value: Any
    source_version: str


def fold_events(events: Iterable[EventRecord]) -> list[LinkInterval]:
    """Rule 1: the links (all sources) the events describe, ordered by source and ``valid_from``."""
    done: list[LinkInterval] = []
    open_: dict[str, LinkInterval] = {}
    for e in sorted(events, key=lambda e: (e.source, e.at, e.id)):
        current = open_.get(e.source)
        if e.kind in ("LINKED", "RELINKED"):
            if current is not None:
                raise InconsistentHistory(f"{e.kind} at {e.at} while a {e.source} link is open")
            open_[e.source] = LinkInterval(e.source, e.value, e.source_version, e.at, None, e.run_id)
        elif e.kind == "SUPERSEDED":
            if current is None:
                raise InconsistentHistory(f"SUPERSEDED at {e.at} with no open {e.source} link")
            done.append(replace(current, valid_to=e.at))
            open_[e.source] = LinkInterval(e.source, e.value, e.source_version, e.at, None, e.run_id)
        elif e.kind == "RETIRED":
            if current is None:
                raise InconsistentHistory(f"RETIRED at {e.at} with no open {e.source} link")
            done.append(replace(current, valid_to=e.at))
            del open_[e.source]
    return sorted([*done, *open_.values()], key=lambda link: (link.source, link.valid_from))


def as_of(links: Iterable[LinkInterval], at: datetime) -> dict[str, LinkInterval]:
    """Rule 3 over folded or stored links: the link of each source valid at ``at``."""
    return {link.source: link for link in links if link.valid_at(at)}


def allele_events(session: Session, allele_id: int, source: str | None = None) -> list[EventRecord]:
    query = select(AnnotationEvent).where(AnnotationEvent.allele_id == allele_id)
    if source:
        query = query.where(AnnotationEvent.source == source)
    rows = session.scalars(query.order_by(AnnotationEvent.at, AnnotationEvent.id))
    return [
        EventRecord(e.id, e.source, e.kind, e.run_id, e.at, e.value, e.previous_value, e.source_version) for e in rows
    ]


def allele_links(session: Session, allele_id: int, *, at: datetime | None = None) -> list[LinkInterval]:
    """The stored links of an allele (all, or those valid at ``at``)."""
    query = select(AnnotationLink).where(AnnotationLink.allele_id == allele_id)
    if at is not None:
        query = query.where(AnnotationLink.as_of(at))
    rows = session.scalars(query.order_by(AnnotationLink.source, AnnotationLink.valid_from))
    return [LinkInterval(r.source, r.value, r.source_version, r.valid_from, r.valid_to, r.run_id) for r in rows]
