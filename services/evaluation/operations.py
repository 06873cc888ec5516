"""Background operations of the evaluation domain (lead only); each is one unit of work.

``evaluation.create_set``  payload ``{"old", "new", "ontology"?, "evidence"?, "name"?}``
``evaluation.evaluate``    payload ``{"evaluation_set_id", "prediction_set_id", "scoring"?,
                                       "ia": {"file": PATH} | {"annotation_set": ID} | {"table": ID}?}``
"""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


@operation("evaluation.create_set", title="Create an evaluation set (NK/LK/PK)", min_role=Role.LEAD, retry_safe=True)
def create_set_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.evaluation.holdout import create_evaluation_set

    with session_scope() as session:
        return create_evaluation_set(
            session,
            identity,
            old=int(payload["old"]),
            new=int(payload["new"]),
            ontology=payload.get("ontology"),
            evidence=payload.get("evidence"),
            name=payload.get("name"),
            progress=progress,
            job_id=progress.job_id,
        ).as_dict()


@operation("evaluation.evaluate", title="Evaluate a prediction set (CAFA)", min_role=Role.LEAD, retry_safe=True)
def evaluate_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.evaluation.information_accretion import resolve_ia_choice
    from services.evaluation.results import run_evaluation

    ia = dict(payload.get("ia") or {})
    if ia.get("file"):  # a server path from a payload: only inside the import folders
        ia["file"] = str(resolve_input_path(ia["file"], "IA file", confined=True))
    with session_scope() as session:
        ia_table = resolve_ia_choice(session, identity, int(payload["evaluation_set_id"]), ia or None)
        return run_evaluation(
            session,
            identity,
            evaluation_set_id=int(payload["evaluation_set_id"]),
            prediction_set_id=int(payload["prediction_set_id"]),
            scoring=payload.get("scoring"),
            ia_set_id=None if ia_table is None else ia_table.id,
            progress=progress,
            job_id=progress.job_id,
        ).as_dict()
