"""Home: what the workbench holds, and where to go next."""

import streamlit as st

from pages.ui.identity import current_identity
from services.db.engine import session_scope
from services.jobs.service import status_counts
from services.overview import holdings
from services.usage.feedback import feedback_count

identity = current_identity()
st.title("Curation Workbench")
st.write(
    "Variants and their annotations over time, protein GO-term predictions, and the background jobs that "
    "load and refresh them — one database, one job engine."
)

with session_scope() as session:
    held = holdings(session)
    jobs = status_counts(session)
    feedback = feedback_count(session)

cols = st.columns(max(len(held), 1))
for col, h in zip(cols, held, strict=False):
    col.metric(h.label, f"{'~' if h.estimated else ''}{h.count:,}")

st.subheader("Jobs")
running, queued, failed = jobs.get("running", 0), jobs.get("queued", 0), jobs.get("failed", 0)
st.write(f"{running} running, {queued} queued, {failed} failed.")
st.page_link("pages/jobs.py", label="Open the Jobs page", icon=":material/schedule:")

st.caption(
    f"{feedback:,} feedback {'entry' if feedback == 1 else 'entries'} so far — add yours under Feedback in the sidebar."
)
