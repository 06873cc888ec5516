"""Usage (leads): unique visitors per day, views per page, and the feedback people gave."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from services.db.engine import session_scope
from services.usage.feedback import feedback_summary
from services.usage.reports import usage_report

PERIODS = {"7 days": 7, "30 days": 30, "90 days": 90, "400 days": 400}

identity = current_identity()
st.title("Usage")
st.caption(
    "Counted without storing who: a visitor is a hash that changes every day, so the same person on two "
    "days counts once on each and cannot be followed from one day to the next."
)

with shown_errors():
    period = st.segmented_control("Period", list(PERIODS), default="30 days", key="usage_period") or "30 days"
    with session_scope() as session:
        report = usage_report(session, identity, PERIODS[period])
        feedback = feedback_summary(session, identity)

    visits, comments = st.tabs(["Visits", f"Feedback ({feedback.total:,})"])
    with visits:
        per_day = report.per_day
        c1, c2, c3 = st.columns(3)
        c1.metric("Page views", f"{report.total_views:,}")
        c2.metric("Visitors today", f"{int(per_day['visitors'].iloc[-1]):,}")
        c3.metric("Busiest day", f"{int(per_day['visitors'].max()):,} visitors")
        line = px.line(per_day, x="day", y="visitors", markers=True, title="Unique visitors per day")
        line.update_layout(yaxis_title="visitors", xaxis_title="day (UTC)", yaxis_rangemode="tozero")
        st.plotly_chart(line, key="usage_visitors_chart")
        if report.per_page.empty:
            st.info("No page views in this period yet.")
        else:
            bar = px.bar(
                report.per_page.iloc[::-1],
                x="views",
                y="page",
                orientation="h",
                title="Views per page",
                hover_data={"errors": True},
            )
            bar.update_layout(yaxis_title="page", xaxis_title="views")
            st.plotly_chart(bar, key="usage_pages_chart")
            errors = report.per_page[report.per_page["errors"] > 0]
            if not errors.empty:
                st.warning(
                    "Pages that failed to show: "
                    + ", ".join(f"{r.page} ({r.errors:,} of {r.views:,})" for r in errors.itertuples())
                )

    with comments:
        c1, c2, c3 = st.columns(3)
        c1.metric("Feedback", f"{feedback.total:,}")
        c2.metric("👍", f"{feedback.thumbs_up:,}")
        c3.metric("👎", f"{feedback.thumbs_down:,}")
        if feedback.recent:
            st.markdown("**Recent comments**")
            st.dataframe(
                pd.DataFrame(
                    [
                        {"when": c.at, "rating": "👍" if c.thumbs_up else "👎", "comment": c.comment}
                        for c in feedback.recent
                    ]
                ),
                hide_index=True,
                width="stretch",
                column_config={"when": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm")},
                key="usage_comments",
            )
        else:
            st.info("No comments yet.")
