"""Draw a GO graph as a layered plotly figure (parents above children): short names on the nodes, id, full
name and aspect on hover, one colour per role, at most ~60 terms with the rest counted in the caption."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import plotly.graph_objects as go

from services.ontology.graph_layout import GraphLayout, layered_layout
from services.predictions.browse import TermGraph

# Distinct colours per role: what was predicted, what is known, both, and the ancestors that connect them.
COLOURS = {
    "predicted": "#1f77b4",
    "known": "#2ca02c",
    "both": "#9467bd",
    "annotated": "#d62728",
    "focus": "#d62728",
    "ancestor": "#c7c7c7",
}
ROLE_NAMES = {"both": "predicted and known"}


def _short(name: str | None, limit: int = 22) -> str:
    name = name or ""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def go_graph_figure(
    seeds: Sequence[str],
    edges: Iterable[tuple[str, str, str]],
    terms: Mapping[str, tuple[str | None, str | None]],
    roles: Mapping[str, str],
    max_nodes: int = 60,
) -> tuple[go.Figure, GraphLayout]:
    """``terms``: go id → (name, aspect); ``roles``: go id → role (others are ancestors)."""
    layout = layered_layout(seeds, edges, max_nodes=max_nodes)
    pos = layout.positions
    fig = go.Figure()
    for relation, dash in (("is_a", "solid"), ("part_of", "dash"), ("other", "dot")):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for child, parent, rel in layout.edges:
            if (rel if rel in ("is_a", "part_of") else "other") != relation:
                continue
            (x0, y0), (x1, y1) = pos[child], pos[parent]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"color": "#9a9a9a", "width": 1, "dash": dash},
                    hoverinfo="skip",
                    name=relation.replace("_", " "),
                    showlegend=relation != "is_a",
                )
            )
    for role, colour in COLOURS.items():
        ids = [t for t in pos if roles.get(t, "ancestor") == role]
        if not ids:
            continue
        fig.add_trace(
            go.Scatter(
                x=[pos[t][0] for t in ids],
                y=[pos[t][1] for t in ids],
                mode="markers+text",
                name=ROLE_NAMES.get(role, role),
                text=[_short(terms.get(t, (None, None))[0]) or t for t in ids],
                textposition="bottom center",
                textfont={"size": 10},
                hovertext=[
                    f"{t} {terms.get(t, (None, None))[0] or ''} ({terms.get(t, (None, None))[1] or '?'}) — "
                    f"{ROLE_NAMES.get(role, role)}"
                    for t in ids
                ],
                hoverinfo="text",
                marker={"size": 14 if role != "ancestor" else 10, "color": colour, "line": {"width": 1}},
            )
        )
    widest = max((sum(1 for p in pos.values() if p[1] == y) for y in {p[1] for p in pos.values()}), default=1)
    fig.update_layout(
        height=140 + 90 * max(layout.layers, 1),
        width=max(700, 130 * widest),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend={"orientation": "h", "y": 1.05},
    )
    return fig, layout


def term_graph_figure(graph: TermGraph, max_nodes: int = 60) -> tuple[go.Figure, GraphLayout]:
    """The Predictions graph: predicted first (by score), then known, with their ancestors."""
    nodes = graph.nodes
    by_id = {int(r.go_term_id): r for r in nodes.itertuples()}
    seeds = [by_id[t].go_id for t in graph.seed_order if t in by_id]
    edges = [
        (by_id[int(c)].go_id, by_id[int(p)].go_id, r)
        for c, p, r in zip(graph.edges["child_id"], graph.edges["parent_id"], graph.edges["relation_type"], strict=True)
        if int(c) in by_id and int(p) in by_id
    ]
    terms = {r.go_id: (r.name, r.aspect) for r in nodes.itertuples()}
    roles = {r.go_id: r.role for r in nodes.itertuples()}
    return go_graph_figure(seeds, edges, terms, roles, max_nodes=max_nodes)


def caption(layout: GraphLayout) -> str:
    shown = len(layout.positions)
    text = f"{shown} terms drawn (parents above children; hover a term for its id and full name)"
    if layout.hidden:
        text += f"; {layout.hidden} more not drawn ({layout.hidden_seeds} of the listed terms with their ancestors)"
    return text
