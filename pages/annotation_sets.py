"""Annotation sets: the list, per-aspect and per-evidence statistics (a chart), and load forms."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.file_source import file_inputs, submit_file_job
from pages.ui.identity import current_identity
from pages.ui.queued import show_queued
from services.auth.identity import Role
from services.db.engine import session_scope
from services.go_annotations.browse import list_annotation_sets, set_statistics
from services.go_annotations.models import ANNOTATION_SOURCES
from services.jobs import service as jobs
from services.ontology.browse import list_snapshots

identity = current_identity()
st.title("GO annotation sets")

with session_scope() as session:
    sets = list_annotation_sets(session)
    snapshots = list_snapshots(session)
st.dataframe(
    pd.DataFrame(
        {
            "id": [s.id for s in sets],
            "source": [s.source for s in sets],
            "version": [s.source_version for s in sets],
            "ontology": [f"#{s.ontology_snapshot_id} {s.obo_version or ''}" for s in sets],
            "GAF": [s.gaf_version for s in sets],
            "annotations": [s.annotation_count for s in sets],
            "skipped lines": [s.skipped_count for s in sets],
            "file": [s.source_file for s in sets],
            "loaded by": [s.created_by for s in sets],
            "loaded": [s.created_at for s in sets],
        }
    ),
    hide_index=True,
    width="stretch",
    key="annotation_sets_table",
)

if sets:
    by_id = {s.id: s for s in sets}
    chosen = st.selectbox(
        "Statistics of", list(by_id), format_func=lambda i: by_id[i].label, key="annotation_sets_chosen"
    )
    with session_scope() as session:
        stats = set_statistics(session, chosen)
    aset = by_id[chosen]
    if aset.skipped_reasons:
        st.warning(
            f"{aset.skipped_count:,} lines were not stored: "
            + ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in aset.skipped_reasons.items())
        )
    if stats.empty:
        st.info("This set holds no annotations.")
    else:
        by_evidence = stats.groupby(["aspect_name", "evidence_code"], as_index=False)["annotations"].sum()
        # plotly.graph_objects, not plotly.express: express costs ~2 s to import and ~0.3 s per figure here.
        chart = go.Figure(
            [
                go.Bar(x=part["evidence_code"], y=part["annotations"], name=aspect)
                for aspect, part in by_evidence.groupby("aspect_name")
            ]
        )
        chart.update_layout(
            barmode="group",
            height=360,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis_title="evidence code",
            yaxis_title="annotations",
            legend_title="aspect",
        )
        st.plotly_chart(chart, key="annotation_sets_chart")
        per_aspect = stats.groupby("aspect_name", as_index=False)[["annotations"]].sum()
        st.dataframe(per_aspect, hide_index=True, key="annotation_sets_aspects")
        st.dataframe(
            stats[["aspect", "evidence_code", "negated", "annotations", "proteins"]],
            hide_index=True,
            width="stretch",
            key="annotation_sets_stats",
        )
else:
    st.info("No annotation sets yet.")

if identity.can(Role.CURATOR):
    st.divider()
    st.subheader("Load annotations")
    if not snapshots:
        st.info("Load an ontology first (Ontology page): annotation sets are read against a snapshot.")
        st.stop()
    snap_ids = [s.id for s in snapshots]
    snap_label = {s.id: s.label for s in snapshots}
    gaf_tab, quickgo_tab = st.tabs(["GAF file", "QuickGO download"])
    with gaf_tab:
        upload, path = file_inputs("gaf", "GAF file", ["gaf", "gz", "txt"])
        g1, g2, g3 = st.columns(3)
        snapshot = g1.selectbox("Ontology snapshot", snap_ids, format_func=snap_label.get, key="gaf_snapshot")
        source = g2.selectbox("Source", ANNOTATION_SOURCES, key="gaf_source")
        version = g3.text_input("Source version", placeholder="e.g. GOA 2026-01-15", key="gaf_version")
        if st.button("Load GAF", key="gaf_load", type="primary"):
            with shown_errors():
                extra = {"ontology": snapshot, "source": source, "version": version}
                submit_file_job(upload, path, "go_annotations.load_gaf", identity, extra)
    with quickgo_tab:
        q1, q2 = st.columns(2)
        taxon = q1.text_input("Taxon id", key="quickgo_taxon")
        proteins = q2.text_input("UniProt accessions (comma-separated)", key="quickgo_proteins")
        q3, q4 = st.columns(2)
        qsnap = q3.selectbox("Ontology snapshot", snap_ids, format_func=snap_label.get, key="quickgo_snapshot")
        qversion = q4.text_input("Label for this download", placeholder="e.g. 2026-01-15", key="quickgo_version")
        if st.button("Fetch from QuickGO", key="quickgo_fetch", type="primary"):
            filters = {"taxonId": taxon, "geneProductId": proteins}
            query = {k: v.strip() for k, v in filters.items() if v.strip()}
            with shown_errors(), session_scope() as session:
                job = jobs.submit(
                    session,
                    "go_annotations.fetch_quickgo",
                    {"ontology": qsnap, "version": qversion, "query": query},
                    identity,
                )
                show_queued(job)
