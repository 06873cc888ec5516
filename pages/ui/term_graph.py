"""Draw a GO term graph (predicted, known and ancestor terms) as a layered plotly figure."""

from __future__ import annotations

import plotly.graph_objects as go

from services.predictions.browse import TermGraph

COLOURS = {"predicted": "#1f77b4", "known": "#2ca02c", "both": "#9467bd", "ancestor": "#c7c7c7"}


def term_graph_figure(graph: TermGraph) -> go.Figure:
    nodes = graph.nodes.sort_values(["depth", "go_id"])
    position: dict[int, tuple[float, float]] = {}
    for depth, layer in nodes.groupby("depth"):
        n = len(layer)
        for i, term in enumerate(layer["go_term_id"]):
            position[int(term)] = ((i + 1) / (n + 1), -float(depth))
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for child, parent in zip(graph.edges["child_id"], graph.edges["parent_id"], strict=True):
        if int(child) in position and int(parent) in position:
            (x0, y0), (x1, y1) = position[int(child)], position[int(parent)]
            edge_x += [x0, x1, None]
            edge_y += [y0, y1, None]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=edge_x, y=edge_y, mode="lines", line={"color": "#999", "width": 1}, hoverinfo="skip", showlegend=False
        )
    )
    for role, colour in COLOURS.items():
        part = nodes[nodes["role"] == role]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=[position[int(t)][0] for t in part["go_term_id"]],
                y=[position[int(t)][1] for t in part["go_term_id"]],
                mode="markers+text",
                name=role,
                text=list(part["go_id"]),
                textposition="top center",
                hovertext=[
                    f"{g} {n or ''} ({a or '?'})"
                    for g, n, a in zip(part["go_id"], part["name"], part["aspect"], strict=True)
                ],
                hoverinfo="text",
                marker={"size": 12, "color": colour},
            )
        )
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend={"orientation": "h"},
    )
    return fig
