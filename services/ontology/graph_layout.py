"""A readable GO graph: which terms to draw and where, for a picture a curator can read.

Contract:
1. Only the shown terms and their paths to the roots: ``layered_layout`` draws the seeds (annotated,
   predicted or known terms, most important first) together with all their ancestors along the given edges.
2. At most ``max_nodes`` terms (default 60): seeds are taken in the given order while a seed and its
   ancestors still fit; the terms left out are counted in ``hidden`` (and the seeds among them in
   ``hidden_seeds``) so the picture can say "+N more".
3. Layered top-down: a term's layer is its longest path from a root (parents are always above children);
   within a layer terms are ordered by the mean position of their parents (barycentre), which keeps edges
   short, and every layer is centred, so wide layers spread sideways instead of squeezing into one column.
Pure functions over GO ids and edges: no database, no drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_MAX_NODES = 60


@dataclass(frozen=True)
class GraphLayout:
    positions: dict[str, tuple[float, float]]  # go id → (x, y); y = -layer, so roots are on top
    edges: list[tuple[str, str, str]]  # (child, parent, relation) between drawn terms
    hidden: int = 0
    hidden_seeds: int = 0
    layers: int = 0
    seeds: list[str] = field(default_factory=list)  # the seeds drawn


def _ancestors(term: str, parents: dict[str, list[str]]) -> set[str]:
    seen, stack = {term}, [term]
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def layered_layout(
    seeds: Sequence[str], edges: Iterable[tuple[str, str, str]], max_nodes: int = DEFAULT_MAX_NODES
) -> GraphLayout:
    """Rules 1–3 for ``seeds`` (in priority order) over ``(child, parent, relation)`` edges."""
    all_edges = list(dict.fromkeys((str(c), str(p), str(r)) for c, p, r in edges))
    parents: dict[str, list[str]] = {}
    for child, parent, _ in all_edges:
        parents.setdefault(child, []).append(parent)
    everything: set[str] = set(seeds)
    for s in dict.fromkeys(seeds):
        everything |= _ancestors(s, parents)

    shown: set[str] = set()
    drawn_seeds: list[str] = []
    skipped = 0
    for seed in dict.fromkeys(seeds):
        closure = _ancestors(seed, parents)
        if len(shown | closure) <= max_nodes:
            shown |= closure
            drawn_seeds.append(seed)
        else:
            skipped += 1

    kept = [(c, p, r) for c, p, r in all_edges if c in shown and p in shown]
    up: dict[str, list[str]] = {}
    for c, p, _ in kept:
        up.setdefault(c, []).append(p)
    layer: dict[str, int] = {}

    def layer_of(term: str, trail: frozenset[str] = frozenset()) -> int:
        if term not in layer:
            ups = [p for p in up.get(term, []) if p not in trail]
            layer[term] = 1 + max((layer_of(p, trail | {term}) for p in ups), default=-1)
        return layer[term]

    for t in sorted(shown):
        layer_of(t)
    by_layer: dict[int, list[str]] = {}
    for t in sorted(shown):
        by_layer.setdefault(layer[t], []).append(t)
    positions: dict[str, tuple[float, float]] = {}
    for depth in sorted(by_layer):
        terms = by_layer[depth]
        if depth > 0:
            terms.sort(
                key=lambda t: (
                    sum(positions[p][0] for p in up.get(t, []) if p in positions)
                    / max(1, sum(1 for p in up.get(t, []) if p in positions)),
                    t,
                )
            )
        width = len(terms)
        for i, t in enumerate(terms):
            positions[t] = (i - (width - 1) / 2, -float(depth))
    return GraphLayout(
        positions=positions,
        edges=kept,
        hidden=len(everything - shown),
        hidden_seeds=skipped,
        layers=len(by_layer),
        seeds=drawn_seeds,
    )
