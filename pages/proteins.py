"""Proteins: search the catalog (accession, gene, organism, text), filter, page; load proteins (curators)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.file_source import file_inputs, submit_file_job
from pages.ui.identity import current_identity
from pages.ui.queued import show_queued
from services.auth.identity import Role
from services.db.engine import session_scope
from services.jobs import service as jobs
from services.proteins.catalog import catalog_counts, search_proteins

identity = current_identity()
PAGE_SIZE = 50
st.title("Proteins")

with session_scope() as session:
    counts = catalog_counts(session)
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Proteins", f"{counts.proteins:,}")
c2.metric("Reviewed (Swiss-Prot)", f"{counts.reviewed:,}")
c3.metric("Canonical entries", f"{counts.canonical:,}")
c4.metric("Distinct sequences", f"{counts.sequences:,}")
c5.metric("With GO annotations", f"{counts.annotated:,}")

f1, f2, f3, f4, f5 = st.columns([3, 1.3, 1.3, 1.3, 1])
text = f1.text_input("Search accession, gene, organism or name", key="proteins_search")
reviewed_choice = f2.selectbox("Status", ["any", "reviewed", "unreviewed"], key="proteins_reviewed")
annotated_choice = f3.selectbox("GO annotations", ["any", "with", "without"], key="proteins_annotated")
canonical_only = f4.checkbox("Canonical only", key="proteins_canonical")
page = f5.number_input("Page", min_value=1, value=1, step=1, key="proteins_page")

reviewed = {"any": None, "reviewed": True, "unreviewed": False}[reviewed_choice]
annotated = {"any": None, "with": True, "without": False}[annotated_choice]
with session_scope() as session:
    rows, total = search_proteins(
        session,
        text,
        reviewed=reviewed,
        canonical_only=canonical_only,
        has_annotations=annotated,
        limit=PAGE_SIZE,
        offset=(int(page) - 1) * PAGE_SIZE,
    )
st.caption(f"{total:,} matching proteins · page {int(page)} of {max(1, -(-total // PAGE_SIZE))}")
frame = pd.DataFrame(
    {
        # The link first, so "open" is visible without scrolling.
        "detail": [f"protein?accession={r.accession}" for r in rows],
        "accession": [r.accession for r in rows],
        "entry name": [r.entry_name for r in rows],
        "gene": [r.gene_name for r in rows],
        "protein": [r.protein_name for r in rows],
        "organism": [r.organism for r in rows],
        "reviewed": [r.reviewed for r in rows],
        "canonical": [r.is_canonical for r in rows],
        "length": [r.length for r in rows],
        "GO annotations": [r.annotations for r in rows],
    }
)
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    key="proteins_table",
    column_config={"detail": st.column_config.LinkColumn("detail", display_text="open", width="small")},
)

if identity.can(Role.CURATOR):
    st.divider()
    st.subheader("Load proteins")
    fasta_tab, meta_tab, fetch_tab = st.tabs(["UniProt FASTA", "UniProt metadata (TSV)", "Fetch from UniProt"])
    with fasta_tab:
        upload, path = file_inputs("proteins_fasta", "FASTA file", ["fasta", "fa", "gz", "txt"])
        if st.button("Load as reference proteins", key="proteins_fasta_start", type="primary"):
            with shown_errors():
                submit_file_job(upload, path, "proteins.load_fasta", identity)
    with meta_tab:
        upload, path = file_inputs("proteins_meta", "UniProt TSV export", ["tsv", "txt", "gz"])
        if st.button("Load metadata", key="proteins_meta_start", type="primary"):
            with shown_errors():
                submit_file_job(upload, path, "proteins.load_uniprot_metadata", identity, with_name=False)
    with fetch_tab:
        query = st.text_input(
            "UniProtKB query", placeholder="organism_id:559292 AND reviewed:true", key="proteins_fetch_query"
        )
        limit = st.number_input("At most (0 = all)", min_value=0, value=0, step=100, key="proteins_fetch_limit")
        if st.button("Fetch", key="proteins_fetch_start", type="primary"):
            with shown_errors(), session_scope() as session:
                job = jobs.submit(
                    session, "proteins.fetch_uniprot", {"query": query, "limit": int(limit) or None}, identity
                )
                show_queued(job)
