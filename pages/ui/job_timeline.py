"""A plotly timeline of a job's events (one marker per event, coloured by kind)."""

from __future__ import annotations

import plotly.graph_objects as go

from services.jobs.service import EventView


def event_timeline(events: list[EventView]) -> go.Figure:
    fig = go.Figure()
    kinds = list(dict.fromkeys(e.kind for e in events))
    for kind in kinds:
        mine = [e for e in events if e.kind == kind]
        fig.add_trace(
            go.Scatter(
                x=[e.at for e in mine], y=[kind] * len(mine), mode="markers", name=kind,
                text=[e.message for e in mine], hovertemplate="%{x}<br>%{text}<extra></extra>",
                marker={"size": 11},
            )
        )
    fig.update_layout(height=120 + 30 * len(kinds), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      showlegend=False, yaxis={"categoryorder": "array", "categoryarray": kinds[::-1]})
    return fig
