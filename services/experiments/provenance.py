"""Provenance of an experiment run, captured (never typed) when it starts.

What is recorded (a JSON object on ``experiment_run.provenance``):
1. ``code``: the package version and, when the code runs from a git checkout, the commit sha (and whether the
   tree had uncommitted changes); missing pieces are null, never guessed.
2. ``libraries``: versions of numpy, pandas, scipy, lightgbm, torch (only when installed), streamlit,
   sqlalchemy and procrastinate, read from the installed distributions.
3. ``inputs``: the ids and content hashes of what the run's links use: prediction sets (their annotation set,
   ontology snapshot and embedding config), evaluation results (their evaluation set, its two annotation sets and
   snapshot), datasets and re-rankers by name (their manifests are recorded when the re-ranking issue stores
   them). Annotation and evaluation sets hash their rows in a fixed order (md5); a snapshot keeps the SHA-256 of
   its OBO file; an embedding config hashes its canonical JSON (sha256).
4. ``parameters``: the run's config and the payloads of its jobs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from services.db import sql_blocks

Q = sql_blocks.load(__file__)
LIBRARIES = ("numpy", "pandas", "scipy", "lightgbm", "torch", "streamlit", "sqlalchemy", "procrastinate")
PACKAGE = "curation-workbench"


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str]:
    """Installed versions of the key libraries; a library that is not installed is left out."""
    return {name: v for name in LIBRARIES if (v := _version(name)) is not None}


def code_version() -> dict[str, Any]:
    """Package version and git commit of the running code (null when unknown)."""
    root = Path(__file__).resolve().parents[2]
    sha = dirty = None
    try:
        sha = (
            subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
            ).stdout.strip()
            or None
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=5, check=True,
        ).stdout  # fmt: skip
        dirty = bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {"package": PACKAGE, "version": _version(PACKAGE), "git_sha": sha, "git_dirty": dirty}


def _canonical_sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _annotation_set(session: Session, set_id: int, seen: dict[int, dict]) -> dict[str, Any]:
    if set_id not in seen:
        row = session.execute(Q.annotation_set_fingerprint, {"id": set_id}).mappings().first()
        seen[set_id] = dict(row) if row else {"id": set_id, "missing": True}
    return seen[set_id]


def _snapshot(session: Session, snapshot_id: int, seen: dict[int, dict]) -> dict[str, Any]:
    if snapshot_id not in seen:
        row = session.execute(Q.snapshot_fingerprint, {"id": snapshot_id}).mappings().first()
        seen[snapshot_id] = dict(row) if row else {"id": snapshot_id, "missing": True}
    return seen[snapshot_id]


def capture(session: Session, run_id: int, linked: Sequence[Any], config: dict[str, Any]) -> dict[str, Any]:
    """The provenance object of the module doc for run ``run_id`` with these links (``runs.links``) as they are now."""
    annotation_sets: dict[int, dict] = {}
    snapshots: dict[int, dict] = {}
    prediction_ids = {v.prediction_set_id for v in linked if v.prediction_set_id is not None}
    result_ids = [v.evaluation_result_id for v in linked if v.evaluation_result_id is not None]

    results = []
    for row in session.execute(Q.provenance_evaluation_results, {"ids": result_ids}).mappings():
        prediction_ids.add(row["prediction_set_id"])
        truth_hash = session.execute(Q.evaluation_set_fingerprint, {"id": row["evaluation_set_id"]}).scalar()
        _annotation_set(session, row["old_annotation_set_id"], annotation_sets)
        _annotation_set(session, row["new_annotation_set_id"], annotation_sets)
        _snapshot(session, row["ontology_snapshot_id"], snapshots)
        results.append(
            {
                "id": row["id"],
                "prediction_set_id": row["prediction_set_id"],
                "scoring_config_id": row["scoring_config_id"],
                "information_accretion_set_id": row["information_accretion_set_id"],
                "options": row["options"],
                "evaluation_set": {
                    "id": row["evaluation_set_id"],
                    "name": row["set_name"],
                    "old_annotation_set_id": row["old_annotation_set_id"],
                    "new_annotation_set_id": row["new_annotation_set_id"],
                    "ontology_snapshot_id": row["ontology_snapshot_id"],
                    "evidence_codes": list(row["evidence_codes"] or []),
                    "content_hash": truth_hash,
                },
            }
        )

    predictions = []
    embedding_configs: dict[int, dict] = {}
    for row in session.execute(Q.provenance_prediction_sets, {"ids": sorted(prediction_ids)}).mappings():
        _annotation_set(session, row["annotation_set_id"], annotation_sets)
        _snapshot(session, row["ontology_snapshot_id"], snapshots)
        if row["embedding_config_id"] is not None:
            embedding_configs[row["embedding_config_id"]] = {
                "id": row["embedding_config_id"],
                "name": row["embedding_name"],
                "model_name": row["model_name"],
                "content_hash": _canonical_sha(row["embedding_row"]),
            }
        predictions.append(
            {
                "id": row["id"],
                "k": row["k"],
                "metric": row["metric"],
                "params": row["params"],
                "annotation_set_id": row["annotation_set_id"],
                "ontology_snapshot_id": row["ontology_snapshot_id"],
                "embedding_config_id": row["embedding_config_id"],
            }
        )

    job_payloads = [
        {"operation": r.operation, "payload": r.payload} for r in session.execute(Q.run_job_payloads, {"run": run_id})
    ]
    return {
        "captured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "libraries": library_versions(),
        "inputs": {
            "prediction_sets": predictions,
            "evaluation_results": results,
            "annotation_sets": [annotation_sets[k] for k in sorted(annotation_sets)],
            "ontology_snapshots": [snapshots[k] for k in sorted(snapshots)],
            "embedding_configs": [embedding_configs[k] for k in sorted(embedding_configs)],
            "datasets": [{"name": v.target, "manifest": None} for v in linked if v.kind == "dataset"],
            "rerankers": [{"name": v.target} for v in linked if v.kind == "reranker"],
        },
        "parameters": {"config": config, "jobs": job_payloads},
    }
