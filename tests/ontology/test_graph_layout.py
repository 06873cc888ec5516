"""The readable GO graph's layout: paths to the roots only, parents above children, at most N terms."""

from __future__ import annotations

from services.ontology.graph_layout import layered_layout


def _chain(prefix: str, n: int, root: str = "R") -> list[tuple[str, str, str]]:
    terms = [root] + [f"{prefix}{i}" for i in range(n)]
    return [(terms[i + 1], terms[i], "is_a") for i in range(n)]


def test_parents_are_above_children_and_layers_spread_sideways() -> None:
    edges = [("A", "R", "is_a"), ("B", "R", "is_a"), ("C", "A", "part_of"), ("C", "B", "is_a"), ("D", "R", "is_a")]
    layout = layered_layout(["C", "D"], edges)
    pos = layout.positions
    assert set(pos) == {"R", "A", "B", "C", "D"}
    for child, parent, _ in layout.edges:
        assert pos[parent][1] > pos[child][1]
    assert len({pos[t][0] for t in ("A", "B", "D")}) == 3  # one layer, three columns
    assert layout.layers == 3 and layout.hidden == 0


def test_unrelated_terms_are_not_drawn() -> None:
    edges = [("A", "R", "is_a"), ("X", "R", "is_a"), ("Y", "X", "is_a")]
    assert set(layered_layout(["A"], edges).positions) == {"A", "R"}


def test_at_most_max_nodes_with_the_rest_counted() -> None:
    edges = [e for k in range(20) for e in _chain(f"s{k}_", 5)]  # 20 branches of 5 terms under one root
    seeds = [f"s{k}_4" for k in range(20)]
    layout = layered_layout(seeds, edges, max_nodes=60)
    assert len(layout.positions) <= 60
    assert layout.seeds == seeds[:11]  # 1 root + 11 × 5 = 56; a 12th branch would make 61
    assert layout.hidden == 101 - 56 and layout.hidden_seeds == 9
