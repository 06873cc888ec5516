"""A GO DAG picture: terms and edges as Graphviz DOT for ``st.graphviz_chart`` (drawn in the browser)."""

from __future__ import annotations

from collections.abc import Iterable

from services.ontology.closure import Edge, TermRef

ASPECT_COLOURS = {"P": "#dbeafe", "F": "#dcfce7", "C": "#fef3c7"}
EDGE_STYLES = {
    "is_a": "solid",
    "part_of": "dashed",
    "regulates": "dotted",
    "positively_regulates": "dotted",
    "negatively_regulates": "dotted",
}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dag_dot(terms: Iterable[TermRef], edges: Iterable[Edge], highlight: Iterable[str] = ()) -> str:
    """Parents above children; highlighted (e.g. directly annotated) terms get a bold red border."""
    marked = set(highlight)
    lines = [
        "digraph go {",
        "rankdir=BT;",
        'node [shape=box, style="rounded,filled", fontsize=10];',
        "edge [arrowsize=0.6];",
    ]
    for t in terms:
        name = (t.name or "")[:40] + ("…" if t.name and len(t.name) > 40 else "")
        colour = ASPECT_COLOURS.get(t.aspect or "", "#f3f4f6")
        border = ', penwidth=2.5, color="#b91c1c"' if t.go_id in marked else ""
        lines.append(
            f'"{_escape(t.go_id)}" [label="{_escape(t.go_id)}\\n{_escape(name)}", fillcolor="{colour}"{border}];'
        )
    for e in edges:
        style = EDGE_STYLES.get(e.relation_type, "solid")
        lines.append(
            f'"{_escape(e.child)}" -> "{_escape(e.parent)}" [style={style}, tooltip="{_escape(e.relation_type)}"];'
        )
    lines.append("}")
    return "\n".join(lines)
