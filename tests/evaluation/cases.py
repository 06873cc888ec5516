"""Randomised CAFA cases written as the reference evaluator's input files, and a comparison of best rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from services.evaluation.cafa import EvalOptions, prepare, score
from services.evaluation.files import prediction_paths, read_ia, read_pairs, read_prediction_file, read_terms
from services.evaluation.graph import graph_from_obo, namespace_label

COMPARED = ("tau", "n", "tp", "fp", "fn", "pr", "rc", "cov", "f", "s", "f_micro", "pr_w", "rc_w", "f_w", "f_micro_w")


@dataclass(frozen=True)
class Case:
    obo: Path
    predictions: Path
    ground_truth: Path
    ia: Path
    toi: Path
    known: Path


def _go(n: int) -> str:
    return f"GO:{n:07d}"


def write_case(root: Path, seed: int, terms_per_namespace: int = 24, targets: int = 30) -> Case:
    """A small ontology with the awkward parts (alt ids, an obsolete term, cross-namespace and regulates edges,
    an external term), a ground truth with unknown ids and a root-only target, two prediction files with
    repeated pairs, zero scores, two-decimal scores that sit on thresholds, IA with zeros, toi and known terms."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    lines = ["format-version: 1.2", "ontology: go", ""]
    namespaces = ["biological_process", "molecular_function", "cellular_component"]
    ids: dict[str, list[str]] = {}
    alt_of: dict[str, str] = {}
    next_id = 1
    for ns in namespaces:
        ns_ids = []
        for k in range(terms_per_namespace):
            term = _go(next_id)
            next_id += 1
            lines += ["[Term]", f"id: {term}", f"name: term {term}", f"namespace: {ns}"]
            if k and rng.random() < 0.15:
                alt = _go(5_000_000 + next_id)
                alt_of[alt] = term
                lines.append(f"alt_id: {alt}")
            if k:
                n_parents = int(rng.integers(1, 4))
                for parent in rng.choice(ns_ids, size=min(n_parents, len(ns_ids)), replace=False):
                    if rng.random() < 0.7:
                        lines.append(f"is_a: {parent} ! parent")
                    else:
                        lines.append(f"relationship: part_of {parent} ! parent")
                if rng.random() < 0.1 and ids:
                    other = rng.choice(ids[namespaces[0]])
                    lines.append(f"is_a: {other} ! cross-namespace, dropped")
                if rng.random() < 0.1:
                    lines.append(f"relationship: regulates {rng.choice(ns_ids)} ! not propagated")
            lines.append("")
            ns_ids.append(term)
        ids[ns] = ns_ids
    obsolete = _go(next_id)
    lines += ["[Term]", f"id: {obsolete}", "name: gone", "namespace: biological_process", "is_obsolete: true", ""]
    external = _go(next_id + 1)
    lines += ["[Term]", f"id: {external}", "name: outside", "namespace: external", ""]
    lines += ["[Typedef]", "id: part_of", "name: part of", "namespace: external", "is_transitive: true", ""]
    obo = root / "ontology.obo"
    obo.write_text("\n".join(lines) + "\n")

    every = [t for ns in namespaces for t in ids[ns]]
    alts = list(alt_of)
    pool = every + alts + [obsolete, external, "GO:9999999"]
    gt_lines = []
    target_names = [f"T{i}" for i in range(targets)]
    for target in target_names[1:]:
        for term in rng.choice(pool, size=int(rng.integers(1, 5)), replace=False):
            gt_lines.append(f"{target}\t{term}")
    gt_lines.append(f"{target_names[0]}\t{ids['molecular_function'][0]}")  # annotated to a root only
    ground_truth = root / "ground_truth.tsv"
    ground_truth.write_text("\n".join(gt_lines) + "\n")

    folder = root / "predictions"
    folder.mkdir(exist_ok=True)
    for f in range(2):
        rows = []
        for target in target_names + ["X1", "X2"]:
            for term in rng.choice(pool, size=int(rng.integers(0, 9)), replace=False):
                value = rng.random()
                if rng.random() < 0.4:
                    value = round(value, 2)
                if rng.random() < 0.05:
                    value = 0.0
                rows.append(f"{target}\t{term}\t{value}")
                if rng.random() < 0.1:
                    rows.append(f"{target}\t{term}\t{round(rng.random(), 3)}")
        rng.shuffle(rows)
        (folder / f"method_{f}.tsv").write_text("\n".join(rows) + "\n")

    ia_lines = []
    for term in every:
        if rng.random() < 0.85:
            value = 0.0 if rng.random() < 0.25 else float(rng.exponential(2.0))
            ia_lines.append(f"{term}\t{value}")
    ia = root / "ia.tsv"
    ia.write_text("\n".join(ia_lines) + "\n")

    toi = root / "toi.tsv"
    chosen = [t for t in every if rng.random() < 0.7] + [a for a in alts if rng.random() < 0.3]
    toi.write_text("\n".join(chosen) + "\n")

    known_lines = []
    for target in target_names:
        if rng.random() < 0.5:
            for term in rng.choice(every, size=int(rng.integers(1, 3)), replace=False):
                known_lines.append(f"{target}\t{term}")
    known = root / "known.tsv"
    known.write_text("\n".join(known_lines) + "\n")
    return Case(obo, folder, ground_truth, ia, toi, known)


def ours_best(
    obo: Path,
    predictions: Path,
    ground_truth: Path,
    *,
    ia: Path | None = None,
    toi: Path | None = None,
    known: Path | None = None,
    options: EvalOptions | None = None,
) -> pd.DataFrame:
    """Our best rows for every prediction file, with a ``file`` column."""
    prepared = prepare(
        graph_from_obo(obo),
        read_pairs(ground_truth),
        ia=read_ia(ia) if ia else None,
        toi=read_terms(toi) if toi else None,
        known=read_pairs(known) if known else None,
        options=options or EvalOptions(),
    )
    frames = []
    for name, path in prediction_paths(predictions):
        best = score(prepared, read_prediction_file(path, name).frame).best
        best.insert(0, "file", name)
        frames.append(best)
    return pd.concat(frames, ignore_index=True)


def max_difference(ours: pd.DataFrame, oracle: pd.DataFrame) -> float:
    """The largest absolute difference over every best row and compared column; asserts the same rows exist."""
    theirs = {(r["filename"], namespace_label(r["ns"]), r["metric"]): r for r in oracle.to_dict("records")}
    mine = {(r["file"], r["namespace"], r["metric"]): r for r in ours.to_dict("records")}
    assert set(mine) == set(theirs), f"best rows differ: ours {sorted(mine)} reference {sorted(theirs)}"
    worst = 0.0
    for key, ref in theirs.items():
        for column in COMPARED:
            if column in ref:
                diff = abs(float(mine[key][column]) - float(ref[column]))
                assert not np.isnan(diff), f"{key} {column}: ours {mine[key][column]} reference {ref[column]}"
                worst = max(worst, diff)
    return worst
