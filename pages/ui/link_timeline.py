"""A plotly timeline of an allele's links over valid time: one bar per link, one row per source; retirements
are marked with an ✕ at the end of the last link."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.graph_objects as go

from services.annotations.history import EventRecord, LinkInterval


def _label(value: object) -> str:
    if isinstance(value, dict):
        for key in ("clnsig", "consequence", "af", "gene"):
            if key in value:
                return f"{key}={value[key]}"
    return str(value)[:40]


def link_timeline(links: list[LinkInterval], events: list[EventRecord], now: datetime | None = None) -> go.Figure:
    now = now or datetime.now(UTC)
    fig = go.Figure()
    for i, link in enumerate(links):
        end = link.valid_to or max(now, link.valid_from)
        fig.add_trace(
            go.Scatter(
                x=[link.valid_from, end],
                y=[link.source, link.source],
                mode="lines+markers",
                line={"width": 14},
                name=f"{link.source} {link.source_version}",
                legendgroup=link.source,
                showlegend=False,
                text=[f"{link.source_version}: {_label(link.value)}"] * 2,
                hovertemplate="%{text}<br>%{x}<extra></extra>",
                customdata=[i, i],
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
                text=[f"retired by {e.source_version}" for e in retired],
                hovertemplate="%{text}<br>%{x}<extra></extra>",
            )
        )
    sources = sorted({link.source for link in links} | {e.source for e in events})
    fig.update_layout(
        height=140 + 40 * len(sources),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"categoryorder": "array", "categoryarray": sources[::-1]},
        xaxis={"title": "valid time"},
    )
    return fig
