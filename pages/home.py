"""Home: what the workbench holds, grouped per domain, and what to do next."""

import streamlit as st

from pages.ui.identity import current_identity
from services.db.engine import session_scope
from services.jobs.service import status_counts
from services.overview import by_domain, holdings, next_steps
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

steps = next_steps(held)
if steps:
    with st.container(border=True):
        st.markdown("**Next steps**" + (" — the database is empty" if not any(h.count for h in held) else ""))
        for i, step in enumerate(steps, start=1):
            st.page_link(step.page, label=f"{i}. {step.text}", icon=":material/arrow_forward:")

groups = by_domain(held)
for row in range(0, len(groups), 3):
    columns = st.columns(3)
    for column, (domain, mine) in zip(columns, list(groups.items())[row : row + 3], strict=False):
        with column.container(border=True):
            st.markdown(f"**{domain}**")
            for h in mine:
                st.metric(h.label, f"{'~' if h.estimated else ''}{h.count:,}")

st.subheader("Jobs")
running, queued, failed = jobs.get("running", 0), jobs.get("queued", 0), jobs.get("failed", 0)
st.write(f"{running} running, {queued} queued, {failed} failed.")
st.page_link("pages/jobs.py", label="Open the Jobs page", icon=":material/schedule:")

st.caption(
    f"{feedback:,} feedback {'entry' if feedback == 1 else 'entries'} so far — add yours under Feedback in the sidebar."
)
