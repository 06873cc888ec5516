"""After a page queues a job: one line saying so, and a link to follow it on the Jobs page."""

from __future__ import annotations

import streamlit as st

from services.jobs.service import JobView


def show_queued(job: JobView) -> None:
    st.success(f"Queued job {job.id} ({job.description or job.operation}); follow its progress on the Jobs page.")
    st.page_link("pages/jobs.py", label="Open the job", icon=":material/schedule:", query_params={"job": str(job.id)})
