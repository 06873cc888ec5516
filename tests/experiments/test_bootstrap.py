"""The paired bootstrap: per-protein scores reproduce the evaluator's Fmax; known cases (identical runs, a planted
improvement, the same seed); refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from services.errors import InvalidInput
from services.evaluation.cafa import EvalOptions, evaluate
from services.evaluation.files import prediction_paths, read_ia, read_pairs, read_prediction_file
from services.evaluation.graph import graph_from_edges, graph_from_obo
from services.experiments.bootstrap import paired_bootstrap, point_fmax, protein_scores
from tests.evaluation.cases import write_case


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("norm", ["cafa", "pred", "gt"])
def test_point_estimate_equals_the_evaluator(tmp_path, seed: int, norm: str) -> None:
    case = write_case(tmp_path, seed)
    graph = graph_from_obo(case.obo)
    truth, known, ia = read_pairs(case.ground_truth), read_pairs(case.known), read_ia(case.ia)
    options = EvalOptions(norm=norm)
    for _, path in prediction_paths(case.predictions):
        preds = read_prediction_file(path).frame
        for kn in (None, known):
            for weighted in (False, True):
                best = evaluate(graph, preds, truth, ia=ia, known=kn, options=options).best
                metric = "f_w" if weighted else "f"
                scores = protein_scores(graph, preds, truth, known=kn, ia=ia, weighted=weighted, options=options)
                expected = best[best["metric"] == metric].set_index("namespace")[metric]
                ours = pd.Series({ns: point_fmax(s, norm) for ns, s in scores.items()})
                for ns, value in expected.items():
                    assert ours[ns] == pytest.approx(value, abs=1e-9), (ns, kn is not None, weighted)


def _synthetic(n_proteins: int = 120, seed: int = 7):
    """A three-level ontology in one namespace, ground truth of 1–3 leaves per protein, and two runs: a noisy
    one, and a better one that scores the true leaves higher (the planted improvement)."""
    terms = [("GO:0000001", "BPO", ())]
    edges = []
    for i in range(2, 8):
        terms.append((f"GO:{i:07d}", "BPO", ()))
        edges.append((f"GO:{i:07d}", "GO:0000001"))
    leaves = []
    for i in range(10, 40):
        leaf = f"GO:{i:07d}"
        terms.append((leaf, "BPO", ()))
        edges.append((leaf, f"GO:{2 + i % 6:07d}"))
        leaves.append(leaf)
    graph = graph_from_edges(terms, edges)
    rng = np.random.default_rng(seed)
    truth, weak, strong = [], [], []
    for p in range(n_proteins):
        target = f"P{p:05d}"
        true = list(rng.choice(leaves, size=int(rng.integers(1, 4)), replace=False))
        truth += [(target, t) for t in true]
        wrong = [t for t in rng.choice(leaves, size=4, replace=False) if t not in true]
        for t in true:
            weak.append((target, t, float(rng.uniform(0.05, 0.6))))
            strong.append((target, t, float(rng.uniform(0.5, 0.95))))
        for t in wrong:
            score = float(rng.uniform(0.05, 0.7))
            weak.append((target, t, score))
            strong.append((target, t, score * 0.5))
    frame = lambda rows: pd.DataFrame(rows, columns=["target", "term", "score"])  # noqa: E731
    return graph, pd.DataFrame(truth, columns=["target", "term"]), frame(weak), frame(strong)


def test_identical_runs_differ_by_zero_with_a_ci_containing_zero() -> None:
    graph, truth, weak, _ = _synthetic()
    a = protein_scores(graph, weak, truth)["BPO"]
    b = protein_scores(graph, weak.sample(frac=1.0, random_state=3), truth)["BPO"]
    table = paired_bootstrap({"A": a, "B": b}, "A", resamples=300, seed=11).set_index("run")
    assert table.loc["B", "diff"] == 0.0
    assert table.loc["B", "diff_low"] <= 0.0 <= table.loc["B", "diff_high"]
    assert table.loc["B", "diff_low"] == table.loc["B", "diff_high"] == 0.0  # paired: every resample agrees
    assert table.loc["A", "ci_low"] < table.loc["A", "value"] < table.loc["A", "ci_high"]
    assert table.loc["A", "n_proteins"] == 120


def test_a_planted_improvement_has_a_ci_above_zero() -> None:
    graph, truth, weak, strong = _synthetic()
    runs = {"weak": protein_scores(graph, weak, truth)["BPO"], "strong": protein_scores(graph, strong, truth)["BPO"]}
    table = paired_bootstrap(runs, "weak", resamples=1000, seed=5).set_index("run")
    assert table.loc["strong", "diff"] > 0.05
    assert table.loc["strong", "diff_low"] > 0.0
    assert table.loc["weak", "diff"] == 0.0


def test_same_seed_same_ci_and_another_seed_another() -> None:
    graph, truth, weak, strong = _synthetic()
    runs = {"weak": protein_scores(graph, weak, truth)["BPO"], "strong": protein_scores(graph, strong, truth)["BPO"]}
    first = paired_bootstrap(runs, "weak", resamples=200, seed=42)
    again = paired_bootstrap(runs, "weak", resamples=200, seed=42)
    other = paired_bootstrap(runs, "weak", resamples=200, seed=43)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first[["ci_low", "ci_high"]].to_numpy(), other[["ci_low", "ci_high"]].to_numpy())


def test_only_the_common_proteins_are_resampled() -> None:
    graph, truth, weak, strong = _synthetic()
    a = protein_scores(graph, weak, truth)["BPO"]
    fewer = truth[truth["target"] < "P00100"]
    b = protein_scores(graph, strong[strong["target"] < "P00100"], fewer)["BPO"]
    table = paired_bootstrap({"A": a, "B": b}, "A", resamples=50, seed=1)
    assert set(table["n_proteins"]) == {100}


def test_refusals_are_sentences() -> None:
    graph, truth, weak, _ = _synthetic(20)
    a = protein_scores(graph, weak, truth)["BPO"]
    with pytest.raises(InvalidInput, match="baseline"):
        paired_bootstrap({"A": a}, "Z")
    with pytest.raises(InvalidInput, match="fill"):
        protein_scores(graph, weak, truth, options=EvalOptions(prop="fill"))
    with pytest.raises(InvalidInput, match="information accretion"):
        protein_scores(graph, weak, truth, weighted=True)
