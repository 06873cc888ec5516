"""Query sets: upload (or paste) a FASTA of query sequences, list the sets, browse a set's entries."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from pages.ui.queued import show_queued
from services.auth.identity import Role
from services.db.engine import session_scope
from services.input_files import save_upload
from services.jobs import service as jobs
from services.proteins.query_sets import check_fasta, list_query_sets, query_set_entries

identity = current_identity()
st.title("Query sets")

if identity.can(Role.CURATOR):
    with st.expander("New query set", expanded=True):
        name = st.text_input("Name", key="qs_name")
        description = st.text_input("Description (optional)", key="qs_description")
        upload = st.file_uploader("FASTA file", type=["fasta", "fa", "faa", "txt", "gz"], key="qs_upload")
        pasted = st.text_area("…or paste FASTA", height=140, key="qs_paste")
        if st.button("Upload query set", key="qs_submit", type="primary"):
            data, filename = (
                (upload.getvalue(), upload.name) if upload is not None else (pasted.encode(), "pasted.fasta")
            )
            with shown_errors():
                if not name.strip():
                    st.warning("Give the query set a name.")
                elif not data.strip():
                    st.warning("Upload or paste a FASTA file.")
                else:
                    entries = check_fasta(data, filename)
                    path = save_upload(filename, data, identity)
                    with session_scope() as session:
                        job = jobs.submit(
                            session,
                            "proteins.load_fasta",
                            {
                                "path": str(path),
                                "query_set": name.strip(),
                                "description": description or None,
                                "source_name": filename,
                            },
                            identity,
                            description=f"Query set {name.strip()!r} ({entries:,} sequences)",
                        )
                    show_queued(job)

with session_scope() as session:
    sets = list_query_sets(session)
st.dataframe(
    pd.DataFrame(
        {
            "id": [q.id for q in sets],
            "name": [q.name for q in sets],
            "entries": [q.entries for q in sets],
            "description": [q.description for q in sets],
            "file": [q.source_file for q in sets],
            "created by": [q.created_by for q in sets],
            "created": [q.created_at for q in sets],
        }
    ),
    hide_index=True,
    width="stretch",
    key="qs_table",
)

if sets:
    by_id = {q.id: q for q in sets}
    chosen = st.selectbox("Entries of", list(by_id), format_func=lambda i: f"#{i} {by_id[i].name}", key="qs_chosen")
    picked = by_id[chosen]
    st.markdown(
        f"**{picked.name}** · {picked.entries:,} sequences · uploaded by {picked.created_by}"
        + (f" · {picked.description}" if picked.description else "")
    )
    page = st.number_input("Page", min_value=1, value=1, step=1, key="qs_page")
    with session_scope() as session:
        entries = query_set_entries(session, chosen, limit=100, offset=(int(page) - 1) * 100)
    st.dataframe(
        pd.DataFrame(
            {
                "#": [e.position for e in entries],
                "id": [e.accession for e in entries],
                "header": [e.header for e in entries],
                "length": [e.length for e in entries],
                "sequence MD5": [e.sequence_hash for e in entries],
            }
        ),
        hide_index=True,
        width="stretch",
        key="qs_entries",
    )
else:
    st.info("No query sets yet.")
