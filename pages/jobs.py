"""Jobs: the list with filters and live progress, a job's detail (events, children, comments), cancel."""

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from pages.ui.job_timeline import event_timeline
from pages.ui.labelled import fields_frame
from services.auth.identity import Role
from services.db.engine import session_scope
from services.jobs import service
from services.jobs.models import JOB_STATUSES
from services.jobs.operations import all_operations
from services.settings.service import get_setting

identity = current_identity()
st.title("Jobs")
with session_scope() as session:
    PAGE_SIZE = int(get_setting(session, "jobs-page-size"))

if identity.can(Role.CURATOR):
    with st.expander("Run database maintenance"):
        vacuum = st.checkbox("VACUUM as well as ANALYZE", key="maint_vacuum")
        if st.button("Start maintenance", key="maint_start", type="primary"):
            with shown_errors(), session_scope() as session:
                job = service.submit(session, "db.maintenance", {"vacuum": vacuum}, identity)
                st.query_params["job"] = str(job.id)
                st.session_state["job_detail_id"] = str(job.id)
                st.success(f"Queued job {job.id}")

f1, f2, f3 = st.columns([2, 2, 1])
statuses = f1.multiselect("Status", JOB_STATUSES, key="jobs_status")
operations = f2.multiselect("Operation", [o.name for o in all_operations()], key="jobs_operation")
page = f3.number_input("Page", min_value=1, value=1, step=1, key="jobs_page")


JOB_COLUMNS = {
    "progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0),
    "id": st.column_config.LinkColumn("job", display_text=r"job=(.{8})", help="Open the job's detail"),
}


def _job_frame(jobs: list[service.JobView]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"/jobs?job={j.id}" for j in jobs],
            "operation": [j.operation for j in jobs],
            "status": [j.status for j in jobs],
            "progress": [
                j.fraction if j.fraction is not None else (1.0 if j.status == "succeeded" else 0.0) for j in jobs
            ],
            "done": [f"{j.progress_current:,}/{j.progress_total:,}" if j.progress_total else "" for j in jobs],
            "created by": [j.created_by for j in jobs],
            "created": [j.created_at for j in jobs],
            "outcome": [(j.findings or {}).get("outcome", "") for j in jobs],
            "error": [j.error_message or "" for j in jobs],
        }
    )


@st.fragment(run_every=2.0)
def job_list() -> None:
    with session_scope() as session:
        jobs, total = service.list_jobs(
            session,
            statuses=statuses or None,
            operations=operations or None,
            limit=PAGE_SIZE,
            offset=(int(page) - 1) * PAGE_SIZE,
        )
    st.caption(f"{total:,} jobs · page {int(page)} of {max(1, -(-total // PAGE_SIZE))}")
    st.dataframe(
        _job_frame(jobs),
        hide_index=True,
        width="stretch",
        column_config=JOB_COLUMNS,
        key="jobs_table",
    )


job_list()

st.divider()
st.subheader("Job detail")
chosen = st.text_input("Job id", value=st.query_params.get("job", ""), key="job_detail_id")
if chosen:
    try:
        job_id = uuid.UUID(chosen.strip())
    except ValueError:
        st.error(f"{chosen!r} is not a job id")
        st.stop()

    def _cancel(job_id: uuid.UUID) -> None:
        with shown_errors(), session_scope() as session:
            service.cancel(session, job_id, identity)

    @st.fragment(run_every=2.0)
    def job_detail() -> None:
        with shown_errors(), session_scope() as session:
            job = service.get_job(session, job_id)
            events = service.job_events(session, job_id)
            children, _ = service.list_jobs(session, parent_job_id=job_id, limit=100)
            comments = service.job_comments(session, job_id)
            st.markdown(f"**{job.description or job.operation}** · `{job.operation}` · status **{job.status}**")
            if job.fraction is not None:
                st.progress(job.fraction, text=f"{job.progress_current:,} of {job.progress_total:,}")
            if job.error_message:
                st.error(job.error_message)
            findings = dict(job.findings or {})
            outcome, next_step = findings.pop("outcome", None), findings.pop("next_step", None)
            if outcome:
                say = st.success if findings.get("applied", True) else st.warning
                say(str(outcome).capitalize() + (f"\n\n**Next:** {next_step}" if next_step else ""))
            c1, c2 = st.columns(2)
            c1.markdown("**Request**")
            c1.dataframe(fields_frame(job.payload), hide_index=True, width="stretch", key="job_payload")
            if findings:
                c2.markdown("**Result**")
                c2.dataframe(fields_frame(findings), hide_index=True, width="stretch", key="job_findings")
            st.plotly_chart(event_timeline(events), key="job_timeline")
            st.dataframe(
                pd.DataFrame([{"at": e.at, "kind": e.kind, "message": e.message} for e in events]),
                hide_index=True,
                width="stretch",
                key="job_events",
            )
            if children:
                st.markdown("**Child jobs**")
                st.dataframe(_job_frame(children), hide_index=True, column_config=JOB_COLUMNS, key="job_children")
            st.markdown("**Comments**")
            for c in comments:
                st.markdown(f"*{c.author}*, {c.created_at:%Y-%m-%d %H:%M}: {c.body}")
            if not job.is_finished and identity.can(Role.CURATOR):
                st.button(
                    "Cancel job",
                    key="job_cancel",
                    disabled=job.cancel_requested,
                    on_click=_cancel,
                    args=(job_id,),
                )

    job_detail()

    if identity.can(Role.CURATOR):
        with st.form("job_comment_form", clear_on_submit=True):
            body = st.text_area("Add a comment", key="job_comment_body")
            posted = st.form_submit_button("Post comment", key="job_comment_post")
        if posted:
            with shown_errors(), session_scope() as session:
                service.add_comment(session, job_id, identity, body)
