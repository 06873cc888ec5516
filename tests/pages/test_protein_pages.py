"""Proteins, Protein detail, Ontology, Annotation sets and Query sets pages through AppTest."""

from __future__ import annotations

import json

import pytest

from services.db.engine import session_scope
from services.go_annotations.loader import load_gaf
from services.jobs import service
from services.jobs.runner import execute_job
from services.proteins.query_sets import list_query_sets
from tests.support.go_annotation_fixtures import CURATOR, GAF_22, seed_catalog
from tests.support.page_frames import frame_with


@pytest.fixture
def seeded(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path))
    snapshot = seed_catalog(tmp_path)
    (tmp_path / "a.gaf").write_text(GAF_22)
    with session_scope() as s:
        load_gaf(s, tmp_path / "a.gaf", CURATOR, ontology=snapshot, source="goa", version="2026-01")
    return tmp_path


def _texts(at) -> str:
    return " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)


def test_proteins_page_search_filters_and_load(app, seeded) -> None:
    at = app("pages/proteins.py", role="curator")
    assert {m.label: m.value for m in at.metric}["Proteins"] == "4"
    at.text_input(key="proteins_search").set_value("got2").run()
    table = frame_with(at, "accession")
    assert list(table["accession"]) == ["P12345", "P12345-2"]
    assert list(table["detail"]) == ["protein?accession=P12345", "protein?accession=P12345-2"]
    assert list(table.columns)[0] == "detail"  # the "open" link is visible without scrolling
    at.selectbox(key="proteins_annotated").set_value("without").run()
    assert list(frame_with(at, "accession")["accession"]) == ["P12345-2"]

    at.text_input(key="proteins_fasta_path").set_value(str(seeded / "ref.fasta"))
    at.button(key="proteins_fasta_start").click().run()
    assert any("Queued job" in s.value for s in at.success)
    with session_scope() as s:
        jobs, _ = service.list_jobs(s, operations=["proteins.load_fasta"])
    assert jobs[0].payload["path"] == str(seeded / "ref.fasta")

    at.text_input(key="proteins_fasta_path").set_value("/etc/passwd")
    at.button(key="proteins_fasta_start").click().run()
    assert any("outside the import folders" in w.value for w in at.warning)


def test_viewer_sees_no_load_forms(app, seeded) -> None:
    at = app("pages/proteins.py", role="viewer")
    assert not [b for b in at.button if b.key and b.key.startswith("proteins_")]


def test_protein_detail_with_annotations_and_dag(app, seeded) -> None:
    at = app("pages/protein.py", query={"accession": "P12345"})
    assert "Aspartate aminotransferase" in _texts(at)
    mf = frame_with(at, "evidence")
    assert set(mf["GO id"]) <= {"GO:0000031", "GO:0000011"}
    [dag] = at.get("plotly_chart")
    spec = json.loads(dag.proto.spec)
    nodes = {t["name"]: t for t in spec["data"] if t.get("mode") == "markers+text"}
    annotated = dict(zip(nodes["annotated"]["hovertext"], nodes["annotated"]["y"], strict=True))
    ancestors = dict(zip(nodes["ancestor"]["hovertext"], nodes["ancestor"]["y"], strict=True))
    y = {h.split()[0]: v for h, v in {**annotated, **ancestors}.items()}
    assert y["GO:0000001"] > y["GO:0000010"] > y["GO:0000011"]  # parents above children
    assert y["GO:0000030"] > y["GO:0000031"]
    assert all(not label.startswith("GO:") for label in nodes["ancestor"]["text"])  # names, not ids
    assert any("terms drawn" in c.value for c in at.caption)

    missing = app("pages/protein.py", query={"accession": "NOPE1"})
    assert any("no protein 'NOPE1'" in e.value for e in missing.error)


def test_ontology_page_term_lookup(app, seeded) -> None:
    at = app("pages/ontology.py", query={"term": "GO:0000012"})
    assert list(frame_with(at, "relationships")["terms"]) == [10]
    assert list(frame_with(at, "aspect")["GO id"]) == ["GO:0000012"]
    assert "GO:0000012 — sugar transport step" in _texts(at)
    ancestors = [df.value for df in at.dataframe if list(df.value.columns) == ["GO id", "name"]][0]
    assert list(ancestors["GO id"]) == ["GO:0000001", "GO:0000010", "GO:0000011"]
    assert at.get("plotly_chart")
    obsolete = frame_with(at, "replaced by")
    assert list(obsolete["replaced by"]) == ["GO:0000031"]


def test_annotation_sets_page_lists_and_charts(app, seeded) -> None:
    at = app("pages/annotation_sets.py", role="curator")
    table = frame_with(at, "annotations")
    assert list(table["annotations"]) == [5] and list(table["skipped lines"]) == [4]
    assert any("4 lines were not stored" in w.value for w in at.warning)
    assert at.get("plotly_chart")
    stats = frame_with(at, "evidence_code")
    assert stats["annotations"].sum() == 5
    at.text_input(key="gaf_path").set_value(str(seeded / "a.gaf"))
    at.text_input(key="gaf_version").set_value("2026-02")
    at.button(key="gaf_load").click().run()
    assert any("Queued job" in s.value for s in at.success)


def test_query_set_upload_refuses_bad_fasta_then_lists_the_set(app, seeded) -> None:
    at = app("pages/query_sets.py", role="curator")
    at.text_input(key="qs_name").set_value("my queries")
    at.text_area(key="qs_paste").set_value(">q1\nMKV\n>q2\nMK1V\n")
    at.button(key="qs_submit").click().run()
    assert any("entry 'q2' has an invalid residue '1'" in e.value for e in at.error)
    with session_scope() as s:
        assert service.list_jobs(s)[1] == 0  # nothing queued

    at.text_area(key="qs_paste").set_value(">q1 first\nMKV\n>q2 second\nMKW\n")
    at.button(key="qs_submit").click().run()
    assert any("Queued job" in s.value for s in at.success)
    with session_scope() as s:
        [job], _ = service.list_jobs(s)
    execute_job(job.id)  # the worker's own code path, in process
    with session_scope() as s:
        assert service.get_job(s, job.id).status == "succeeded"
        assert [q.name for q in list_query_sets(s)] == ["my queries"]
    at.run()
    assert list(frame_with(at, "entries")["name"]) == ["my queries"]
    assert list(frame_with(at, "header")["header"]) == ["q1 first", "q2 second"]


def test_load_forms_queue_ontology_and_quickgo_jobs(app, seeded) -> None:
    at = app("pages/ontology.py", role="curator")
    at.text_input(key="ontology_obo_path").set_value(str(seeded / "mini.obo"))
    at.button(key="ontology_load").click().run()
    assert any("Queued job" in s.value for s in at.success)

    at = app("pages/annotation_sets.py", role="curator")
    at.text_input(key="quickgo_taxon").set_value("9999")
    at.text_input(key="quickgo_version").set_value("2026-01-15")
    at.button(key="quickgo_fetch").click().run()
    assert any("Queued job" in s.value for s in at.success)
    with session_scope() as s:
        jobs, _ = service.list_jobs(s)
    payloads = {j.operation: j.payload for j in jobs}
    assert payloads["ontology.load_obo"]["path"] == str(seeded / "mini.obo")
    assert payloads["go_annotations.fetch_quickgo"]["query"] == {"taxonId": "9999"}


def test_viewer_sees_pages_without_forms(app, seeded) -> None:
    for page in ("pages/ontology.py", "pages/annotation_sets.py", "pages/query_sets.py"):
        at = app(page, role="viewer")
        keys = {b.key for b in at.button}
        assert not keys & {"ontology_load", "gaf_load", "quickgo_fetch", "qs_submit"}, page
