"""The compute service against the real database: the weight-free backend end to end, skip-existing,
chunk rows, OOM split-and-retry, roles, and a tiny ESM model through the same path."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import text

from services.db.engine import session_scope
from services.embeddings.backends.base import BatchTooLarge
from services.embeddings.backends.composition import CompositionBackend
from services.embeddings.batching import length_batches
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.embeddings.configs import add_config
from services.errors import InvalidInput, PermissionDenied
from services.jobs.service import submit
from tests.support.prediction_seed import CURATOR, SEQ_A, VIEWER, seed_catalog


def _rows(config_id: int):
    with session_scope() as s:
        return s.execute(
            text(
                "SELECT e.sequence_id, e.chunk_index_s, e.chunk_index_e, e.embedding_dim, e.embedding::text, "
                "s.length FROM sequence_embedding e JOIN sequence s ON s.id = e.sequence_id "
                "WHERE embedding_config_id = :c ORDER BY 1, 2"
            ),
            {"c": config_id},
        ).all()


def test_length_batches_sort_and_respect_both_limits() -> None:
    items = [(1, "A" * 10), (2, "A" * 2), (3, "A" * 5), (4, "A" * 3)]
    batches = list(length_batches(items, batch_size=2, max_tokens=100))
    assert [[i for i, _ in b] for b in batches] == [[2, 4], [3, 1]]
    batches = list(length_batches(items, batch_size=10, max_tokens=10))
    assert [[i for i, _ in b] for b in batches] == [[2, 4], [3], [1]]


def test_composition_end_to_end_skips_existing(db_url, tmp_path) -> None:
    seeded = seed_catalog(tmp_path)
    with session_scope() as s:
        cfg = add_config(s, CURATOR, "comp", "composition")
    result = compute_embeddings("comp", EmbedTarget(query_set=seeded.query_set), CURATOR)
    assert (result.computed, result.skipped, result.vectors) == (2, 0, 2)
    assert result.device == "cpu"
    again = compute_embeddings("comp", EmbedTarget(annotation_set_id=seeded.annotation_set_id), CURATOR)
    # Q1's sequence is P00003's: already there, so only 3 of the 4 reference sequences are new.
    assert (again.computed, again.skipped) == (3, 1)
    rows = _rows(cfg.id)
    assert len(rows) == 5
    for _, start, end, dim, vec, length in rows:
        assert (start, end, dim) == (0, length, 420)
        assert np.linalg.norm(np.array(json.loads(vec))) == pytest.approx(1.0, abs=1e-5)
    everything = compute_embeddings("comp", EmbedTarget(all_sequences=True), CURATOR)
    assert (everything.computed, everything.skipped) == (0, 5)


def test_chunk_rows_carry_amino_acid_positions(db_url, tmp_path) -> None:
    seed_catalog(tmp_path)
    with session_scope() as s:
        cfg = add_config(s, CURATOR, "chunked", "composition", use_chunking=True, chunk_size=30, chunk_overlap=10)
    compute_embeddings("chunked", EmbedTarget(all_sequences=True), CURATOR)
    spans: dict[int, list[tuple[int, int]]] = {}
    lengths = {}
    for sid, start, end, _, _, length in _rows(cfg.id):
        spans.setdefault(sid, []).append((start, end))
        lengths[sid] = length
    for sid, chunk in spans.items():
        assert chunk[0][0] == 0 and chunk[-1][1] == lengths[sid]
        assert all(e - s <= 30 for s, e in chunk)
    assert len(SEQ_A) == 66 and [(0, 30), (20, 50), (40, 66)] in spans.values()


class FlakyMemory(CompositionBackend):
    """Runs out of memory on any batch of more than one sequence (like a GPU near its limit)."""

    def embed(self, sequences):
        if len(sequences) > 1:
            raise BatchTooLarge("CUDA out of memory")
        return super().embed(sequences)


def test_out_of_memory_batches_are_split_and_retried(db_url, tmp_path) -> None:
    seed_catalog(tmp_path)
    with session_scope() as s:
        add_config(s, CURATOR, "comp", "composition")
    backend = FlakyMemory("composition", [0], 1022)
    result = compute_embeddings("comp", EmbedTarget(all_sequences=True), CURATOR, backend=backend)
    assert result.computed == 5 and result.vectors == 5 and result.oom_splits >= 2


def test_roles_and_bad_configs(db_url, tmp_path) -> None:
    with session_scope() as s:
        with pytest.raises(PermissionDenied):
            add_config(s, VIEWER, "x", "composition")
        with pytest.raises(InvalidInput, match="no CLS token"):
            add_config(s, CURATOR, "x", "t5", model_name="Rostlab/prot_t5_xl_uniref50", pooling="cls")
        with pytest.raises(InvalidInput, match="needs a model name"):
            add_config(s, CURATOR, "x", "esm")
        with pytest.raises(InvalidInput, match="chunk_overlap"):
            add_config(s, CURATOR, "x", "composition", use_chunking=True, chunk_size=10, chunk_overlap=10)
        add_config(s, CURATOR, "x", "composition")
        with pytest.raises(InvalidInput, match="already exists"):
            add_config(s, CURATOR, "x", "composition")
    with pytest.raises(PermissionDenied):
        compute_embeddings("x", EmbedTarget(all_sequences=True), VIEWER)


def test_tiny_esm_through_the_compute_job_path(db_url, tmp_path, tiny_esm) -> None:
    seeded = seed_catalog(tmp_path)
    with session_scope() as s:
        cfg = add_config(s, CURATOR, "esm-tiny", "esm", model_name=tiny_esm, pooling="mean_max")
    result = compute_embeddings("esm-tiny", EmbedTarget(query_set=seeded.query_set), CURATOR, batch_size=2)
    assert result.computed == 2
    rows = _rows(cfg.id)
    assert {r[3] for r in rows} == {32} and all(r[1] == 0 and r[2] == r[5] for r in rows)


def test_device_auto_prefers_a_usable_gpu_and_else_the_cpu(monkeypatch) -> None:
    """The same on a CPU-only machine and on a CUDA one: which accelerators are usable is pinned here."""
    torch = pytest.importorskip("torch")
    from services.embeddings.backends.torch_runtime import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cuda") == "cuda" and resolve_device("cpu") == "cpu"  # an explicit choice passes through


def test_cancel_stops_at_the_next_batch_and_keeps_finished_pages(db_url, tmp_path) -> None:
    from services.jobs.errors import JobCancelled
    from services.jobs.progress import ProgressReporter

    seed_catalog(tmp_path)
    with session_scope() as s:
        cfg = add_config(s, CURATOR, "comp", "composition")
        job = submit(s, "embeddings.compute", {"config": "comp", "all": True}, CURATOR)

    class CancelAfterFirstPage(CompositionBackend):
        calls = 0

        def embed(self, sequences):
            CancelAfterFirstPage.calls += 1
            if CancelAfterFirstPage.calls == 2:
                with session_scope() as s:
                    s.execute(
                        text("UPDATE job SET meta = meta || '{\"cancel_requested\": true}' WHERE id = :i"),
                        {"i": job.id},
                    )
            return super().embed(sequences)

    progress = ProgressReporter(job.id, min_interval=0)
    with pytest.raises(JobCancelled):
        compute_embeddings(
            "comp", EmbedTarget(all_sequences=True), CURATOR, progress,
            backend=CancelAfterFirstPage("composition", [0], 1022), batch_size=1, page_size=2,
        )  # fmt: skip
    kept = len(_rows(cfg.id))
    assert kept == 2  # the first page (2 sequences) was committed; the rest was not started
    rerun = compute_embeddings("comp", EmbedTarget(all_sequences=True), CURATOR)
    assert (rerun.computed, rerun.skipped) == (3, 2)
