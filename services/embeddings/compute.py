"""Computing embeddings for a set of sequences and storing them in pgvector.

Contract:
1. Targets: a query set (by name), the proteins of an annotation set, explicit sequence ids, or every
   sequence. Sequences that already have vectors under the config are skipped, so a re-run (or a retry
   after a lost worker) only does what is missing.
2. Work goes longest first, in pages; inside a page, ``batching.length_batches`` groups sequences by
   length, each batch one padded forward pass with an attention mask (every backend batches this way).
3. A batch that runs out of device memory is split and retried (``batching.embed_with_split``).
4. Each page is its own unit of work: its vectors are staged with COPY and inserted with
   ``ON CONFLICT DO NOTHING`` (``uq_sequence_embedding_chunk``), so two workers never duplicate a vector,
   and a cancelled job keeps the pages it finished. Progress counts sequences; cancel is checked per batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import session_scope
from services.db.pg_copy import copy_rows
from services.embeddings.backends.base import EmbeddingBackend
from services.embeddings.backends.registry import backend_for
from services.embeddings.batching import SplitCounter, embed_with_split, length_batches
from services.embeddings.configs import ConfigView, get_config
from services.embeddings.pooling import PooledChunk, pool_sequence
from services.errors import InvalidInput, NotFound
from services.jobs.progress import ProgressReporter

Q = sql_blocks.load(__file__)
PAGE_SIZE = 256


@dataclass(frozen=True)
class EmbedTarget:
    """Which sequences to embed: exactly one of the fields is set (or ``all_sequences``)."""

    query_set: str | None = None
    annotation_set_id: int | None = None
    sequence_ids: tuple[int, ...] | None = None
    all_sequences: bool = False

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> EmbedTarget:
        ids = payload.get("sequence_ids")
        target = cls(
            query_set=payload.get("query_set"),
            annotation_set_id=payload.get("annotation_set_id"),
            sequence_ids=tuple(ids) if ids is not None else None,
            all_sequences=bool(payload.get("all")),
        )
        chosen = [target.query_set, target.annotation_set_id, target.sequence_ids]
        if sum(x is not None for x in chosen) + target.all_sequences != 1:
            raise InvalidInput("choose exactly one of: a query set, an annotation set, or all sequences")
        return target


@dataclass
class ComputeResult:
    config: str
    computed: int = 0
    skipped: int = 0
    vectors: int = 0
    seconds: float = 0.0
    device: str | None = None
    oom_splits: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "computed": self.computed,
            "skipped": self.skipped,
            "vectors": self.vectors,
            "seconds": round(self.seconds, 3),
            "device": self.device,
            "oom_splits": self.oom_splits,
        }


def target_sequence_ids(session: Session, target: EmbedTarget) -> list[int]:
    if target.query_set is not None:
        qs = session.execute(Q.query_set_by_name, {"n": target.query_set}).scalar()
        if qs is None:
            raise NotFound(f"no query set named {target.query_set!r}")
        return list(session.execute(Q.query_set_sequences, {"id": qs}).scalars())
    if target.annotation_set_id is not None:
        if session.execute(Q.annotation_set_exists, {"id": target.annotation_set_id}).scalar() is None:
            raise NotFound(f"no annotation set {target.annotation_set_id}")
        return list(session.execute(Q.annotation_set_sequences, {"id": target.annotation_set_id}).scalars())
    if target.sequence_ids is not None:
        return sorted(set(target.sequence_ids))
    return list(session.execute(Q.all_sequences).scalars())


def missing_sequences(session: Session, config_id: int, sequence_ids: list[int]) -> list[tuple[int, int]]:
    """(sequence id, length) of those without vectors under the config, longest first."""
    rows = session.execute(Q.missing_sequences, {"ids": sequence_ids, "cfg": config_id}).all()
    return [(r[0], r[1]) for r in rows]


def vector_text(vector: np.ndarray) -> str:
    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def store_vectors(session: Session, config_id: int, rows: list[tuple[int, PooledChunk]]) -> int:
    """Stage with COPY, insert what is not there yet; returns the number of rows inserted."""
    session.execute(Q.create_embedding_stage)
    copy_rows(
        session,
        "embedding_stage",
        ["sequence_id", "chunk_index_s", "chunk_index_e", "embedding", "embedding_dim"],
        ((sid, c.start, c.end, vector_text(c.vector), int(c.vector.shape[0])) for sid, c in rows),
    )
    result = session.execute(Q.insert_staged_embeddings, {"cfg": config_id})
    return result.rowcount or 0


def compute_embeddings(
    config: str | int,
    target: EmbedTarget,
    identity: Identity,
    progress: ProgressReporter | None = None,
    *,
    device: str = "auto",
    batch_size: int = 16,
    max_tokens: int = 8192,
    page_size: int = PAGE_SIZE,
    backend: EmbeddingBackend | None = None,
) -> ComputeResult:
    """Embed the target's sequences that lack vectors under ``config`` (see the module contract)."""
    require(identity, Role.CURATOR, "compute embeddings")
    progress = progress or ProgressReporter(None)
    started = time.perf_counter()
    with session_scope() as session:
        cfg = get_config(session, config)
        wanted = target_sequence_ids(session, target)
        todo = missing_sequences(session, cfg.id, wanted)
    result = ComputeResult(config=cfg.name, skipped=len(wanted) - len(todo))
    progress.set_total(len(todo))
    if todo:
        backend = backend or backend_for(cfg.model_backend, cfg.model_name, cfg.layer_indices, cfg.max_length, device)
        result.device = backend.device
        counter = SplitCounter()
        for page_start in range(0, len(todo), page_size):
            page = [sid for sid, _ in todo[page_start : page_start + page_size]]
            _embed_page(cfg, page, backend, progress, counter, result, batch_size, max_tokens)
        result.oom_splits = counter.splits
    result.seconds = time.perf_counter() - started
    return result


def _embed_page(
    cfg: ConfigView,
    page: list[int],
    backend: EmbeddingBackend,
    progress: ProgressReporter,
    counter: SplitCounter,
    result: ComputeResult,
    batch_size: int,
    max_tokens: int,
) -> None:
    with session_scope() as session:
        items = [(r[0], r[1]) for r in session.execute(Q.sequences_by_id, {"ids": page})]
    rows: list[tuple[int, PooledChunk]] = []
    for batch in length_batches(items, batch_size, max(max_tokens, 1)):
        progress.check_cancelled()
        states = embed_with_split(backend, [seq for _, seq in batch], counter)
        for (sid, _), state in zip(batch, states, strict=True):
            rows.extend((sid, chunk) for chunk in pool_sequence(state, cfg.recipe))
        progress.advance(len(batch))
    with session_scope() as session:
        result.vectors += store_vectors(session, cfg.id, rows)
    result.computed += len(items)
