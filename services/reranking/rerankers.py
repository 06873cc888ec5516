"""Stored re-rankers: look-up by name, loading a booster (hash-checked), the schema check, importing a
booster trained elsewhere, and applying a re-ranker to a stored prediction set.

Contract:
1. A re-ranker is applied only when the prediction set produces exactly its feature columns: otherwise
   ``SchemaMismatch`` names the missing and the extra columns. There is no fallback to the KNN order.
2. Booster files are checked against the sha256 in the model card before use.
3. Applying stores the re-ranked scores beside the KNN scores (``reranked_score``: the set's prediction ids
   and their scores as two arrays, written with one binary COPY); applying again replaces that re-ranker's
   scores for the set, in the same transaction (nothing partial on failure). Needs the curator role.
4. ``per_category`` models score each prediction with its category's booster — NK when the query has no
   transferable annotation in the reference set, PK when it has one in the term's aspect, LK otherwise —
   and with the ``all`` booster for a category that has none.
5. Import (lead): a LightGBM text booster and a JSON manifest (name, objective, families, feature_names,
   categorical_codes, feature_schema_sha; optional metrics): the booster's feature names must equal the
   manifest's, the schema fingerprint must match its families and columns, and the columns must be the
   declared ones of those families.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import session_scope
from services.db.pg_arrays import copy_array_row
from services.errors import InputFileError, InvalidInput, NotFound
from services.jobs.progress import ProgressReporter
from services.reranking import artifacts
from services.reranking.features import BY_NAME, FeatureFrame, columns_of, feature_frame, schema_sha
from services.reranking.steps import StepClock
from services.reranking.training import ALL, OBJECTIVES, encode, to_unit

Q = sql_blocks.load(__file__)
ASPECT_NAMESPACE = {"F": "MFO", "P": "BPO", "C": "CCO"}


class SchemaMismatch(InvalidInput):
    """The prediction set's features are not the re-ranker's."""


@dataclass(frozen=True)
class RerankerView:
    id: int
    name: str
    source: str
    dataset_id: int | None
    objective: str
    families: tuple[str, ...]
    feature_schema_sha: str
    feature_names: tuple[str, ...]
    artifact_uri: str
    card: dict[str, Any]
    created_by: str
    created_at: Any

    @classmethod
    def from_row(cls, row: Any) -> RerankerView:
        values = {name: getattr(row, name) for name in cls.__dataclass_fields__}
        values["families"] = tuple(values["families"])
        values["feature_names"] = tuple(values["feature_names"])
        return cls(**values)

    @property
    def folder(self) -> Path:
        return artifacts.path_of(self.artifact_uri)

    def boosters(self) -> dict[str, lgb.Booster]:
        """The booster per group (``all``, NK, LK, PK), after the hash check (contract 2)."""
        files = self.card["files"]
        artifacts.verify_files(self.folder, files, f"re-ranker {self.name!r}")
        return {info["group"]: lgb.Booster(model_file=str(self.folder / f)) for f, info in sorted(files.items())}


def get_reranker(session: Session, name_or_id: str | int) -> RerankerView:
    value = str(name_or_id).strip()
    row = session.execute(Q.reranker_by_name, {"name": value}).first()
    if row is None and value.isdigit():
        row = session.execute(Q.reranker_by_id, {"id": int(value)}).first()
    if row is None:
        raise NotFound(f"no re-ranker named {value!r}")
    return RerankerView.from_row(row)


def list_rerankers(session: Session) -> list[RerankerView]:
    return [RerankerView.from_row(r) for r in session.execute(Q.list_rerankers)]


def usage(session: Session, reranker_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which prediction sets the re-ranker scored, and the evaluation results that used it."""
    sets = session.execute(Q.reranked_sets, {"r": reranker_id})
    results = session.execute(Q.reranker_results, {"r": reranker_id})
    return (
        pd.DataFrame(sets.all(), columns=list(sets.keys())),
        pd.DataFrame(results.all(), columns=list(results.keys())),
    )


def check_schema(model: RerankerView, ff: FeatureFrame, what: str) -> None:
    """Contract 1: the produced columns must be the model's (names the missing and the extra ones)."""
    expected, produced = set(model.feature_names), set(ff.columns)
    missing = [c for c in model.feature_names if c not in produced]
    extra = [c for c in ff.columns if c not in expected]
    if missing or extra or ff.schema_sha != model.feature_schema_sha:
        parts = []
        if missing:
            parts.append(f"missing columns {', '.join(missing)}")
        if extra:
            parts.append(f"extra columns {', '.join(extra)}")
        if not parts:
            parts.append(f"feature schema {ff.schema_sha[:12]} ≠ {model.feature_schema_sha[:12]}")
        raise SchemaMismatch(
            f"re-ranker {model.name!r} does not fit {what}: {'; '.join(parts)} (no fallback to the KNN order)"
        )


def query_categories(session: Session, ps: Any, frame: pd.DataFrame) -> np.ndarray:
    """Contract 4: NK / LK / PK of each row's query in the row's aspect, from the reference annotation set."""
    accessions = sorted(frame["protein_accession"].unique().tolist())
    rows = session.execute(
        Q.query_aspects, {"aset": ps.annotation_set_id, "codes": list(ps.evidence_codes), "acc": accessions}
    ).all()
    aspects: dict[str, set[str]] = {}
    for accession, aspect in rows:
        aspects.setdefault(accession, set()).add(aspect)
    row_aspect = frame["aspect"] if "aspect" in frame else pd.Series([None] * len(frame))
    return np.array(
        [
            "NK" if not aspects.get(p) else ("PK" if a in aspects[p] else "LK")
            for p, a in zip(frame["protein_accession"].tolist(), row_aspect.tolist(), strict=True)
        ],
        dtype=object,
    )


def score_frame(
    model: RerankerView, boosters: dict[str, lgb.Booster], frame: pd.DataFrame, categories: np.ndarray | None
) -> np.ndarray:
    """Scores in [0, 1] for the rows of a feature frame (the same encoding as in training)."""
    matrix = encode(frame, model.feature_names, model.card.get("categorical_codes", {}))
    if not len(frame):
        return np.empty(0, dtype=np.float64)
    if categories is None or len(boosters) == 1:
        return to_unit(np.asarray(boosters[ALL].predict(matrix, num_threads=2), dtype=np.float64), model.objective)
    scores = np.empty(len(frame), dtype=np.float64)
    groups = pd.Series(np.where(np.isin(categories, list(boosters)), categories, ALL)).astype("category")
    for code, group in enumerate(groups.cat.categories):
        mask = (groups.cat.codes == code).to_numpy()
        if mask.any():
            scores[mask] = boosters[str(group)].predict(matrix[mask], num_threads=2)
    return to_unit(scores, model.objective)


@dataclass
class RerankResult:
    prediction_set_id: int
    reranker: str
    predictions: int
    seconds: float
    steps: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


def rerank(
    identity: Identity,
    prediction_set_id: int,
    reranker: str | int,
    *,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> RerankResult:
    """Apply a re-ranker to a stored prediction set (contracts 1–4). One transaction: the set's previous scores
    by this re-ranker are replaced by the new ones, or nothing changes. ``steps`` holds each step's wall and
    CPU seconds (model, read, categories, score, write, commit)."""
    require(identity, Role.CURATOR, "re-rank predictions")
    started = time.perf_counter()
    clock = StepClock()
    with session_scope() as session:
        with clock.step("model"):
            model = get_reranker(session, reranker)
            boosters = model.boosters()
        ff = feature_frame(session, prediction_set_id, model.families, clock=clock)
        check_schema(model, ff, f"prediction set {prediction_set_id}")
        if progress is not None:
            progress.event("phase", f"scoring {len(ff.frame):,} predictions with {model.name}")
        with clock.step("categories"):
            ps = session.execute(Q.prediction_set_by_id, {"id": prediction_set_id}).first()
            categories = query_categories(session, ps, ff.frame) if len(boosters) > 1 else None
        with clock.step("score"):
            scores = score_frame(model, boosters, ff.frame, categories)
        with clock.step("write"):
            ids = ff.frame["go_prediction_id"].to_numpy(np.int64)
            order = np.argsort(ids, kind="stable")
            session.execute(Q.delete_reranked, {"p": prediction_set_id, "r": model.id})
            copy_array_row(
                session,
                "reranked_score",
                {
                    "prediction_set_id": prediction_set_id,
                    "reranker_id": model.id,
                    "go_prediction_ids": ids[order],
                    "scores": np.ascontiguousarray(scores[order], dtype=np.float64),
                },
            )
        with clock.step("commit"):
            session.commit()
    return RerankResult(prediction_set_id, model.name, len(scores), time.perf_counter() - started, clock.as_dict())


def import_reranker(
    identity: Identity, booster_file: str | Path, manifest_file: str | Path, *, name: str | None = None
) -> RerankerView:
    """Import a booster trained elsewhere with the same checks as a trained one (contract 5)."""
    require(identity, Role.LEAD, "import re-rankers")
    booster_path, manifest_path = Path(booster_file), Path(manifest_file)
    for path in (booster_path, manifest_path):
        if not path.is_file():
            raise InvalidInput(f"{path} does not exist or is not a file")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        raise InputFileError(str(manifest_path), line, f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict):
        raise InputFileError(str(manifest_path), 1, "the manifest must be a JSON object")
    needed = ("objective", "families", "feature_names", "feature_schema_sha")
    absent = [k for k in needed if k not in manifest]
    if absent:
        raise InputFileError(str(manifest_path), 1, f"the manifest lacks {', '.join(absent)}")
    name = artifacts.check_name(name or str(manifest.get("name", "")), "re-ranker")
    objective = manifest["objective"]
    if objective not in OBJECTIVES:
        raise InputFileError(str(manifest_path), 1, f"objective {objective!r} is not binary or lambdarank")
    families = [str(f) for f in manifest["families"]]
    unknown = [f for f in families if f not in BY_NAME]
    if unknown:
        raise InputFileError(str(manifest_path), 1, f"unknown feature families {', '.join(unknown)}")
    names = [str(c) for c in manifest["feature_names"]]
    declared = columns_of(families)
    missing, extra = [c for c in declared if c not in names], [c for c in names if c not in declared]
    if missing or extra:
        raise SchemaMismatch(
            f"{manifest_path}: the feature names are not those of families {', '.join(families)}"
            + (f"; missing columns {', '.join(missing)}" if missing else "")
            + (f"; extra columns {', '.join(extra)}" if extra else "")
        )
    sha = schema_sha(families, names)
    if manifest["feature_schema_sha"] != sha:
        raise SchemaMismatch(f"{manifest_path}: feature_schema_sha does not match its families and columns")
    try:
        booster = lgb.Booster(model_file=str(booster_path))
    except lgb.basic.LightGBMError:
        raise InputFileError(str(booster_path), 1, "not a LightGBM text booster") from None
    if list(booster.feature_name()) != names:
        got, want = set(booster.feature_name()), set(names)
        lacking, surplus = ", ".join(sorted(want - got)) or "—", ", ".join(sorted(got - want)) or "—"
        raise SchemaMismatch(
            f"{booster_path}: the booster's features differ from the manifest's"
            f" (missing columns {lacking}; extra columns {surplus})"
        )
    with session_scope() as session:
        if session.execute(Q.reranker_by_name, {"name": name}).first() is not None:
            raise InvalidInput(f"a re-ranker named {name!r} already exists: choose another name")
    target = artifacts.folder("rerankers", name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{name}.tmp"
    artifacts.remove_folder(tmp)
    tmp.mkdir()
    shutil.copyfile(booster_path, tmp / "booster_all.txt")
    card = {
        "objective": objective,
        "per_category": False,
        "families": families,
        "feature_names": names,
        "feature_schema_sha": sha,
        "categorical_codes": manifest.get("categorical_codes", {}),
        "files": {"booster_all.txt": {"sha256": artifacts.sha256_file(tmp / "booster_all.txt"), "group": ALL}},
        "metrics": {ALL: manifest.get("metrics", {})},
        "importance": {ALL: {c: float(g) for c, g in zip(names, booster.feature_importance("gain"), strict=True)}},
        "dataset": manifest.get("dataset"),
        "spec": manifest.get("spec", {}),
        "producer": manifest.get("producer", {}),
        "imported_from": {"booster": str(booster_path), "manifest": str(manifest_path)},
    }
    (tmp / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    artifacts.replace_folder(tmp, target)
    with session_scope() as session:
        reranker_id = session.execute(
            Q.insert_reranker,
            {
                "name": name, "source": "import", "dataset": None, "objective": objective, "families": families,
                "sha": sha, "names": names, "uri": artifacts.uri_of(target), "card": json.dumps(card), "job": None,
                "by": identity.user,
            },
        ).scalar_one()  # fmt: skip
        return get_reranker(session, int(reranker_id))
