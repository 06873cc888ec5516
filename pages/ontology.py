"""Ontology: snapshots, term look-up, a term's ancestors/descendants (with a DAG), obsolete terms."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.file_source import file_inputs, submit_file_job
from pages.ui.identity import current_identity
from pages.ui.query_params import query_int
from pages.ui.term_graph import caption as graph_caption
from pages.ui.term_graph import go_graph_figure
from services.auth.identity import Role
from services.db.engine import session_scope
from services.ontology.browse import find_terms, list_snapshots, obsolete_terms, term_detail
from services.ontology.closure import ALL_RELATIONS, ancestor_graph, ancestors, descendants

identity = current_identity()
st.title("Gene Ontology")

with session_scope() as session:
    snapshots = list_snapshots(session)
st.dataframe(
    pd.DataFrame(
        {
            "id": [s.id for s in snapshots],
            "data-version": [s.obo_version for s in snapshots],
            "ontology": [s.ontology for s in snapshots],
            "file": [s.source_file for s in snapshots],
            "terms": [s.term_count for s in snapshots],
            "obsolete": [s.obsolete_count for s in snapshots],
            "relationships": [s.relationship_count for s in snapshots],
            "annotation sets": [s.annotation_sets for s in snapshots],
            "loaded by": [s.loaded_by for s in snapshots],
            "loaded": [s.loaded_at for s in snapshots],
        }
    ),
    hide_index=True,
    width="stretch",
    key="ontology_snapshots",
)

if identity.can(Role.CURATOR):
    with st.expander("Load an ontology (OBO)", expanded=not snapshots):
        upload, path = file_inputs("ontology_obo", "OBO file", ["obo", "gz"])
        if st.button("Load ontology", key="ontology_load", type="primary"):
            with shown_errors():
                submit_file_job(upload, path, "ontology.load_obo", identity)

if not snapshots:
    st.info("No ontology loaded yet.")
    st.stop()

by_id = {s.id: s for s in snapshots}
requested = query_int("snapshot")
ids = list(by_id)
default = ids.index(requested) if requested in by_id else 0
snapshot = st.selectbox("Snapshot", ids, index=default, format_func=lambda i: by_id[i].label, key="ontology_snap")

st.subheader("Term look-up")
query = st.text_input("GO id, alt id or words of the name", value=st.query_params.get("term", ""), key="ontology_query")
with session_scope() as session:
    found = find_terms(session, snapshot, query) if query.strip() else []
if query.strip() and not found:
    st.warning(f"No term matches {query.strip()!r} in this snapshot.")
if found:
    st.dataframe(
        pd.DataFrame(
            {
                "GO id": [t.go_id for t in found],
                "name": [t.name for t in found],
                "aspect": [t.aspect for t in found],
                "obsolete": [t.is_obsolete for t in found],
            }
        ),
        hide_index=True,
        width="stretch",
        key="ontology_found",
    )
    term_id = st.selectbox(
        "Term",
        [t.go_id for t in found],
        format_func=lambda g: f"{g} {next(t.name for t in found if t.go_id == g)}",
        key="ontology_term",
    )
    regulates = st.checkbox("Follow the regulates relations too", key="ontology_regulates")
    relations = ALL_RELATIONS if regulates else None
    with shown_errors(), session_scope() as session:
        term = term_detail(session, snapshot, term_id)
        ups = ancestors(session, snapshot, [term.go_id], relations=relations)
        downs = descendants(session, snapshot, [term.go_id], relations=relations)
        graph_terms, graph_edges = ancestor_graph(session, snapshot, [term.go_id], relations=relations)
        st.markdown(f"### {term.go_id} — {term.name or ''}")
        st.markdown(f"*{term.namespace or 'no namespace'}*" + (" · **obsolete**" if term.is_obsolete else ""))
        if term.definition:
            st.write(term.definition)
        if term.alt_ids:
            st.caption("Alt ids: " + ", ".join(term.alt_ids))
        if term.replaced_by or term.consider:
            st.warning(
                "Obsolete. Replaced by: "
                + (", ".join(term.replaced_by) or "—")
                + " · consider: "
                + (", ".join(term.consider) or "—")
            )
        a, d = st.columns(2)
        a.markdown(f"**Ancestors** ({len(ups)})")
        a.dataframe(
            pd.DataFrame({"GO id": [t.go_id for t in ups], "name": [t.name for t in ups]}),
            hide_index=True,
            key="ontology_ancestors",
        )
        d.markdown(f"**Descendants** ({len(downs)})")
        d.dataframe(
            pd.DataFrame({"GO id": [t.go_id for t in downs], "name": [t.name for t in downs]}),
            hide_index=True,
            key="ontology_descendants",
        )
        figure, drawn = go_graph_figure(
            [term.go_id],
            [(e.child, e.parent, e.relation_type) for e in graph_edges],
            {t.go_id: (t.name, t.aspect) for t in graph_terms},
            {term.go_id: "focus"},
        )
        st.plotly_chart(figure, key="ontology_dag")
        st.caption(graph_caption(drawn))

st.subheader("Obsolete terms")
obs_page = st.number_input("Page", min_value=1, value=1, step=1, key="ontology_obsolete_page")
with session_scope() as session:
    obsolete, total = obsolete_terms(session, snapshot, limit=100, offset=(int(obs_page) - 1) * 100)
st.caption(f"{total:,} obsolete terms")
st.dataframe(
    pd.DataFrame(
        {
            "GO id": [t.go_id for t in obsolete],
            "name": [t.name for t in obsolete],
            "aspect": [t.aspect for t in obsolete],
            "replaced by": [", ".join(t.replaced_by) for t in obsolete],
            "consider": [", ".join(t.consider) for t in obsolete],
        }
    ),
    hide_index=True,
    width="stretch",
    key="ontology_obsolete",
)
