"""Datasets: frozen, content-hashed re-ranker training data exported from temporal holdouts.

Contract:
1. Needs the lead role. For each (old, new) annotation-set pair the holdout is computed with the evaluation
   package's NK/LK/PK rules (``holdout.compute_holdout`` over the new set's snapshot, experimental evidence);
   its delta proteins that have vectors under the embedding config are predicted from the OLD set (an
   ordinary prediction run, k neighbours, alignments on) and their features read back with
   ``features.feature_frame`` — the same code re-ranking uses.
2. Label = 1 when (protein, term) is in the pair's ground truth (propagated, so an ancestor of a gained term
   counts); a PK protein's known terms are dropped (the evaluator excludes them). Each row carries its
   namespace and the protein's category in it (NK: no old term at all; PK: old terms in that namespace; LK
   otherwise).
3. Files: ``train.parquet`` (every train pair, in the given order), ``eval.parquet`` and ``manifest.json``
   under ``$WORKBENCH_ARTIFACT_DIR/datasets/NAME``; rows sorted by pair, protein, GO id; no database ids in the
   files, so the same spec over the same data gives byte-identical files and the same ``manifest_sha``
   (sha256 of the manifest bytes). The manifest lists every file's sha256: ``verify_dataset`` refuses a
   dataset whose files changed on disk.
4. One unit of work: the Dataset row is written only after its files are complete.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import session_scope
from services.embeddings.configs import get_config
from services.errors import InvalidInput, NotFound
from services.evaluation.holdout import (
    Holdout,
    compute_holdout,
    mapped_annotations,
    normalise_evidence,
    term_mapping,
)
from services.evaluation.snapshot_graph import SnapshotGraph, load_snapshot_graph
from services.jobs.progress import ProgressReporter
from services.predictions.predict import PredictParams, predict
from services.reranking import artifacts
from services.reranking.features import BY_NAME, CATEGORICAL, feature_frame, parse_families, schema_sha

Q = sql_blocks.load(__file__)
SCHEMA_VERSION = 1
LABEL_COLUMNS = ("pair", "protein_accession", "go_id", "namespace", "category", "label")
FILES = ("train.parquet", "eval.parquet")


@dataclass(frozen=True)
class Pair:
    old: int
    new: int

    @property
    def label(self) -> str:
        return f"{self.old}:{self.new}"


def parse_pairs(value: str, what: str) -> tuple[Pair, ...]:
    """``OLD:NEW[,OLD:NEW…]`` of annotation set ids."""
    pairs = []
    for part in (value or "").split(","):
        bits = part.strip().split(":")
        if len(bits) != 2 or not all(b.strip().isdigit() for b in bits):
            raise InvalidInput(f"{what} {part.strip()!r} is not OLD:NEW (two annotation set ids)")
        old, new = int(bits[0]), int(bits[1])
        if old == new:
            raise InvalidInput(f"{what} {part.strip()!r}: the old and new annotation sets must differ")
        pairs.append(Pair(old, new))
    if not pairs:
        raise InvalidInput(f"{what} needs at least one OLD:NEW pair")
    return tuple(pairs)


@dataclass(frozen=True)
class DatasetView:
    id: int
    name: str
    embedding_config_id: int
    ontology_snapshot_id: int
    k: int
    families: tuple[str, ...]
    schema_sha: str
    manifest_sha: str
    manifest_uri: str
    train_uri: str
    eval_uri: str
    train_rows: int
    eval_rows: int
    spec: dict[str, Any]
    stats: dict[str, Any]
    created_by: str
    created_at: Any

    @classmethod
    def from_row(cls, row: Any) -> DatasetView:
        values = {name: getattr(row, name) for name in cls.__dataclass_fields__}
        values["families"] = tuple(values["families"])
        return cls(**values)

    @property
    def folder(self) -> Path:
        return artifacts.path_of(self.manifest_uri).parent

    def manifest(self) -> dict[str, Any]:
        return json.loads(artifacts.path_of(self.manifest_uri).read_bytes())


@dataclass
class DatasetExported:
    dataset_id: int
    name: str
    manifest_sha: str
    schema_sha: str
    train_rows: int
    eval_rows: int
    prediction_set_ids: list[int]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


def get_dataset(session: Session, name_or_id: str | int) -> DatasetView:
    value = str(name_or_id).strip()
    row = session.execute(Q.dataset_by_name, {"name": value}).first()
    if row is None and value.isdigit():
        row = session.execute(Q.dataset_by_id, {"id": int(value)}).first()
    if row is None:
        raise NotFound(f"no dataset named {value!r}")
    return DatasetView.from_row(row)


def list_datasets(session: Session) -> list[DatasetView]:
    return [DatasetView.from_row(r) for r in session.execute(Q.list_datasets)]


def verify_dataset(dataset: DatasetView) -> dict[str, Any]:
    """The dataset's manifest, after checking its bytes (``manifest_sha``) and every file's sha256."""
    path = artifacts.path_of(dataset.manifest_uri)
    if not path.is_file():
        raise artifacts.ArtifactChanged(f"dataset {dataset.name!r}: {path} is missing")
    data = path.read_bytes()
    if artifacts.sha256_bytes(data) != dataset.manifest_sha:
        raise artifacts.ArtifactChanged(
            f"dataset {dataset.name!r}: {path} was changed on disk since export (manifest sha256 differs)"
        )
    manifest = json.loads(data)
    artifacts.verify_files(path.parent, manifest["files"], f"dataset {dataset.name!r}")
    return manifest


def read_split(dataset: DatasetView, split: str) -> pd.DataFrame:
    """``train`` or ``eval`` rows, after ``verify_dataset``."""
    verify_dataset(dataset)
    return pd.read_parquet(artifacts.path_of(dataset.train_uri if split == "train" else dataset.eval_uri))


def delete_dataset(session: Session, identity: Identity, name_or_id: str | int) -> str:
    require(identity, Role.LEAD, "delete datasets")
    dataset = get_dataset(session, name_or_id)
    session.execute(Q.delete_dataset, {"id": dataset.id})
    artifacts.remove_folder(dataset.folder)
    return dataset.name


@dataclass(frozen=True)
class _PairHoldout:
    sg: SnapshotGraph
    old_rows: pd.DataFrame
    holdout: Holdout


def _pair_holdout(session: Session, pair: Pair, evidence: Sequence[str]) -> _PairHoldout:
    """The pair's NK/LK/PK holdout over the new set's snapshot (the evaluation package's rules)."""
    _annotation_set(session, pair.old)
    sg = load_snapshot_graph(session, _annotation_set(session, pair.new).ontology_snapshot_id)
    old_rows, _ = mapped_annotations(session, pair.old, sg, evidence)
    new_rows, _ = mapped_annotations(session, pair.new, sg, evidence)
    return _PairHoldout(sg, old_rows, compute_holdout(sg.graph, old_rows, new_rows))


def _pair_rows(
    session: Session, pair: Pair, ph: _PairHoldout, prediction_set_id: int, families: Sequence[str]
) -> tuple[pd.DataFrame, tuple[str, ...], dict[str, int]]:
    """Label the features of one pair's predictions (points 1–2 of the contract)."""
    sg, old_rows, holdout = ph.sg, ph.old_rows, ph.holdout
    snapshot = sg.snapshot_id
    ff = feature_frame(session, prediction_set_id, families)
    frame = ff.frame
    ps_snapshot = _annotation_set(session, pair.old).ontology_snapshot_id
    term_ids = frame["go_term_id"].to_numpy(np.int64)
    if ps_snapshot == snapshot:
        index = sg.indices(term_ids)
    else:
        mapping = term_mapping(session, sorted(set(term_ids.tolist())), snapshot)
        target = pd.Series(mapping["target_id"].fillna(-1).astype(np.int64).to_numpy(), index=mapping["go_term_id"])
        index = sg.indices(target.reindex(term_ids).fillna(-1).astype(np.int64).to_numpy())
    namespaces = np.asarray(sg.graph.namespace)
    keep = index >= 0
    counts = {"predictions": int(len(frame)), "unmapped_terms": int((~keep).sum())}
    frame, index = frame[keep].reset_index(drop=True), index[keep]
    frame.insert(0, "namespace", [str(n) for n in namespaces[index]] if len(index) else [])
    gt = holdout.ground_truth
    positives = set(zip(gt["protein"].tolist(), gt["term"].tolist(), strict=True))
    known = set(zip(holdout.known["protein"].tolist(), holdout.known["term"].tolist(), strict=True))
    keys = list(zip(frame["protein_accession"].tolist(), index.tolist(), strict=True))
    is_known = np.fromiter((k in known for k in keys), dtype=bool, count=len(keys))
    counts["known_dropped"] = int(is_known.sum())
    label = np.fromiter((k in positives for k in keys), dtype=np.int8, count=len(keys))
    old_ns: dict[str, set[str]] = {}
    for protein, term in zip(old_rows["protein"].tolist(), old_rows["term"].tolist(), strict=True):
        old_ns.setdefault(protein, set()).add(str(namespaces[term]))
    category = [
        "NK" if not old_ns.get(p) else ("PK" if ns in old_ns[p] else "LK")
        for p, ns in zip(frame["protein_accession"].tolist(), frame["namespace"].tolist(), strict=True)
    ]
    frame.insert(0, "category", category)
    frame.insert(0, "label", label)
    frame.insert(0, "pair", pair.label)
    frame = frame[~is_known]
    columns = [*LABEL_COLUMNS, *ff.columns]
    return frame[columns].sort_values(["protein_accession", "go_id"], kind="stable"), ff.families, counts


def _annotation_set(session: Session, set_id: int) -> Any:
    row = session.execute(Q.annotation_set_info, {"id": set_id}).first()
    if row is None:
        raise NotFound(f"annotation set {set_id} does not exist")
    return row


def _delta_proteins(session: Session, ph: _PairHoldout, config_id: int) -> list[str]:
    """The pair's proteins with ground truth that have vectors under the config, sorted."""
    delta = sorted(ph.holdout.ground_truth["protein"].unique().tolist())
    return list(session.execute(Q.proteins_with_vectors, {"acc": delta, "cfg": config_id}).scalars())


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic bytes: fixed column types, no index, one row group, no statistics timestamps."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    pq.write_table(table, path, compression="zstd", row_group_size=max(1, len(frame)), write_statistics=True)


def _typed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in ("pair", "protein_accession", "go_id", "namespace", "category"):
        out[column] = out[column].astype(str)
    out["label"] = out["label"].astype(np.int8)
    for column in columns:
        if column in CATEGORICAL:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        else:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(np.float64)
    return out


def _balance(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for (category, namespace), rows in frame.groupby(["category", "namespace"], sort=True):
        out.setdefault(str(category), {})[str(namespace)] = {
            "rows": int(len(rows)),
            "positives": int(rows["label"].sum()),
        }
    return out


def export_dataset(
    identity: Identity,
    name: str,
    *,
    config: str | int,
    k: int,
    train: Sequence[Pair],
    eval_pair: Pair,
    families: Sequence[str] | str | None = None,
    evidence: Sequence[str] | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> DatasetExported:
    """Export a dataset (the module contract); returns its row id, hashes and row counts."""
    require(identity, Role.LEAD, "export datasets")
    started = time.perf_counter()
    artifacts.check_name(name, "dataset")
    if k < 1:
        raise InvalidInput("k must be at least 1")
    chosen = parse_families(families)
    codes = normalise_evidence(evidence)
    progress = progress or ProgressReporter(None)
    with session_scope() as session:
        if session.execute(Q.dataset_by_name, {"name": name}).first() is not None:
            raise InvalidInput(f"a dataset named {name!r} already exists: choose another name or delete it")
        cfg = get_config(session, config)
        pairs = [("train", p) for p in train] + [("eval", eval_pair)]
        sets = {s: _annotation_set(session, s) for _, p in pairs for s in (p.old, p.new)}
        snapshot = sets[eval_pair.new]
        work = []
        for split, pair in pairs:
            progress.event("phase", f"holdout {pair.label} ({split})")
            progress.check_cancelled()
            ph = _pair_holdout(session, pair, codes)
            work.append((split, pair, ph, _delta_proteins(session, ph, cfg.id)))
    params = PredictParams(k=k, embed_missing=False, alignments=True, evidence_codes=codes)
    frames: dict[str, list[pd.DataFrame]] = {"train": [], "eval": []}
    produced: set[tuple[str, ...]] = set()
    prediction_sets: list[int] = []
    pair_stats: list[dict[str, Any]] = []
    for split, pair, ph, proteins in work:
        if not proteins:
            raise InvalidInput(
                f"pair {pair.label} has no delta protein with vectors under {cfg.name!r}: embed them first"
            )
        progress.event("phase", f"predicting {len(proteins):,} delta proteins of {pair.label}")
        result = predict(cfg.id, pair.old, identity, accessions=proteins, params=params)
        prediction_sets.append(result.prediction_set_id)
        with session_scope() as session:
            rows, fams, counts = _pair_rows(session, pair, ph, result.prediction_set_id, chosen)
        produced.add(fams)
        frames[split].append(rows)
        pair_stats.append({"pair": pair.label, "split": split, "proteins": len(proteins), **counts})
    if len(produced) != 1:
        raise InvalidInput("the pairs produced different feature families: export them as separate datasets")
    fams = produced.pop()
    columns = tuple(c for f in fams for c in BY_NAME[f].columns)
    data = {s: _typed(pd.concat(frames[s], ignore_index=True), columns) for s in ("train", "eval")}

    target = artifacts.folder("datasets", name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{name}.tmp"
    artifacts.remove_folder(tmp)
    tmp.mkdir()
    for split in ("train", "eval"):
        _write_parquet(data[split], tmp / f"{split}.parquet")
    sha = schema_sha(fams, columns)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "k": k,
        "embedding_config": {"name": cfg.name, "backend": cfg.model_backend, "model": cfg.model_name},
        "ontology_snapshot": {"obo_version": snapshot.obo_version, "content_hash": snapshot.content_hash},
        "annotation_source": {
            str(s): {"source": row.source, "version": row.source_version} for s, row in sorted(sets.items())
        },
        "pairs": {"train": [p.label for p in train], "eval": eval_pair.label},
        "evidence_codes": list(codes),
        "families": list(fams),
        "columns": list(columns),
        "categorical": [c for c in columns if c in CATEGORICAL],
        "label_columns": list(LABEL_COLUMNS),
        "schema_sha": sha,
        "rows": {s: int(len(data[s])) for s in ("train", "eval")},
        "files": {f: {"sha256": artifacts.sha256_file(tmp / f)} for f in FILES},
        "producer": artifacts.producer(),
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (tmp / "manifest.json").write_bytes(manifest_bytes)
    artifacts.replace_folder(tmp, target)
    manifest_sha = artifacts.sha256_bytes(manifest_bytes)
    stats = {
        "prediction_set_ids": prediction_sets,
        "pairs": pair_stats,
        "balance": {s: _balance(data[s]) for s in ("train", "eval")},
    }
    spec = {
        "config": cfg.name,
        "k": k,
        "train": [p.label for p in train],
        "eval": eval_pair.label,
        "families": list(chosen),
        "evidence_codes": list(codes),
    }
    with session_scope() as session:
        dataset_id = int(
            session.execute(
                Q.insert_dataset,
                {
                    "name": name,
                    "cfg": cfg.id,
                    "snap": snapshot.ontology_snapshot_id,
                    "k": k,
                    "families": list(fams),
                    "schema_sha": sha,
                    "manifest_sha": manifest_sha,
                    "manifest_uri": artifacts.uri_of(target / "manifest.json"),
                    "train_uri": artifacts.uri_of(target / "train.parquet"),
                    "eval_uri": artifacts.uri_of(target / "eval.parquet"),
                    "train_rows": int(len(data["train"])),
                    "eval_rows": int(len(data["eval"])),
                    "spec": json.dumps(spec),
                    "stats": json.dumps(stats),
                    "job": job_id,
                    "by": identity.user,
                },
            ).scalar_one()
        )
    progress.event("done", f"dataset {name}: {len(data['train']):,} train and {len(data['eval']):,} eval rows")
    return DatasetExported(
        dataset_id, name, manifest_sha, sha, int(len(data["train"])), int(len(data["eval"])), prediction_sets,
        time.perf_counter() - started,
    )  # fmt: skip
