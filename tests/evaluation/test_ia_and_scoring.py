"""Information accretion (from a file, computed from an annotation set) and scoring configs (immutable in the
database, presets, linear and evidence-weighted formulas, per-prediction explanations)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.db.engine import session_scope
from services.errors import InputFileError, InvalidInput, PermissionDenied
from services.evaluation.information_accretion import (
    ia_from_annotation_set,
    ia_from_file,
    load_ia,
    read_ia_file,
)
from services.evaluation.scoring import (
    FEATURE_COLUMNS,
    create_scoring_config,
    explain,
    get_scoring_config,
    list_scoring_configs,
    score_frame,
)
from tests.evaluation.fixtures import CURATOR, LEAD, seed_releases
from tests.evaluation.oracles import GO_DATA


def test_ia_computed_from_an_annotation_set(db_url, tmp_path) -> None:
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        table = ia_from_annotation_set(s, LEAD, seeded.new_set)
        again = ia_from_annotation_set(s, LEAD, seeded.new_set)
        ia = load_ia(s, table.id)
    assert again.id == table.id  # stored once per snapshot and source
    # Experimental, propagated BPO: GO:0008150 and GO:0000100 on 4 proteins, GO:0000101 and GO:0000103 on 2
    # (P10001, P10004: the NOT was in the other release), GO:0000102 on 1.
    assert ia["GO:0008150"] == 0.0 and ia["GO:0000100"] == 0.0
    assert ia["GO:0000101"] == pytest.approx(1.0)  # -log2(2/4)
    assert ia["GO:0000103"] == pytest.approx(0.0)  # -log2(2/2)
    assert ia["GO:0000102"] == pytest.approx(2.0)  # -log2(1/4)
    # MFO: GO:0000200 on 4 (P10003's is IEA), GO:0000201 on 3
    assert ia["GO:0000201"] == pytest.approx(-math.log2(3 / 4))
    assert ia["GO:0000301"] == pytest.approx(-math.log2(2 / 3))
    assert table.term_count == len(ia) == 11  # every live term of the snapshot


def test_ia_file_is_read_and_junk_is_one_sentence(db_url, tmp_path) -> None:
    seeded = seed_releases(tmp_path)
    if (GO_DATA / "IA_cafa6.tsv").exists():  # the shared data beside the clone (set $WORKBENCH_SHARED elsewhere)
        real = read_ia_file(GO_DATA / "IA_cafa6.tsv")
        assert real["GO:0000002"] == pytest.approx(2.8496657269155685) and len(real) > 1000
    good = tmp_path / "ia.tsv"
    good.write_text("GO:0000101\t1.5\n\nGO:0000102 2.0\n")
    with session_scope() as s:
        table = ia_from_file(s, LEAD, seeded.new_snapshot, good)
        assert load_ia(s, table.id) == {"GO:0000101": 1.5, "GO:0000102": 2.0}
        with pytest.raises(PermissionDenied):
            ia_from_file(s, CURATOR, seeded.new_snapshot, good)
    cases = {
        "GO:0000101\t1.5\nGO:0000102\n": "line 2: expected two columns",
        "GO:0000101\tlots\n": "line 1: IA 'lots' is not a number",
        "term\tia\n": "line 1: 'term' is not a GO id",
        "GO:0000101\t-1\n": "line 1: IA '-1' must be a finite number",
        "GO:0000101\t1\nGO:0000101\t2\n": "line 2: GO:0000101 is given twice",
        "\n": "no IA rows",
    }
    for content, message in cases.items():
        bad = tmp_path / "bad.tsv"
        bad.write_text(content)
        with pytest.raises(InputFileError, match=message) as err:
            read_ia_file(bad)
        assert str(err.value).startswith(str(bad))
    (tmp_path / "bin.tsv").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(InputFileError, match="not a text file"):
        read_ia_file(tmp_path / "bin.tsv")


def test_scoring_configs_are_immutable_in_the_database(db_url) -> None:
    with session_scope() as s:
        names = {c.name for c in list_scoring_configs(s)}
        assert {"similarity", "balanced", "alignment", "evidence-weighted"} <= names
        created = create_scoring_config(
            s, LEAD, name="mine", formula="linear", weights={"identity_sw": 1.0}, evidence_weights={"iea": 0.1}
        )
        assert created.evidence_weights == {"IEA": 0.1}
        with pytest.raises(InvalidInput, match="already exists"):
            create_scoring_config(s, LEAD, name="mine", formula="linear", weights={"identity_sw": 1.0})
        with pytest.raises(InvalidInput, match="unknown signal"):
            create_scoring_config(s, LEAD, name="x", formula="linear", weights={"magic": 1.0})
        with pytest.raises(InvalidInput, match="unknown formula"):
            create_scoring_config(s, LEAD, name="x", formula="max", weights={"identity_sw": 1.0})
        with pytest.raises(InvalidInput, match="positive weight"):
            create_scoring_config(s, LEAD, name="x", formula="linear", weights={"identity_sw": 0})
        with pytest.raises(PermissionDenied):
            create_scoring_config(s, CURATOR, name="x", formula="linear", weights={"identity_sw": 1.0})
    for statement in (
        "UPDATE scoring_config SET weights = '{\"identity_nw\": 1}' WHERE name = 'mine'",
        "UPDATE scoring_config SET name = 'renamed' WHERE name = 'similarity'",
    ):
        with pytest.raises(DBAPIError, match="immutable"), session_scope() as s:
            s.execute(text(statement))
    with session_scope() as s:
        assert get_scoring_config(s, "mine").weights == {"identity_sw": 1.0}


def _features(**values) -> dict:
    return {c: values.get(c) for c in FEATURE_COLUMNS}


def test_formulas_and_explanations_agree(db_url) -> None:
    with session_scope() as s:
        balanced = get_scoring_config(s, "balanced")
        weighted = get_scoring_config(s, "evidence-weighted")
    full = _features(distance=0.2, identity_nw=0.5, identity_sw=0.6, neighbor_vote_fraction=0.4,
                     taxonomic_distance=1, evidence_code="IEA")  # fmt: skip
    partial = _features(distance=0.2, evidence_code="ZZZ")  # only the embedding signal is present
    frame = pd.DataFrame([full, partial])
    linear = score_frame(frame, "cosine", balanced)
    expected = (0.5 * 0.8 + 0.2 * 0.6 + 0.2 * 0.4 + 0.1 * 0.5) / 1.0
    assert linear[0] == pytest.approx(expected)
    assert linear[1] == pytest.approx(0.8)  # the weighted mean of the signals present
    ew = score_frame(frame, "cosine", weighted)
    assert ew[0] == pytest.approx((0.6 * 0.8 + 0.2 * 0.6 + 0.2 * 0.4) * 0.4)  # IEA weighs 0.4
    assert ew[1] == pytest.approx(0.8 * 0.5)  # an unknown code weighs 0.5
    assert score_frame(frame, "l2", balanced)[1] == pytest.approx(1 / 1.2)

    for config, scores in ((balanced, linear), (weighted, ew)):
        for row, score in zip((full, partial), scores, strict=True):
            why = explain(row, "cosine", config)
            assert why.score == pytest.approx(score)
            assert sum(c.contribution for c in why.contributions) == pytest.approx(score)
    why = explain(partial, "cosine", balanced)
    assert [c.signal for c in why.contributions if c.value is None] == [
        "identity_sw",
        "vote_fraction",
        "taxonomic_proximity",
    ]
