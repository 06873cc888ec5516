"""Background operations of the re-ranking domain; each calls one service function.

``reranking.export_dataset`` (lead)  payload ``{"name", "config", "k", "train": "OLD:NEW,…", "eval": "OLD:NEW",
                                               "families"?, "evidence"?}``
``reranking.train``          (lead)  payload ``{"name", "dataset", "objective"?, "per_category"?, "seed"?, "ia_set"?}``
``reranking.import``         (lead)  payload ``{"file", "manifest", "name"?}`` (server paths in the import folders)
``reranking.rerank``      (curator)  payload ``{"prediction_set_id", "reranker"}``
``reranking.evaluate``       (lead)  payload ``{"evaluation_set_id", "prediction_set_id", "reranker", "ia_set"?}``
Not retry-safe where a rerun would refuse the existing name (export, train, import).
"""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import InvalidInput
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


def _need(payload: dict[str, Any], *keys: str) -> None:
    absent = [k for k in keys if payload.get(k) in (None, "")]
    if absent:
        raise InvalidInput(f"the payload needs {', '.join(absent)}")


@operation("reranking.export_dataset", title="Export a re-ranker dataset", min_role=Role.LEAD)
def export_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.reranking.datasets import export_dataset, parse_pairs

    _need(payload, "name", "config", "train", "eval")
    return export_dataset(
        identity, str(payload["name"]), config=payload["config"], k=int(payload.get("k") or 10),
        train=parse_pairs(str(payload["train"]), "train"), eval_pair=parse_pairs(str(payload["eval"]), "eval")[0],
        families=payload.get("families"), evidence=payload.get("evidence"), progress=progress,
        job_id=progress.job_id,
    ).as_dict()  # fmt: skip


@operation("reranking.train", title="Train a re-ranker", min_role=Role.LEAD)
def train_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.reranking.training import TrainSpec, train_reranker

    _need(payload, "name", "dataset")
    ia_set = payload.get("ia_set")
    spec = TrainSpec(
        objective=str(payload.get("objective") or "binary"),
        per_category=bool(payload.get("per_category")),
        seed=int(payload.get("seed") or 0),
        ia_weights=ia_set is not None,
    )
    return train_reranker(
        identity, str(payload["name"]), payload["dataset"], spec,
        ia_set_id=None if ia_set is None else int(ia_set), progress=progress, job_id=progress.job_id,
    ).as_dict()  # fmt: skip


@operation("reranking.import", title="Import a re-ranker", min_role=Role.LEAD)
def import_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.reranking.rerankers import import_reranker

    _need(payload, "file", "manifest")
    model = import_reranker(
        identity,
        resolve_input_path(payload.get("file"), "booster file", confined=True),
        resolve_input_path(payload.get("manifest"), "manifest", confined=True),
        name=payload.get("name"),
    )
    return {"reranker_id": model.id, "name": model.name, "feature_schema_sha": model.feature_schema_sha}


@operation("reranking.rerank", title="Re-rank a prediction set", min_role=Role.CURATOR, retry_safe=True)
def rerank_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.reranking.rerankers import rerank

    _need(payload, "prediction_set_id", "reranker")
    return rerank(
        identity, int(payload["prediction_set_id"]), payload["reranker"], progress=progress, job_id=progress.job_id
    ).as_dict()


@operation("reranking.evaluate", title="Evaluate re-ranked predictions (CAFA)", min_role=Role.LEAD, retry_safe=True)
def evaluate_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.reranking.evaluation import evaluate_reranked

    _need(payload, "evaluation_set_id", "prediction_set_id", "reranker")
    with session_scope() as session:
        return evaluate_reranked(
            session, identity, evaluation_set_id=int(payload["evaluation_set_id"]),
            prediction_set_id=int(payload["prediction_set_id"]), reranker=payload["reranker"],
            ia_set_id=payload.get("ia_set"), progress=progress, job_id=progress.job_id,
        ).as_dict()  # fmt: skip
