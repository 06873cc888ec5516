"""Read-only views for the Re-rankers page: tables of models and datasets made for people, a model card's
parts, dataset class balance, and the checks a page runs before queuing a job (one sentence on bad input)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.embeddings.configs import get_config
from services.errors import InvalidInput
from services.reranking import artifacts
from services.reranking.datasets import DatasetView, get_dataset, list_datasets, parse_pairs
from services.reranking.features import FAMILIES, parse_families
from services.reranking.rerankers import RerankerView, get_reranker, list_rerankers, usage
from services.reranking.training import ALL, OBJECTIVES

Q = sql_blocks.load(__file__)


def family_choices() -> list[tuple[str, str, bool]]:
    """(name, description, on by default) of every feature family."""
    return [(f.name, f.description, f.default) for f in FAMILIES]


def reranker_table(models: Sequence[RerankerView]) -> pd.DataFrame:
    rows = []
    for m in models:
        metrics = m.card.get("metrics", {}).get(ALL, {})
        rows.append(
            {
                "name": m.name,
                "source": "trained here" if m.source == "trained" else "imported",
                "objective": m.objective,
                "validation Fmax": metrics.get("fmax"),
                "AUC-PR": metrics.get("auc_pr"),
                "best iteration": metrics.get("best_iteration"),
                "dataset": (m.card.get("dataset") or {}).get("name", "—"),
                "features": len(m.feature_names),
                "families": ", ".join(m.families),
                "created": m.created_at,
                "by": m.created_by,
            }
        )
    return pd.DataFrame(rows)


def dataset_table(datasets: Sequence[DatasetView]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "name": d.name,
                "k": d.k,
                "train rows": d.train_rows,
                "eval rows": d.eval_rows,
                "train pairs": ", ".join(d.spec.get("train", [])),
                "eval pair": d.spec.get("eval"),
                "families": ", ".join(d.families),
                "manifest sha256": d.manifest_sha[:12] + "…",
                "created": d.created_at,
            }
            for d in datasets
        ]
    )


def importance_frame(model: RerankerView, group: str = ALL) -> pd.DataFrame:
    gains = model.card.get("importance", {}).get(group, {})
    frame = pd.DataFrame({"feature": list(gains), "gain": list(gains.values())})
    return frame.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def pr_frame(model: RerankerView, group: str = ALL) -> pd.DataFrame:
    points = model.card.get("metrics", {}).get(group, {}).get("pr_curve", [])
    return pd.DataFrame(points, columns=["threshold", "precision", "recall"])


def metric_table(model: RerankerView) -> pd.DataFrame:
    rows = []
    for group, metrics in model.card.get("metrics", {}).items():
        rows.append(
            {
                "booster": "all rows" if group == ALL else group,
                "validation Fmax": metrics.get("fmax"),
                "threshold at Fmax": metrics.get("threshold"),
                "AUC-PR": metrics.get("auc_pr"),
                "best iteration": metrics.get("best_iteration"),
                "validation proteins": metrics.get("validation_proteins"),
            }
        )
    return pd.DataFrame(rows)


def provenance_table(model: RerankerView) -> pd.DataFrame:
    card = model.card
    spec, producer, dataset = card.get("spec") or {}, card.get("producer") or {}, card.get("dataset") or {}
    facts = [
        ("objective", model.objective + (", one booster per category" if card.get("per_category") else "")),
        ("seed", spec.get("seed", "—")),
        ("LightGBM", spec.get("lightgbm", "—")),
        ("dataset", dataset.get("name", "— (imported)")),
        ("dataset manifest sha256", (dataset.get("manifest_sha") or "—")[:16]),
        ("feature schema sha256", model.feature_schema_sha[:16]),
        ("producer", f"{producer.get('name', '—')} {producer.get('version', '')}".strip()),
        ("git commit", (producer.get("git_sha") or "—")[:12]),
        ("created by", model.created_by),
    ]
    return pd.DataFrame(facts, columns=["what", "value"]).astype({"value": str})


@dataclass(frozen=True)
class ModelUsage:
    prediction_sets: pd.DataFrame
    evaluation_results: pd.DataFrame


def model_usage(session: Session, model: RerankerView) -> ModelUsage:
    sets, results = usage(session, model.id)
    sets = sets.rename(columns={"prediction_set_id": "prediction set", "min_score": "lowest score",
                                "max_score": "highest score"})  # fmt: skip
    results = results.rename(columns={"id": "evaluation result", "evaluation_set_id": "evaluation set",
                                      "prediction_set_id": "prediction set", "created_at": "created"})  # fmt: skip
    return ModelUsage(sets, results)


def balance_frame(dataset: DatasetView) -> pd.DataFrame:
    """Rows and positives per split × category × namespace, with the positive share."""
    rows = []
    for split, by_category in (dataset.stats.get("balance") or {}).items():
        for category, by_ns in by_category.items():
            for namespace, counts in by_ns.items():
                share = counts["positives"] / counts["rows"] if counts["rows"] else 0.0
                rows.append(
                    {"split": split, "category": category, "namespace": namespace, "rows": counts["rows"],
                     "positives": counts["positives"], "positive share": share}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=["split", "category", "namespace", "rows", "positives", "positive share"])


def manifest_facts(manifest: dict) -> pd.DataFrame:
    facts = [
        ("schema version", manifest.get("schema_version")),
        ("name", manifest.get("name")),
        ("k", manifest.get("k")),
        ("embedding config", (manifest.get("embedding_config") or {}).get("name")),
        ("ontology", (manifest.get("ontology_snapshot") or {}).get("obo_version")),
        ("train pairs", ", ".join((manifest.get("pairs") or {}).get("train", []))),
        ("eval pair", (manifest.get("pairs") or {}).get("eval")),
        ("families", ", ".join(manifest.get("families", []))),
        ("feature columns", len(manifest.get("columns", []))),
        ("schema sha256", str(manifest.get("schema_sha", ""))[:16]),
        ("producer", f"{(manifest.get('producer') or {}).get('version', '')} "
                     f"({str((manifest.get('producer') or {}).get('git_sha', ''))[:12]})"),
    ]  # fmt: skip
    return pd.DataFrame(facts, columns=["what", "value"]).astype({"value": str})


def file_table(dataset: DatasetView, manifest: dict) -> pd.DataFrame:
    rows = []
    for name in ("train.parquet", "eval.parquet", "manifest.json"):
        path = dataset.folder / name
        sha = manifest["files"].get(name, {}).get("sha256") if name != "manifest.json" else dataset.manifest_sha
        rows.append({"file": name, "bytes": path.stat().st_size if path.exists() else 0, "sha256": sha[:16] + "…"})
    return pd.DataFrame(rows)


def annotation_set_labels(session: Session) -> dict[int, str]:
    return {r.id: f"{r.id}: {r.source} {r.source_version}" for r in session.execute(Q.annotation_set_labels)}


def prediction_set_labels(session: Session) -> dict[int, str]:
    return {
        r.id: f"set {r.id} ({r.config or 'baseline'}, {int(r.prediction_count):,} predictions)"
        for r in session.execute(Q.prediction_set_labels)
    }


def evaluation_set_labels(session: Session) -> dict[int, str]:
    """Evaluation sets for the re-ranked evaluation form: id → "name (old → new)"."""
    from services.evaluation.browse import list_evaluation_sets

    return {
        e.id: f"{e.name or 'set ' + str(e.id)} (annotation sets {e.old_annotation_set_id} → {e.new_annotation_set_id})"
        for e in list_evaluation_sets(session)
    }


def config_names(session: Session) -> list[str]:
    return list(session.execute(Q.config_names).scalars())


def check_export(session: Session, name: str, config: str, k: int, train: str, eval_pair: str,
                 families: Sequence[str]) -> None:  # fmt: skip
    """Refuse, in one sentence, an export the job would refuse (before it is queued)."""
    artifacts.check_name(name, "dataset")
    if session.execute(Q.dataset_by_name, {"name": name}).first() is not None:
        raise InvalidInput(f"a dataset named {name!r} already exists: choose another name or delete it")
    get_config(session, config)
    if k < 1:
        raise InvalidInput("k must be at least 1")
    parse_pairs(train, "train pairs")
    if len(parse_pairs(eval_pair, "eval pair")) != 1:
        raise InvalidInput("the eval pair is exactly one OLD:NEW")
    parse_families(list(families))


def check_train(session: Session, name: str, dataset: str, objective: str) -> None:
    artifacts.check_name(name, "re-ranker")
    if session.execute(Q.reranker_by_name, {"name": name}).first() is not None:
        raise InvalidInput(f"a re-ranker named {name!r} already exists: choose another name")
    get_dataset(session, dataset)
    if objective not in OBJECTIVES:
        raise InvalidInput(f"unknown objective {objective!r}")


def all_models(session: Session) -> list[RerankerView]:
    return list_rerankers(session)


def all_datasets(session: Session) -> list[DatasetView]:
    return list_datasets(session)


def model(session: Session, name: str) -> RerankerView:
    return get_reranker(session, name)
