"""One allele's annotation story: current values (read path), its links over valid time, its events.

Used by the Allele page and ``workbench allele``; ``as_of`` shows the state at a past instant (links and events
after it are left out, current values follow the half-open as-of rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.annotations.history import EventRecord, LinkInterval, allele_events, allele_links
from services.annotations.read_path import (
    AlleleRef,
    CurrentValue,
    current_annotation,
    display_setting,
    resolve_allele,
)


@dataclass(frozen=True)
class AlleleReport:
    allele: AlleleRef
    display: str
    as_of: datetime | None
    current: dict[str, CurrentValue | None]
    links: list[LinkInterval]
    events: list[EventRecord]

    def as_json(self) -> dict[str, Any]:
        return {
            "allele": self.allele.label,
            "allele_id": self.allele.id,
            "genome": self.allele.genome_build,
            "display": self.display,
            "as_of": self.as_of,
            "current": {s: (None if c is None else c.as_json()) for s, c in self.current.items()},
            "links": [
                {
                    "source": link.source,
                    "value": link.value,
                    "source_version": link.source_version,
                    "valid_from": link.valid_from,
                    "valid_to": link.valid_to,
                    "run_id": link.run_id,
                }
                for link in self.links
            ],
            "events": [
                {
                    "source": e.source,
                    "kind": e.kind,
                    "run_id": e.run_id,
                    "at": e.at,
                    "value": e.value,
                    "previous_value": e.previous_value,
                }
                for e in self.events
            ],
        }


def allele_report(
    session: Session,
    key: str,
    genome: str = "GRCh38",
    *,
    as_of: datetime | None = None,
    display: str | None = None,
) -> AlleleReport:
    allele = resolve_allele(session, key, genome)
    display = display or display_setting(session)
    current = current_annotation(session, [allele.id], display=display, as_of=as_of)[allele.id]
    links = allele_links(session, allele.id)
    events = allele_events(session, allele.id)
    if as_of is not None:
        links = [
            link if link.valid_to is None or link.valid_to <= as_of else _open(link)
            for link in links
            if link.valid_from <= as_of
        ]
        events = [e for e in events if e.at <= as_of]
    return AlleleReport(allele, display, as_of, current, links, events)


def _open(link: LinkInterval) -> LinkInterval:
    """A link that was still live at the as-of instant shows as live."""
    from dataclasses import replace

    return replace(link, valid_to=None)
