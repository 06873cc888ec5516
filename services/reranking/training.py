"""Training LightGBM re-rankers on a dataset, and the model card that goes with each booster.

Contract:
1. Needs the lead role. The dataset's files are checked against its manifest first (``verify_dataset``): a
   changed file is refused before any training.
2. Features are the manifest's columns; categorical ones get integer codes from the sorted values seen in
   training, and the codes are stored with the model (unknown values become missing at inference).
3. Validation is split by protein (a stable hash of the accession, about one in five): no protein is on both
   sides. Early stopping watches the validation set.
4. ``binary``: logloss, optionally with information-accretion sample weights (``ia_weights``: positives
   weighted by their term's IA from the stored table named); ``lambdarank``: rows grouped by query protein.
   ``per_category`` trains one booster per category NK/LK/PK present (with both classes) plus one over all
   rows, used for the categories without their own.
5. Deterministic: LightGBM runs with ``deterministic``, ``force_row_wise``, a fixed thread count and the
   seed, so the same dataset and seed give the same booster text.
6. The booster text files and ``card.json`` are written under ``$WORKBENCH_ARTIFACT_DIR/rerankers/NAME`` with
   their sha256 in the card; the reranker_model row keeps the card (metrics: validation Fmax, AUC-PR,
   threshold at Fmax, best iteration, PR curve; gain importance; dataset and spec; producer).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import session_scope
from services.errors import InvalidInput
from services.jobs.progress import ProgressReporter
from services.reranking import artifacts
from services.reranking.datasets import DatasetView, get_dataset, verify_dataset
from services.reranking.features import CATEGORICAL, schema_sha

Q = sql_blocks.load(__file__)
OBJECTIVES = ("binary", "lambdarank")
CATEGORIES = ("NK", "LK", "PK")
ALL = "all"
NUM_THREADS = 2
VALIDATION_SHARE = 5  # one protein in five


@dataclass(frozen=True)
class TrainSpec:
    objective: str = "binary"
    per_category: bool = False
    seed: int = 0
    ia_weights: bool = False
    num_boost_round: int = 300
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_data_in_leaf: int = 20
    max_bin: int = 63
    early_stopping_rounds: int = 20

    def validate(self) -> None:
        if self.objective not in OBJECTIVES:
            raise InvalidInput(f"unknown objective {self.objective!r}: choose binary or lambdarank")
        if self.num_boost_round < 1 or self.num_leaves < 2 or self.min_data_in_leaf < 1:
            raise InvalidInput("boosting rounds, leaves and data per leaf must be positive")

    def params(self) -> dict[str, Any]:
        base = {
            "objective": self.objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "max_bin": self.max_bin,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": NUM_THREADS,
            "verbosity": -1,
            "feature_pre_filter": False,
        }
        if self.objective == "lambdarank":
            base |= {"metric": "ndcg", "eval_at": [5, 10]}
        else:
            base |= {"metric": "binary_logloss"}
        return base


@dataclass
class TrainResult:
    reranker_id: int
    name: str
    feature_schema_sha: str
    metrics: dict[str, Any]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


def category_codes(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, list[str]]:
    """Per categorical column, its sorted values (code = position); stored with the model (contract 2)."""
    return {
        c: sorted({str(v) for v in frame[c].dropna().tolist()}) if c in frame else []
        for c in columns
        if c in CATEGORICAL
    }


def encode(frame: pd.DataFrame, columns: Sequence[str], codes: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """The model's input matrix: numeric columns as float64, categorical ones as their stored codes (a value
    the model never saw, or a missing one, becomes missing). Vectorised: a categorical column is factorised
    once and only its distinct values are looked up (as ``str``) in the stored codes."""
    out = {}
    for column in columns:
        if column in codes:
            factor = pd.Categorical(frame[column])
            lookup = {value: i for i, value in enumerate(codes[column])}
            known = np.array([lookup.get(str(v), -1) for v in factor.categories] + [-1], dtype=np.int64)
            index = known[factor.codes]  # code -1 (missing) picks the trailing -1
            out[column] = np.where(index >= 0, index, np.nan).astype(np.float64)
        else:
            out[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)
    return pd.DataFrame(out, columns=list(columns), copy=False)


def validation_mask(proteins: pd.Series) -> np.ndarray:
    """Contract 3: a protein is in validation when sha256(accession) mod 5 == 0 (stable across runs)."""
    unique = proteins.unique()
    chosen = {p for p in unique if int(hashlib.sha256(str(p).encode()).hexdigest()[:8], 16) % VALIDATION_SHARE == 0}
    if not chosen or len(chosen) == len(unique):
        ordered = sorted(unique)
        chosen = set(ordered[::VALIDATION_SHARE]) if len(ordered) > 1 else set()
    return proteins.isin(chosen).to_numpy()


def fmax_rows(frame: pd.DataFrame, scores: np.ndarray) -> dict[str, float]:
    """Protein-centric Fmax over the rows at thresholds 0.01…0.99 (recall relative to the positives present in
    the rows), its threshold, and average precision (AUC-PR) over rows. Vectorised: per protein, counts of
    predictions and true ones per score bin, accumulated from the top bin down."""
    labels = frame["label"].to_numpy(np.int64)
    codes, uniques = pd.factorize(frame["protein_accession"], sort=True)
    n_proteins = len(uniques)
    bins = np.clip(np.floor(np.asarray(scores, dtype=np.float64) * 100 + 1e-9).astype(np.int64), 0, 100)
    flat = codes * 101 + bins
    count = np.bincount(flat, minlength=n_proteins * 101).reshape(n_proteins, 101)
    true = np.bincount(flat, weights=labels, minlength=n_proteins * 101).reshape(n_proteins, 101)
    n_pred = count[:, ::-1].cumsum(axis=1)[:, ::-1]
    tp = true[:, ::-1].cumsum(axis=1)[:, ::-1]
    positives = true.sum(axis=1)
    has_pos = positives > 0
    best = (0.0, 0.0)
    for k in range(1, 100):
        covered = n_pred[:, k] > 0
        if not covered.any():
            continue
        precision = float((tp[covered, k] / n_pred[covered, k]).mean())
        recall = float((tp[has_pos, k] / positives[has_pos]).mean()) if has_pos.any() else 0.0
        f = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        if f > best[0]:
            best = (f, k / 100)
    order = np.argsort(-np.asarray(scores), kind="stable")
    hits = labels[order]
    total = hits.sum()
    ap = float((np.cumsum(hits) / np.arange(1, len(hits) + 1))[hits == 1].sum() / total) if total else 0.0
    return {"fmax": best[0], "threshold": best[1], "auc_pr": ap}


def pr_curve(labels: np.ndarray, scores: np.ndarray, points: int = 50) -> list[dict[str, float]]:
    curve = []
    total = labels.sum()
    for tau in np.linspace(0.0, 1.0, points + 1)[1:]:
        above = scores >= tau
        if not above.any() or not total:
            continue
        tp = float((labels * above).sum())
        curve.append({"threshold": round(float(tau), 4), "precision": tp / above.sum(), "recall": tp / total})
    return curve


def to_unit(scores: np.ndarray, objective: str) -> np.ndarray:
    """Scores in [0, 1]: probabilities as they are, LambdaRank's raw scores through a logistic."""
    if objective == "lambdarank":
        return 1.0 / (1.0 + np.exp(-np.clip(scores, -50, 50)))
    return np.clip(scores, 0.0, 1.0)


def _ia_lookup(ia: Mapping[str, float] | None, frame: pd.DataFrame) -> np.ndarray:
    if ia is None:
        return np.ones(len(frame))
    weights = frame["go_id"].map(lambda g: ia.get(g, 0.0)).to_numpy(np.float64)
    return np.where(frame["label"].to_numpy() == 1, np.maximum(weights, 0.1), 1.0)


def _train_one(
    frame: pd.DataFrame, columns: Sequence[str], codes: Mapping[str, Sequence[str]], spec: TrainSpec,
    ia: Mapping[str, float] | None,
) -> tuple[lgb.Booster, dict[str, Any]]:  # fmt: skip
    frame = frame.sort_values(["protein_accession", "go_id"], kind="stable").reset_index(drop=True)
    valid = validation_mask(frame["protein_accession"])
    if valid.all() or not valid.any():
        raise InvalidInput("the dataset needs at least two proteins to split training and validation by protein")
    parts = {"train": frame[~valid].reset_index(drop=True), "valid": frame[valid].reset_index(drop=True)}
    categorical = [c for c in columns if c in codes]
    sets = {}
    for part, rows in parts.items():
        kwargs: dict[str, Any] = {"label": rows["label"].to_numpy(np.float64)}
        if spec.objective == "lambdarank":
            kwargs["group"] = rows.groupby("protein_accession", sort=True).size().to_numpy()
        elif spec.ia_weights:
            kwargs["weight"] = _ia_lookup(ia, rows)
        sets[part] = lgb.Dataset(
            encode(rows, columns, codes), categorical_feature=categorical or "auto", free_raw_data=False,
            reference=sets.get("train"), **kwargs,
        )  # fmt: skip
    booster = lgb.train(
        spec.params(),
        sets["train"],
        num_boost_round=spec.num_boost_round,
        valid_sets=[sets["valid"]],
        valid_names=["validation"],
        callbacks=[lgb.early_stopping(spec.early_stopping_rounds, verbose=False)],
    )
    best = booster.best_iteration or booster.current_iteration()
    scores = to_unit(booster.predict(encode(parts["valid"], columns, codes), num_iteration=best), spec.objective)
    metrics = fmax_rows(parts["valid"], scores) | {
        "best_iteration": int(best),
        "validation_rows": int(len(parts["valid"])),
        "validation_proteins": int(parts["valid"]["protein_accession"].nunique()),
        "training_rows": int(len(parts["train"])),
        "pr_curve": pr_curve(parts["valid"]["label"].to_numpy(np.int64), scores),
    }
    return booster, metrics


def train_reranker(
    identity: Identity,
    name: str,
    dataset: str | int,
    spec: TrainSpec | None = None,
    *,
    ia_set_id: int | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> TrainResult:
    """Train and store a re-ranker (the module contract)."""
    require(identity, Role.LEAD, "train re-rankers")
    started = time.perf_counter()
    spec = spec or TrainSpec()
    spec.validate()
    artifacts.check_name(name, "re-ranker")
    progress = progress or ProgressReporter(None)
    ia = None
    with session_scope() as session:
        if session.execute(Q.reranker_by_name, {"name": name}).first() is not None:
            raise InvalidInput(f"a re-ranker named {name!r} already exists: choose another name")
        ds = get_dataset(session, dataset)
        if spec.ia_weights:
            if ia_set_id is None:
                raise InvalidInput("IA sample weights need an information accretion table (--ia-set)")
            from services.evaluation.information_accretion import load_ia

            ia = load_ia(session, ia_set_id)
    progress.event("phase", f"checking dataset {ds.name}")
    manifest = verify_dataset(ds)
    frame = pd.read_parquet(artifacts.path_of(ds.train_uri))
    columns = list(manifest["columns"])
    codes = category_codes(frame, columns)
    boosters: dict[str, lgb.Booster] = {}
    metrics: dict[str, dict[str, Any]] = {}
    groups = [ALL]
    if spec.per_category:
        labels = frame.groupby("category")["label"].nunique()
        groups += [c for c in CATEGORIES if labels.get(c, 0) == 2]
    for group in groups:
        progress.event("phase", f"training the {group} booster")
        progress.check_cancelled()
        rows = frame if group == ALL else frame[frame["category"] == group]
        boosters[group], metrics[group] = _train_one(rows, columns, codes, spec, ia)
    return _store(identity, name, ds, manifest, columns, codes, spec, boosters, metrics, job_id, started)


def _store(
    identity: Identity, name: str, ds: DatasetView, manifest: Mapping[str, Any], columns: Sequence[str],
    codes: Mapping[str, Sequence[str]], spec: TrainSpec, boosters: Mapping[str, lgb.Booster],
    metrics: Mapping[str, dict[str, Any]], job_id: Any, started: float,
) -> TrainResult:  # fmt: skip
    families = list(manifest["families"])
    sha = schema_sha(families, columns)
    target = artifacts.folder("rerankers", name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{name}.tmp"
    artifacts.remove_folder(tmp)
    tmp.mkdir()
    files = {}
    importance = {}
    for group, booster in boosters.items():
        best = booster.best_iteration or booster.current_iteration()
        text = booster.model_to_string(num_iteration=best)
        filename = f"booster_{group}.txt"
        (tmp / filename).write_text(text)
        files[filename] = {"sha256": artifacts.sha256_file(tmp / filename), "group": group}
        gains = booster.feature_importance(importance_type="gain", iteration=best)
        importance[group] = {c: float(g) for c, g in zip(booster.feature_name(), gains, strict=True)}
    card = {
        "objective": spec.objective,
        "per_category": spec.per_category,
        "families": families,
        "feature_names": list(columns),
        "feature_schema_sha": sha,
        "categorical_codes": dict(codes),
        "files": files,
        "metrics": dict(metrics),
        "importance": importance,
        "dataset": {"name": ds.name, "manifest_sha": ds.manifest_sha, "schema_sha": ds.schema_sha,
                    "train_rows": ds.train_rows, "eval_rows": ds.eval_rows, "spec": ds.spec},
        "spec": asdict(spec) | {"params": spec.params(), "lightgbm": lgb.__version__},
        "producer": artifacts.producer(),
    }  # fmt: skip
    (tmp / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    artifacts.replace_folder(tmp, target)
    with session_scope() as session:
        reranker_id = int(
            session.execute(
                Q.insert_reranker,
                {
                    "name": name,
                    "source": "trained",
                    "dataset": ds.id,
                    "objective": spec.objective,
                    "families": families,
                    "sha": sha,
                    "names": list(columns),
                    "uri": artifacts.uri_of(target),
                    "card": json.dumps(card),
                    "job": job_id,
                    "by": identity.user,
                },
            ).scalar_one()
        )
    summary = {k: v for k, v in metrics[ALL].items() if k != "pr_curve"}
    return TrainResult(reranker_id, name, sha, summary, time.perf_counter() - started)
