"""Evaluation sets on the real database: NK/LK/PK membership, NOT handling, term mapping across snapshots
(with dropped counts), known terms, stats, roles and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.db.engine import session_scope
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.evaluation.holdout import create_evaluation_set
from tests.evaluation.fixtures import (
    CURATOR,
    EXPECTED_GROUND_TRUTH,
    EXPECTED_KNOWN,
    LEAD,
    ground_truth_rows,
    seed_releases,
)


def test_holdout_categories_not_rule_mapping_and_known_terms(db_url, tmp_path) -> None:
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        created = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set)
    gt, known = ground_truth_rows(created.evaluation_set_id)
    assert gt == EXPECTED_GROUND_TRUTH
    assert known == EXPECTED_KNOWN

    stats = created.stats
    assert stats["ontology_snapshot_id"] == seeded.new_snapshot  # the new set's snapshot by default
    assert stats["categories"]["NK"]["BPO"] == {"proteins": 1, "annotations": 2}
    assert stats["categories"]["NK"]["MFO"] == {"proteins": 1, "annotations": 3}
    assert stats["categories"]["LK"]["CCO"] == {"proteins": 1, "annotations": 3}
    assert stats["categories"]["PK"]["BPO"] == {"proteins": 1, "annotations": 1}
    assert stats["categories"]["PK"]["MFO"] == {"proteins": 0, "annotations": 0}
    assert stats["known"]["BPO"] == {"proteins": 1, "annotations": 3}
    assert stats["delta_proteins"] == 5
    # old release: 7 experimental rows (the IEA one is not read); one via alt_id, one via replaced_by,
    # one that cannot be mapped (GO:0000401, obsolete with "consider" only) — dropped and counted.
    old = stats["old"]
    assert old["annotations"] == 7
    assert old["mapped"] == {"same": 4, "alt_id": 1, "replaced_by": 1}
    assert old["dropped"] == {"unmapped": 1, "outside_namespaces": 0}
    assert old["dropped_examples"] == ["GO:0000401"]
    assert old["not_qualified"] == 1
    new = stats["new"]
    assert new["annotations"] == 12 and new["dropped"]["unmapped"] == 0
    assert new["removed_by_not"] == 1  # P10004's GO:0000103 under the old NOT on GO:0000101


def test_evidence_codes_are_configurable_and_stored(db_url, tmp_path) -> None:
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        created = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, evidence=["IDA", "iea"])
    gt, _ = ground_truth_rows(created.evaluation_set_id)
    assert created.stats["evidence_codes"] == ["IDA", "IEA"]
    # With IEA counted, P10003 had an old BPO term: its new BPO term is no longer new; its MFO IEA term is
    # new (LK). P10002's EXP term is ignored, P10007's IPI term too.
    proteins = {(p, c, ns) for p, _, c, ns in gt}
    assert ("P10003", "LK", "MFO") in proteins and ("P10003", "NK", "BPO") not in proteins
    assert not {p for p, *_ in gt} & {"P10002", "P10007"}


def test_explicit_old_snapshot_maps_the_new_release_back(db_url, tmp_path) -> None:
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        created = create_evaluation_set(
            s, LEAD, old=seeded.old_set, new=seeded.new_set, ontology=str(seeded.old_snapshot)
        )
    gt, _ = ground_truth_rows(created.evaluation_set_id)
    # In the old snapshot GO:0000201 is live (no alt ids there): P10005's old GO:0000299 is another term,
    # so P10005 gains GO:0000201 in MFO (PK), and P10006's old GO:0000400 is not GO:0000201 either.
    assert ("P10005", "GO:0000201", "PK", "MFO") in gt
    assert ("P10006", "GO:0000201", "PK", "MFO") in gt
    assert created.stats["old"]["dropped"]["unmapped"] == 0


def test_bad_input_and_roles(db_url, tmp_path) -> None:
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        with pytest.raises(PermissionDenied):
            create_evaluation_set(s, CURATOR, old=seeded.old_set, new=seeded.new_set)
        with pytest.raises(NotFound, match="annotation set 999"):
            create_evaluation_set(s, LEAD, old=999, new=seeded.new_set)
        with pytest.raises(InvalidInput, match="different"):
            create_evaluation_set(s, LEAD, old=seeded.new_set, new=seeded.new_set)
        with pytest.raises(InvalidInput, match="evidence"):
            create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, evidence=[" "])
        with pytest.raises(NotFound, match="snapshot"):
            create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, ontology="releases/none")


def test_sets_of_different_proteomes_are_refused(db_url, tmp_path) -> None:
    from services.go_annotations.loader import load_gaf
    from tests.evaluation.fixtures import gaf_text

    seeded = seed_releases(tmp_path)
    (tmp_path / "other.gaf").write_text(gaf_text([("P10007", "GO:0000201", "F", "IDA", "enables")]))
    (tmp_path / "mine.gaf").write_text(gaf_text([("P10001", "GO:0000101", "P", "IDA", "involved_in")]))
    with session_scope() as s:
        other = load_gaf(s, tmp_path / "other.gaf", CURATOR, ontology=seeded.new_snapshot, source="goa", version="x")
        mine = load_gaf(s, tmp_path / "mine.gaf", CURATOR, ontology=seeded.new_snapshot, source="goa", version="y")
    with session_scope() as s, pytest.raises(InvalidInput, match="share no protein"):
        create_evaluation_set(s, LEAD, old=mine.annotation_set_id, new=other.annotation_set_id)
    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM evaluation_set")).scalar() == 0  # nothing partial written
