"""The Jobs and Home pages through AppTest, on the real database."""

from __future__ import annotations

import json

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.jobs import service
from tests.support.page_frames import frame_with


def test_home_shows_counts(app) -> None:
    with session_scope() as s:
        service.submit(s, "db.maintenance", {}, Identity("ann", Role.LEAD))
    at = app("pages/home.py")
    assert any(m.label == "Jobs" and m.value == "1" for m in at.metric)
    assert "1 queued" in " ".join(md.value for md in at.markdown)
    # Grouped per domain with full labels, and the next steps of an (almost) empty database.
    assert {"**Variants**", "**Annotations**", "**Proteins**", "**Predictions**", "**Workbench**"} <= {
        md.value for md in at.markdown
    }
    assert any(m.label == "Annotation releases" for m in at.metric)
    steps = [link.label for link in at.get("page_link")]
    assert steps[0] == "1. Load a VCF (upload or a file in an import folder)"
    assert any("annotation source release" in s for s in steps)


def test_settings_page_has_no_emoji_boxes_and_the_toolbar_hides_deploy(app) -> None:
    import tomllib
    from pathlib import Path

    at = app("pages/settings.py")
    assert not any("✅" in md.value for md in at.markdown)
    assert any("*current choice*" in md.value for md in at.markdown)
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "minimal"


def test_curator_starts_maintenance_and_sees_it_listed(app) -> None:
    at = app("pages/jobs.py", role="curator")
    at.button(key="maint_start").click().run()
    assert not at.exception
    assert any("Queued job" in s.value for s in at.success)
    with session_scope() as s:
        jobs, total = service.list_jobs(s)
    assert total == 1 and jobs[0].operation == "db.maintenance" and jobs[0].created_by == "local"
    table = frame_with(at, "operation")
    assert list(table["status"]) == ["queued"]


def test_viewer_has_no_start_or_cancel(app) -> None:
    with session_scope() as s:
        job = service.submit(s, "db.maintenance", {}, Identity("ann", Role.LEAD))
    at = app("pages/jobs.py", role="viewer", query={"job": str(job.id)})
    assert not [b for b in at.button if b.key in ("maint_start", "job_cancel")]
    assert "queued" in " ".join(md.value for md in at.markdown)


def test_job_detail_shows_events_timeline_and_comments(app) -> None:
    lead = Identity("ann", Role.LEAD)
    with session_scope() as s:
        job = service.submit(s, "db.maintenance", {"vacuum": True}, lead)
        service.add_comment(s, job.id, lead, "first look")
    at = app("pages/jobs.py", query={"job": str(job.id)})
    events = frame_with(at, "kind")
    assert list(events["kind"]) == ["queued"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["name"] == "queued"
    assert any("first look" in md.value for md in at.markdown)
    at.button(key="job_cancel").click().run()
    with session_scope() as s:
        assert service.get_job(s, job.id).status == "cancelled"


def test_posting_a_comment(app) -> None:
    with session_scope() as s:
        job = service.submit(s, "db.maintenance", {}, Identity("ann", Role.LEAD))
    at = app("pages/jobs.py", query={"job": str(job.id)})
    at.text_area(key="job_comment_body").input("checked the sizes")
    at.button(key="job_comment_post").click().run()
    with session_scope() as s:
        assert [c.body for c in service.job_comments(s, job.id)] == ["checked the sizes"]


def test_a_held_refresh_job_reads_as_held_with_labelled_fields_and_calm_colours(app) -> None:
    """Issue 17: a held run's job said "succeeded" and nothing else; payload and findings were raw ``{...}``
    blocks; "phase" events were drawn in red."""
    from services.annotations.run_records import RunResult
    from services.jobs.models import JobEvent
    from services.jobs.store import finish as mark_finished

    held = RunResult(1, "clinvar", "r2", "GRCh38", "held", "degraded", 10, 10, 0, {"held": 2},
                     reasons=["15.0% fewer records than r1"])  # fmt: skip
    with session_scope() as s:
        job = service.submit(s, "db.maintenance", {"vacuum": True}, Identity("ann", Role.LEAD))
        s.add(JobEvent(job_id=job.id, kind="phase", message="staging"))
        s.add(JobEvent(job_id=job.id, kind="held", message="held — nothing applied"))
        s.flush()
        mark_finished(s, job.id, "succeeded", findings=held.as_json())
    at = app("pages/jobs.py", query={"job": str(job.id)})
    assert any(w.value.startswith("Held — nothing applied") and "**Next:**" in w.value for w in at.warning)
    assert frame_with(at, "outcome")["outcome"][0].startswith("held — nothing applied")
    result = frame_with(at, "field")
    assert not any(str(v).startswith("{") for v in result["value"])
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    colours = {t["name"]: t["marker"]["color"] for t in spec["data"]}
    assert colours["phase"] != colours.get("failed", "#c0392b") and colours["phase"] == "#2a6f97"
