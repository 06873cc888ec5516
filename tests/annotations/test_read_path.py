"""Filters match the displayed value; as-of answers for past instants with the half-open rule."""

from __future__ import annotations

import pytest
from sqlalchemy import column, select, table

from services.annotations.read_path import current_annotation, displayed_value_filter, retired_display_impact
from services.annotations.refresh import refresh
from services.db.engine import session_scope
from tests.support.annotation_releases import CURATOR, add_alleles, add_release, at, value

alleles = table("alleles", column("id"))


@pytest.fixture
def clinvar(conn):
    """a Pathogenic (live), b Pathogenic then retired, c Benign."""
    with conn.begin():
        a, b, c = add_alleles(conn, 3)
        patho, benign = {"clnsig": "Pathogenic"}, {"clnsig": "Benign"}
        add_release(conn, "clinvar", "r1", {a: patho, b: patho, c: benign})
        add_release(conn, "clinvar", "r2", {a: patho, c: benign})
    refresh(CURATOR, "clinvar", "r1", at=at(1))
    refresh(CURATOR, "clinvar", "r2", at=at(2))
    return a, b, c


@pytest.mark.parametrize(
    ("display", "include_retired", "expected"),
    [("none", False, "a"), ("none", True, "a"), ("last-known", False, "a"), ("last-known", True, "ab")],
)
def test_filter_matches_the_displayed_value(clinvar, display, include_retired, expected) -> None:
    names = dict(zip(clinvar, "abc", strict=True))
    condition = displayed_value_filter(
        alleles.c.id, "clinvar", "clnsig", ["PATHOGENIC"], display=display, include_retired=include_retired
    )
    with session_scope() as s:
        found = {names[i] for i in s.scalars(select(alleles.c.id).where(condition))}
    assert found == set(expected)


def test_as_of_uses_half_open_intervals(clinvar) -> None:
    a, b, _ = clinvar
    with session_scope() as s:
        before = current_annotation(s, [b], display="none", as_of=at(1.5))[b]["clinvar"]
        at_retirement = current_annotation(s, [b], display="none", as_of=at(2))[b]["clinvar"]
        before_any = current_annotation(s, [a], display="none", as_of=at(0))[a]["clinvar"]
        assert retired_display_impact(s) == {"clinvar": 1}
    assert before.value == {"clnsig": "Pathogenic"} and not before.retired
    assert at_retirement.retired and at_retirement.value is None and at_retirement.retired_in == "r2"
    assert before_any is None


def test_values_are_canonical_in_the_fixture() -> None:
    assert value("vep", 3)["consequence"] == ["intron_variant", "splice_region_variant"]


def test_latest_links_read_current_and_ended_links_by_btree_and_agree_with_one_scan(clinvar) -> None:
    """latest_links reads current links through uq_annotation_link_live and ended ones through
    ix_annotation_link_retired_allele (revision 0023), never the GiST exclusion index; and its two halves give what
    one scan over every link gives: a live, b retired (its value shown under last-known), c live, an unlinked id."""
    from sqlalchemy import text

    from services.annotations.read_path import Q

    a, b, c = clinvar
    ids = [a, b, c, 12345]
    with session_scope() as s:
        s.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(s.scalars(text("EXPLAIN " + Q.sql("latest_links")), {"ids": ids, "at": None}))
        one_scan = s.execute(
            text(
                "SELECT DISTINCT ON (allele_id, source) allele_id, source, value, valid_to FROM annotation_link "
                "WHERE allele_id = ANY(:ids) ORDER BY allele_id, source, valid_from DESC"
            ),
            {"ids": ids},
        ).all()
        shown = current_annotation(s, ids, display="last-known")
    assert "uq_annotation_link_live" in plan and "ix_annotation_link_retired_allele" in plan
    assert "ex_annotation_link_no_overlap" not in plan
    assert {(r.allele_id, r.value["clnsig"], r.valid_to is not None) for r in one_scan} == {
        (i, shown[i]["clinvar"].value["clnsig"], shown[i]["clinvar"].retired) for i in (a, b, c)
    }
    assert shown[12345]["clinvar"] is None
