"""What the Evaluation page and the downloads read: evaluation sets with their stats, results as grids and
curves, comparisons, baselines beside methods, and the TSV/FASTA/CSV files (plain data, no Streamlit).

Contract:
1. Files are what the reference evaluator reads: ground truth and known terms as ``protein<TAB>GO id`` lines
   (sorted), the delta proteins as FASTA (every protein with ground truth in any category), results as CSV of
   the best rows.
2. A prediction set's method is ``params.method`` when its run recorded one (the baselines ``naive`` and
   ``homology``), else ``embedding``; baselines are listed beside the method in every results table.
3. Grids are indexed by category (NK, LK, PK) with one column per namespace (BPO, MFO, CCO); a cell with no
   ground truth is empty, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.errors import NotFound
from services.evaluation.models import CATEGORIES, NAMESPACES

Q = sql_blocks.load(__file__)
BASELINE_METHODS = ("naive", "homology")


@dataclass(frozen=True)
class EvaluationSetView:
    id: int
    name: str | None
    old_annotation_set_id: int
    new_annotation_set_id: int
    ontology_snapshot_id: int
    evidence_codes: list[str]
    stats: dict[str, Any]
    created_by: str
    created_at: datetime
    old_label: str
    new_label: str
    obo_version: str | None

    @property
    def label(self) -> str:
        head = f"#{self.id} {self.name}: " if self.name else f"#{self.id} "
        return f"{head}{self.old_label} → {self.new_label} ({self.stats.get('delta_proteins', 0):,} proteins)"


@dataclass(frozen=True)
class PredictionSetChoice:
    id: int
    method: str
    config: str | None
    reference: str
    predictions: int
    created_at: datetime

    @property
    def is_baseline(self) -> bool:
        return self.method in BASELINE_METHODS

    @property
    def label(self) -> str:
        what = f"{self.method} baseline" if self.is_baseline else f"{self.config} embeddings"
        return f"#{self.id} {what} on {self.reference} ({self.predictions:,} predictions)"


def method_of(params: dict[str, Any] | None) -> str:
    return str((params or {}).get("method") or "embedding")


def list_evaluation_sets(session: Session) -> list[EvaluationSetView]:
    return [EvaluationSetView(**r._asdict()) for r in session.execute(Q.list_evaluation_sets)]


def parse_set_id(value: str) -> int:
    """An evaluation set id as given in a link or a form; one sentence when it is not a number."""
    if not str(value).strip().isdigit():
        raise NotFound(f"{value!r} is not an evaluation set id")
    return int(str(value).strip())


def get_evaluation_set(session: Session, set_id: int) -> EvaluationSetView:
    found = next((s for s in list_evaluation_sets(session) if s.id == set_id), None)
    if found is None:
        raise NotFound(f"evaluation set {set_id} does not exist")
    return found


def stats_frame(stats: dict[str, Any]) -> pd.DataFrame:
    """Proteins and annotations per category × namespace (long form, for charts and tables)."""
    rows = [
        {"category": c, "namespace": ns, **stats.get("categories", {}).get(c, {}).get(ns, {})}
        for c in CATEGORIES
        for ns in NAMESPACES
    ]
    frame = pd.DataFrame(rows, columns=["category", "namespace", "proteins", "annotations"])
    return frame.fillna(0).astype({"proteins": int, "annotations": int})


def mapping_frame(stats: dict[str, Any]) -> pd.DataFrame:
    """What term mapping did on each side: annotations read, kept as is, mapped, dropped (never silently)."""
    rows = []
    for side in ("old", "new"):
        info = stats.get(side, {})
        mapped, dropped = info.get("mapped", {}), info.get("dropped", {})
        rows.append(
            {
                "release": side,
                "annotations read": info.get("annotations", 0),
                "NOT-qualified": info.get("not_qualified", 0),
                "same term": mapped.get("same", 0),
                "via alt_id": mapped.get("alt_id", 0),
                "via replaced_by": mapped.get("replaced_by", 0),
                "dropped: unmappable": dropped.get("unmapped", 0),
                "dropped: outside GO namespaces": dropped.get("outside_namespaces", 0),
                "removed by a NOT": info.get("removed_by_not", 0),
                "dropped terms (examples)": ", ".join(info.get("dropped_examples", [])),
            }
        )
    return pd.DataFrame(rows)


# -- downloads ------------------------------------------------------------------------------------------------


def _pairs_tsv(rows) -> str:
    return "".join(f"{protein}\t{term}\n" for protein, term in rows)


def ground_truth_tsv(session: Session, set_id: int, category: str) -> str:
    if category not in CATEGORIES:
        raise NotFound(f"no category {category!r}: choose NK, LK or PK")
    return _pairs_tsv(session.execute(Q.ground_truth_download, {"id": set_id, "category": category}))


def known_tsv(session: Session, set_id: int) -> str:
    return _pairs_tsv(session.execute(Q.known_download, {"id": set_id}))


def delta_fasta(session: Session, set_id: int) -> str:
    out = []
    for accession, name, organism, sequence in session.execute(Q.delta_sequences, {"id": set_id}):
        header = " ".join(x for x in (accession, name, f"OS={organism}" if organism else None) if x)
        out.append(f">{header}\n" + "\n".join(sequence[i : i + 60] for i in range(0, len(sequence), 60)) + "\n")
    return "".join(out)


# -- choices --------------------------------------------------------------------------------------------------


def annotation_set_choices(session: Session) -> dict[int, str]:
    return {
        r.id: f"#{r.id} {r.source} {r.source_version} ({r.annotation_count:,} annotations)"
        for r in session.execute(Q.annotation_set_choices)
    }


def snapshot_choices(session: Session) -> dict[int, str]:
    return {
        r.id: f"#{r.id} {r.obo_version or 'no data-version'} ({r.term_count:,} terms)"
        for r in session.execute(Q.snapshot_choices)
    }


def prediction_set_choices(session: Session) -> list[PredictionSetChoice]:
    return [
        PredictionSetChoice(r.id, method_of(r.params), r.config, r.reference, int(r.prediction_count), r.created_at)
        for r in session.execute(Q.prediction_set_choices)
    ]


# -- results --------------------------------------------------------------------------------------------------


def results_of_set(session: Session, set_id: int) -> pd.DataFrame:
    """Every result of an evaluation set, with its method (baselines marked) and Fmax per category × namespace."""
    rows = []
    for r in session.execute(Q.results_of_set, {"id": set_id}):
        best = best_rows(session, r.id)
        fmax = best[best["metric"] == "f"].set_index(["category", "namespace"])["f"]
        method = method_of(r.params)
        row = {
            "result": r.id,
            "prediction set": r.prediction_set_id,
            "method": f"{method} (baseline)" if method in BASELINE_METHODS else f"{r.config} embeddings",
            "scoring": r.scoring or "stored scores",
            "IA": r.ia_name or "none",
            "created": r.created_at,
            "by": r.created_by,
        }
        for c in CATEGORIES:
            for ns in NAMESPACES:
                row[f"{c} {ns}"] = fmax.get((c, ns))
        rows.append(row)
    return pd.DataFrame(rows)


def best_rows(session: Session, result_id: int) -> pd.DataFrame:
    rows = session.execute(Q.best_rows, {"id": result_id}).all()
    columns = ["category", "namespace", "metric", "tau", "n", "tp", "fp", "fn", "pr", "rc", "cov", "f", "s",
               "f_micro", "pr_w", "rc_w", "f_w", "f_micro_w"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def curve(session: Session, result_id: int) -> pd.DataFrame:
    rows = session.execute(Q.curve_points, {"id": result_id}).all()
    columns = ["category", "namespace", "tau", "n", "pr", "rc", "cov", "f", "s", "f_micro", "pr_w", "rc_w",
               "f_w", "f_micro_w"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def fmax_grid(session: Session, result_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Fmax, coverage) grids: rows NK/LK/PK, columns BPO/MFO/CCO; NaN where there is no ground truth."""
    best = best_rows(session, result_id)
    f = best[best["metric"] == "f"]
    fmax = f.pivot(index="category", columns="namespace", values="f").reindex(index=CATEGORIES, columns=NAMESPACES)
    cov = f.pivot(index="category", columns="namespace", values="cov").reindex(index=CATEGORIES, columns=NAMESPACES)
    return fmax.astype(float), cov.astype(float)


def results_csv(session: Session, result_id: int) -> str:
    return best_rows(session, result_id).to_csv(index=False)


def compare_results(session: Session, first: int, second: int) -> pd.DataFrame:
    """Fmax, Smin and coverage of two results side by side per category × namespace, with the differences."""

    def pick(result_id: int) -> pd.DataFrame:
        best = best_rows(session, result_id)
        f = best[best["metric"] == "f"].set_index(["category", "namespace"])[["f", "cov"]]
        s = best[best["metric"] == "s"].set_index(["category", "namespace"])[["s"]]
        return f.join(s, how="outer")

    a, b = pick(first), pick(second)
    both = a.join(b, how="outer", lsuffix="_a", rsuffix="_b")
    out = pd.DataFrame(
        {
            f"Fmax #{first}": both["f_a"],
            f"Fmax #{second}": both["f_b"],
            "Δ Fmax": both["f_b"] - both["f_a"],
            f"coverage #{first}": both["cov_a"],
            f"coverage #{second}": both["cov_b"],
            f"Smin #{first}": both["s_a"],
            f"Smin #{second}": both["s_b"],
            "Δ Smin": both["s_b"] - both["s_a"],
        }
    ).reset_index()
    order = {c: i for i, c in enumerate(CATEGORIES)} | {n: i for i, n in enumerate(NAMESPACES)}
    return out.sort_values(["category", "namespace"], key=lambda s: s.map(order)).reset_index(drop=True)
