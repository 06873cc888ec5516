"""Allele: current values under the display setting, a timeline of each source's links, the event log, as-of.

Reachable by URL: ``?allele=chr1-12345-A-G`` (or an allele id), optionally ``&genome=GRCh37``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.link_timeline import link_timeline
from services.annotations.allele_view import allele_report
from services.annotations.value_display import value_fields, value_summary
from services.db.engine import session_scope

st.title("Allele")
c1, c2 = st.columns([3, 1])
key = c1.text_input("Allele (CHROM-POS-REF-ALT or id)", value=st.query_params.get("allele", ""), key="allele_key")
genome = c2.text_input("Genome", value=st.query_params.get("genome", "GRCh38"), key="allele_genome")
use_as_of = st.checkbox("Show the state as of a past date", key="allele_use_as_of")
as_of = None
if use_as_of:
    day = st.date_input("As of (end of day, UTC)", key="allele_as_of")
    as_of = datetime.combine(day, time.max, tzinfo=UTC)

if key.strip():
    with shown_errors(), session_scope() as session:
        report = allele_report(session, key, genome, as_of=as_of)
        st.markdown(
            f"**{report.allele.label}** ({report.allele.genome_build}) · retired links show as "
            f"**{report.display}**" + (f" · as of {as_of:%Y-%m-%d}" if as_of else "")
        )
        current_rows = []
        for source, current in report.current.items():
            if current is None:
                current_rows.append({"source": source, "value": "", "version": "", "status": "no value"})
            else:
                current_rows.append(
                    {
                        "source": source,
                        "value": "" if not current.shown else value_summary(current.value),
                        "version": current.source_version,
                        "status": current.note if current.retired else "current",
                    }
                )
        st.dataframe(
            pd.DataFrame(current_rows, columns=["source", "value", "version", "status"]),
            hide_index=True,
            width="stretch",
            key="allele_current",
        )
        for source, current in report.current.items():
            if current is not None and current.shown:
                with st.expander(f"{source} {current.source_version}: all fields"):
                    st.table(pd.DataFrame(value_fields(current.value), columns=["field", "value"]))
        st.plotly_chart(link_timeline(report.links, report.events, now=as_of), key="allele_timeline")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "at": e.at,
                        "source": e.source,
                        "kind": e.kind,
                        "run": e.run_id,
                        "version": e.source_version,
                        "value": value_summary(e.value),
                        "previous": value_summary(e.previous_value),
                    }
                    for e in report.events
                ],
                columns=["at", "source", "kind", "run", "version", "value", "previous"],
            ),
            hide_index=True,
            width="stretch",
            key="allele_events",
        )
else:
    st.info("Enter an allele, e.g. chr1-12345-A-G.")
