"""A plotly timeline of an allele's links over valid time: one bar per link, one row per source, each bar
labelled with its source version and value; every transition is marked with the versions it went between
("clinvar r1 → r2"), so the picture reads by release, not only by wall-clock time; retirements are marked
with an ✕ at the end of the last link."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.graph_objects as go

from services.annotations.history import EventRecord, LinkInterval
from services.annotations.value_display import value_summary


def _short(value: object, limit: int = 48) -> str:
    text = value_summary(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def transition_labels(links: list[LinkInterval]) -> list[tuple[datetime, str, str]]:
    """(instant, source, "source v1 → v2") for every link that follows another of the same source."""
    out = []
    previous: dict[str, LinkInterval] = {}
    for link in sorted(links, key=lambda k: (k.source, k.valid_from)):
        before = previous.get(link.source)
        if before is not None:
            gap = "" if before.valid_to == link.valid_from else " (after a retirement)"
            out.append(
                (link.valid_from, link.source, f"{link.source} {before.source_version} → {link.source_version}{gap}")
            )
        previous[link.source] = link
    return out


def link_timeline(links: list[LinkInterval], events: list[EventRecord], now: datetime | None = None) -> go.Figure:
    now = now or datetime.now(UTC)
    fig = go.Figure()
    for i, link in enumerate(links):
        end = link.valid_to or max(now, link.valid_from)
        label = f"{link.source_version}: {_short(link.value)}"
        fig.add_trace(
            go.Scatter(
                x=[link.valid_from, end],
                y=[link.source, link.source],
                mode="lines+markers+text",
                line={"width": 14},
                name=f"{link.source} {link.source_version}",
                legendgroup=link.source,
                showlegend=False,
                text=[label, ""],
                textposition="top right",
                hovertext=[f"{link.source} {label}"] * 2,
                hovertemplate="%{hovertext}<br>%{x}<extra></extra>",
                customdata=[i, i],
            )
        )
    transitions = transition_labels(links)
    if transitions:
        fig.add_trace(
            go.Scatter(
                x=[t[0] for t in transitions],
                y=[t[1] for t in transitions],
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 22, "color": "#333"},
                name="transition",
                text=[t[2] for t in transitions],
                hovertemplate="%{text}<br>%{x}<extra></extra>",
            )
        )
    retired = [e for e in events if e.kind == "RETIRED"]
    if retired:
        fig.add_trace(
            go.Scatter(
                x=[e.at for e in retired],
                y=[e.source for e in retired],
                mode="markers",
                marker={"symbol": "x", "size": 16, "color": "crimson"},
                name="retired",
                text=[f"retired by {e.source} {e.source_version}" for e in retired],
                hovertemplate="%{text}<br>%{x}<extra></extra>",
            )
        )
    sources = sorted({link.source for link in links} | {e.source for e in events})
    fig.update_layout(
        height=160 + 50 * len(sources),
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        yaxis={"categoryorder": "array", "categoryarray": sources[::-1]},
        xaxis={"title": "valid time (labels: source release)"},
    )
    return fig
