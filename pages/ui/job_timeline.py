"""A plotly timeline of a job's events (one marker per event, coloured by what the kind means: red only for
errors, amber for warnings and held runs, blue for phases, green for success, grey for the rest)."""

from __future__ import annotations

import plotly.graph_objects as go

from services.jobs.service import EventView

ERROR, WARNING, PHASE, GOOD, OTHER = "#c0392b", "#e6a100", "#2a6f97", "#2e8b57", "#8a8f98"
KIND_COLOURS = {
    "failed": ERROR,
    "error": ERROR,
    "worker_lost": ERROR,
    "cancelled": WARNING,
    "cancel_requested": WARNING,
    "held": WARNING,
    "warning": WARNING,
    "retrying": WARNING,
    "phase": PHASE,
    "progress": OTHER,
    "queued": OTHER,
    "started": GOOD,
    "succeeded": GOOD,
}


def kind_colour(kind: str) -> str:
    return KIND_COLOURS.get(kind, OTHER)


def event_timeline(events: list[EventView]) -> go.Figure:
    fig = go.Figure()
    kinds = list(dict.fromkeys(e.kind for e in events))
    for kind in kinds:
        mine = [e for e in events if e.kind == kind]
        fig.add_trace(
            go.Scatter(
                x=[e.at for e in mine],
                y=[kind] * len(mine),
                mode="markers",
                name=kind,
                text=[e.message for e in mine],
                hovertemplate="%{x}<br>%{text}<extra></extra>",
                marker={"size": 11, "color": kind_colour(kind)},
            )
        )
    fig.update_layout(
        height=120 + 30 * len(kinds),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        showlegend=False,
        yaxis={"categoryorder": "array", "categoryarray": kinds[::-1]},
    )
    return fig
