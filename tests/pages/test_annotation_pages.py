"""Annotation runs, Allele and Settings pages through AppTest, on the real database."""

from __future__ import annotations

import json

from sqlalchemy import text

from services.annotations.refresh import refresh
from services.db.engine import get_engine, session_scope
from services.jobs import service
from services.settings.service import get_setting, setting_history
from tests.support.annotation_releases import CURATOR, add_alleles, add_release, at, record
from tests.support.page_frames import frame_with
from tests.support.waiting import wait_for


def _history(db_url) -> list[int]:
    """r1 links three ClinVar alleles, r2 supersedes one and retires one."""
    with get_engine(db_url).begin() as conn:
        a, b, c = add_alleles(conn, 3)
        add_release(conn, "clinvar", "r1", {a: record("clinvar", 0), b: record("clinvar", 1), c: record("clinvar", 2)})
        add_release(conn, "clinvar", "r2", {a: record("clinvar", 3), c: record("clinvar", 2)})
    refresh(CURATOR, "clinvar", "r1", at=at(1))
    refresh(CURATOR, "clinvar", "r2", at=at(2))
    return [a, b, c]


def test_runs_page_lists_runs_and_the_change_report(app, db_url) -> None:
    _history(db_url)
    at_ = app("pages/annotation_runs.py", role="curator")
    runs = frame_with(at_, "health")
    assert list(runs["health"]) == ["healthy", "healthy"] and list(runs["superseded"]) == [1, 0]
    report = frame_with(at_, "change")
    assert sorted(report["change"]) == ["retired", "superseded"]
    assert "Pathogenic" in " ".join(report["old"])
    at_.text_input(key="report_significance").input("benign").run()  # record 3 is Likely_benign
    assert list(frame_with(at_, "change")["change"]) == ["superseded"]
    assert not [b for b in at_.button if b.key in ("brake_confirm", "verify_release")]  # lead-only


def test_curator_starts_a_refresh_job(app, db_url) -> None:
    _history(db_url)
    at_ = app("pages/annotation_runs.py", role="curator")
    at_.button(key="refresh_start").click().run()
    assert not at_.exception
    with session_scope() as s:
        jobs, total = service.list_jobs(s)
    assert total == 1 and jobs[0].operation == "annotations.refresh"
    assert jobs[0].payload["source"] == "clinvar"


def test_lead_confirms_a_braked_run_through_a_job(app, db_url, start_worker) -> None:
    with get_engine(db_url).begin() as conn:
        ids = add_alleles(conn, 120)
        add_release(conn, "clinvar", "r1", {a: record("clinvar", 1) for a in ids})
        add_release(conn, "clinvar", "r2", {a: record("clinvar", 1) for a in ids[20:]})
    refresh(CURATOR, "clinvar", "r1", at=at(1))
    braked = refresh(CURATOR, "clinvar", "r2", at=at(2))
    at_ = app("pages/annotation_runs.py", role="lead", query={"run": str(braked.run_id)})
    assert len(frame_with(at_, "change")) == 20  # the would-be retirements
    at_.button(key="brake_confirm").click().run()
    assert not at_.exception
    with session_scope() as s:
        jobs, total = service.list_jobs(s)
        assert s.scalar(text("SELECT status FROM annotation_run WHERE id = :i"), {"i": braked.run_id}) == "braked"
    assert total == 1 and jobs[0].operation == "annotations.decide"
    assert jobs[0].payload == {"run_id": braked.run_id, "confirm": True}
    start_worker()

    def _status():
        with session_scope() as s:
            return s.scalar(text("SELECT status FROM annotation_run WHERE id = :i"), {"i": braked.run_id})

    assert wait_for(lambda: _status() == "applied", message="the decision job") is True


def test_a_bad_run_number_in_the_url_falls_back_to_the_latest_run(app, db_url) -> None:
    _history(db_url)
    at_ = app("pages/annotation_runs.py", role="viewer", query={"run": "not-a-number"})
    with session_scope() as s:
        latest = s.scalar(text("SELECT max(id) FROM annotation_run"))
    assert at_.selectbox(key="run_detail").value == latest


def test_allele_page_by_url_shows_timeline_events_and_current(app, db_url) -> None:
    _history(db_url)
    at_ = app("pages/allele.py", role="viewer", query={"allele": "chr1-1010-A-G"})  # the retired one
    spec = json.loads(at_.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in spec["data"]]
    assert "retired" in names and len(spec["data"]) == 2
    events = frame_with(at_, "kind")
    assert list(events["kind"]) == ["LINKED", "ABSENT", "RETIRED"]
    current = frame_with(at_, "status")
    assert current["status"][0] == "retired in clinvar r2 on 2026-01-03" and current["value"][0] == ""


def test_settings_page_changes_the_display_decision(app, db_url) -> None:
    _history(db_url)
    at_ = app("pages/settings.py", role="curator")
    assert any("**1** allele–source pairs" in md.value for md in at_.markdown)
    at_.radio(key="display_choice").set_value("last-known").run()
    at_.button(key="display_save").click().run()
    assert not at_.exception
    with session_scope() as s:
        assert get_setting(s, "retired-link-display") == "last-known"
        assert setting_history(s, "retired-link-display")[0].changed_by == "local"
    allele = app("pages/allele.py", role="viewer", query={"allele": "chr1-1010-A-G"})
    assert frame_with(allele, "status")["status"][0].startswith("last known: clinvar r1")


def test_viewer_cannot_change_the_display_decision(app) -> None:
    at_ = app("pages/settings.py", role="viewer")
    assert not at_.radio and not [b for b in at_.button if b.key == "display_save"]


def test_first_run_change_report_lists_the_linked_alleles(app, db_url) -> None:
    """Issue 17: the first ClinVar run's change report showed 0 alleles although 3 were linked."""
    _history(db_url)
    with session_scope() as s:
        first = min(r for r in s.scalars(text("SELECT id FROM annotation_run")))
    at_ = app("pages/annotation_runs.py", role="viewer", query={"run": str(first)})
    report = frame_with(at_, "change")
    assert list(report["change"]) == ["linked"] * 3
    assert "allele_id" not in report.columns and set(report["build"]) == {"GRCh38"}
    assert all(report["allele"].str.match(r"^chr1-\d+-[ACGT]+-[ACGT]+$"))
    assert not any(v.startswith("{") for v in report["new"])  # values in words, not JSON
    assert any("3 alleles" in c.value for c in at_.caption)


def test_lead_verifies_a_held_release_once_with_feedback(app, db_url) -> None:
    """Issue 17: "Mark release … as verified" gave no feedback and the page still said "verified: no"; a held
    run read as a success."""
    with get_engine(db_url).begin() as conn:
        ids = add_alleles(conn, 10)
        add_release(conn, "clinvar", "r1", {a: record("clinvar", 1) for a in ids})
        add_release(conn, "clinvar", "r2", {a: record("clinvar", 2) for a in ids[:8]}, record_count=800)
    refresh(CURATOR, "clinvar", "r1", at=at(1))
    held = refresh(CURATOR, "clinvar", "r2", at=at(2))
    assert held.status == "held"
    at_ = app("pages/annotation_runs.py", role="lead", query={"run": str(held.run_id)})
    warning = " ".join(w.value for w in at_.warning)
    assert "Held — nothing applied" in warning and "verifies it" in warning
    assert any("verified: **no**" in md.value for md in at_.markdown)
    at_.button(key="verify_release").click().run()
    assert not at_.exception
    assert any("Release r2 is verified" in s.value for s in at_.success)
    assert any("verified: **yes (by local" in md.value for md in at_.markdown)
    assert not [b for b in at_.button if b.key == "verify_release"]  # nothing left to click twice
    with session_scope() as s:
        assert s.scalar(text("SELECT count(*) FROM annotation_release_verification")) == 1


def test_allele_page_labels_transitions_by_release_and_shows_values_in_words(app, db_url) -> None:
    """Issue 17: the timeline read only by wall-clock time and values were ``{'clnsig': …}`` dicts."""
    _history(db_url)
    at_ = app("pages/allele.py", role="viewer", query={"allele": "chr1-1000-A-G"})  # superseded r1 → r2
    spec = json.loads(at_.get("plotly_chart")[0].proto.spec)
    transition = next(t for t in spec["data"] if t.get("name") == "transition")
    assert transition["text"] == ["clinvar r1 → r2"]
    assert any(str(t).startswith("r1: ") for trace in spec["data"] for t in trace.get("text") or [])
    current = frame_with(at_, "status")
    assert not current["value"][0].startswith("{") and current["value"][0]
    events = frame_with(at_, "kind")
    assert not any(str(v).startswith("{") for v in [*events["value"], *events["previous"]])
    assert any("GRCh38" in md.value for md in at_.markdown)


def test_curator_adds_a_source_release_from_the_page_as_a_job(app, tmp_path, monkeypatch) -> None:
    """Issue 17: adding a release needed the CLI; the form checks the path on submit and queues a job whose
    operation loads the release."""
    from services.annotations.operations import add_source_operation
    from services.jobs.progress import ProgressReporter
    from tests.annotations.test_real_releases import CLINVAR_INFO, vcf

    imports = tmp_path / "imports"
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(imports))
    at_ = app("pages/annotation_runs.py", role="curator")
    assert imports.is_dir()  # the form creates the import folder it names
    assert any(str(imports) in c.value for c in at_.caption)

    outside = vcf(tmp_path, "outside.vcf", CLINVAR_INFO, ["chr1\t1000\t1\tA\tG\t.\t.\tCLNSIG=Benign"])
    at_.text_input(key="release_version").input("2026-11-03")
    at_.text_input(key="release_file_path").input(str(outside))
    next(b for b in at_.button if b.label == "Add release").click().run()
    assert any("outside the import folders" in w.value for w in at_.warning)

    inside = vcf(imports, "clinvar.vcf", CLINVAR_INFO, ["chr1\t1000\t1\tA\tG\t.\t.\tCLNSIG=Benign"])
    at_.text_input(key="release_file_path").input(str(inside))
    next(b for b in at_.button if b.label == "Add release").click().run()
    assert any("Queued job" in s.value for s in at_.success)
    with session_scope() as s:
        [job], _ = service.list_jobs(s, operations=["annotations.add_source"])
    assert job.payload == {
        "path": str(inside),
        "name": "clinvar",
        "kind": "clinvar",
        "version": "2026-11-03",
        "genome": "GRCh38",
    }
    found = add_source_operation(dict(job.payload), ProgressReporter(None), CURATOR)
    assert (found["source"], found["version"], found["records"]) == ("clinvar", "2026-11-03", 1)
