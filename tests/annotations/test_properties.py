"""Property: random sequences of healthy and unhealthy runs with random changes and absences keep every
invariant, the links always match a simple model, and folding the events gives exactly the stored links."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from services.annotations import staging
from services.annotations.history import allele_events, allele_links, fold_events
from services.annotations.refresh import refresh
from services.db.engine import get_engine, session_scope
from services.jobs.errors import JobCancelled
from tests.annotations.test_gate import CancelAfterFirstChunk
from tests.support.annotation_releases import COLUMNS, CURATOR, GENOME, T0, add_alleles, add_release, record, value

N_ALLELES = 6
# Per allele: None = absent from the release, else the index of its value (few values, so repeats happen).
releases = st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=N_ALLELES, max_size=N_ALLELES)
steps = st.lists(st.tuples(releases, st.sampled_from(["healthy", "healthy", "degraded", "partial"])), max_size=5)
_names = itertools.count()


@pytest.fixture
def alleles(db_url, monkeypatch):
    monkeypatch.setattr(staging, "ROWS_PER_CHUNK", 2)
    with get_engine(db_url).begin() as conn:
        return add_alleles(conn, N_ALLELES)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["vep", "gnomad", "clinvar"]), sequence=steps)
def test_random_run_sequences_keep_every_invariant(alleles, kind, sequence) -> None:
    source = f"{kind}_{next(_names)}"  # a fresh source per example: examples never see each other's links
    model: dict[int, object] = {}  # the live value each allele should have
    for step, (contents, health) in enumerate(sequence, start=1):
        records = {}
        for allele, i in zip(alleles, contents, strict=True):
            records[allele] = None if i is None else record(kind, i)
        columns = dict(COLUMNS[kind])
        if health == "degraded":  # one source error in six alleles is far over the 0.1 % budget
            columns["source_error"] = "text"
            first = alleles[0]
            records[first] = {**(records[first] or {}), "source_error": "upstream timeout"}
        with get_engine().begin() as conn:
            add_release(conn, source, f"v{step}", records, kind=kind, columns=columns)
        at = T0 + timedelta(days=step)
        if health == "partial":
            with pytest.raises(JobCancelled):
                refresh(CURATOR, source, f"v{step}", GENOME, at=at, progress=CancelAfterFirstChunk())
        else:
            result = refresh(CURATOR, source, f"v{step}", GENOME, at=at)
            assert result.health == health
        if health == "healthy":
            for allele, i in zip(alleles, contents, strict=True):
                model[allele] = None if i is None else value(kind, i)
        _check(source, alleles, model)


def _check(source: str, alleles: list[int], model: dict[int, object]) -> None:
    with session_scope() as s:
        for allele in alleles:
            stored = [link for link in allele_links(s, allele) if link.source == source]
            live = [link for link in stored if link.valid_to is None]
            assert len(live) <= 1
            assert (live[0].value if live else None) == model.get(allele)
            for earlier, later in itertools.pairwise(stored):
                assert earlier.valid_to is not None and earlier.valid_to <= later.valid_from  # no overlap
            assert fold_events(allele_events(s, allele, source)) == stored
        # Every supersession closed the old link at exactly the new one's start (no gap).
        gaps = s.scalar(
            text(
                "SELECT count(*) FROM annotation_event e WHERE e.source = :s AND e.kind = 'SUPERSEDED' AND NOT EXISTS "
                "(SELECT 1 FROM annotation_link o JOIN annotation_link n ON n.allele_id = o.allele_id "
                "AND n.source = o.source AND n.valid_from = o.valid_to WHERE o.allele_id = e.allele_id "
                "AND o.source = e.source AND o.valid_to = e.at)"
            ),
            {"s": source},
        )
        assert gaps == 0
