"""Protein detail: sequence, metadata, isoforms, GO annotations by aspect with evidence, and the DAG of the
annotated terms with their ancestors."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from pages.ui.term_graph import caption as graph_caption
from pages.ui.term_graph import go_graph_figure
from services.db.engine import session_scope
from services.go_annotations.browse import list_annotation_sets, protein_annotations
from services.ontology.closure import ALL_RELATIONS, ancestor_graph
from services.ontology.models import ASPECT_NAMES
from services.proteins.catalog import protein_detail

current_identity()
st.title("Protein")
accession = st.text_input("Accession", value=st.query_params.get("accession", ""), key="protein_accession")
if not accession.strip():
    st.info("Type an accession, or open one from the Proteins page.")
    st.stop()

loaded = None
with shown_errors(), session_scope() as session:  # the one renderer of domain errors
    found = protein_detail(session, accession)
    loaded = found, list_annotation_sets(session), protein_annotations(session, found.accession)
if loaded is None:
    st.stop()
detail, sets, annotations = loaded

status = {True: "reviewed (Swiss-Prot)", False: "unreviewed (TrEMBL)", None: ""}[detail.reviewed]
st.subheader(f"{detail.accession} · {detail.entry_name or ''}")
st.markdown(
    f"**{detail.protein_name or 'unnamed protein'}** — gene *{detail.gene_name or '—'}*, "
    f"{detail.organism or 'unknown organism'} (taxon {detail.taxonomy_id or '—'}) · {status}"
)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Length", f"{detail.length:,}")
c2.metric("Protein existence", str(detail.protein_existence or "—"))
c3.metric("Sequence version", str(detail.sequence_version or "—"))
c4.metric("GO annotations", f"{len(annotations):,}")
if not detail.is_canonical:
    st.caption(f"Isoform {detail.isoform_index} of {detail.canonical_accession}")
if len(detail.isoforms) > 1:
    st.markdown(
        "**Isoforms:** "
        + ", ".join(f"[{a}](protein?accession={a})" if a != detail.accession else f"**{a}**" for a in detail.isoforms)
    )
if detail.shares_sequence_with:
    st.markdown("**Same sequence as:** " + ", ".join(detail.shares_sequence_with))
with st.expander("Sequence", expanded=False):
    st.code("\n".join(detail.sequence[i : i + 60] for i in range(0, len(detail.sequence), 60)), language=None)
    st.caption(f"MD5 {detail.sequence_hash}")
if detail.metadata:
    with st.expander("UniProt metadata", expanded=True):
        for key, value in detail.metadata.items():
            st.markdown(f"**{key.replace('_', ' ')}**: {value}")

st.divider()
st.subheader("GO annotations")
used = sorted({a.annotation_set_id for a in annotations}, reverse=True)
if not used:
    st.info("No GO annotations for this protein in any annotation set.")
    st.stop()
by_id = {s.id: s for s in sets}
chosen = st.selectbox("Annotation set", used, format_func=lambda i: by_id[i].label, key="protein_set")
mine = [a for a in annotations if a.annotation_set_id == chosen]
for aspect in ("F", "P", "C"):
    rows = [a for a in mine if a.aspect == aspect]
    if not rows:
        continue
    st.markdown(f"**{ASPECT_NAMES[aspect].replace('_', ' ')}** ({len(rows)})")
    st.dataframe(
        pd.DataFrame(
            {
                "GO id": [a.go_id for a in rows],
                "term": [a.name for a in rows],
                "qualifier": [a.qualifier for a in rows],
                "NOT": [a.negated for a in rows],
                "evidence": [a.evidence_code for a in rows],
                "reference": [a.db_reference for a in rows],
                "with/from": [a.with_from for a in rows],
                "assigned by": [a.assigned_by for a in rows],
                "date": [a.annotation_date for a in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        key=f"protein_annotations_{aspect}",
    )

st.markdown("**Annotated terms and their ancestors** (is_a solid, part_of dashed; annotated terms in red)")
regulates = st.checkbox("Follow the regulates relations too", key="protein_dag_regulates")
positive = sorted({a.go_id for a in mine if not a.negated})
with shown_errors(), session_scope() as session:
    terms, edges = ancestor_graph(
        session, by_id[chosen].ontology_snapshot_id, positive, relations=ALL_RELATIONS if regulates else None
    )
    if terms:
        figure, drawn = go_graph_figure(
            positive,
            [(e.child, e.parent, e.relation_type) for e in edges],
            {t.go_id: (t.name, t.aspect) for t in terms},
            dict.fromkeys(positive, "annotated"),
        )
        st.plotly_chart(figure, key="protein_dag")
        st.caption(graph_caption(drawn))
