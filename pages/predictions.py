"""Predictions: prediction sets; per protein, predicted next to known terms, the neighbours behind a term,
a GO graph, TSV export; launch forms for embedding and prediction jobs (curators)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from pages.ui.query_params import query_int
from pages.ui.term_graph import caption as graph_caption
from pages.ui.term_graph import term_graph_figure
from services.auth.identity import Role
from services.db.engine import session_scope
from services.embeddings.backends.registry import available_backends
from services.embeddings.configs import add_config
from services.jobs import service as jobs
from services.ontology.models import ASPECT_NAMES
from services.predictions import browse
from services.predictions.knn import METRICS
from services.predictions.predict import ASPECTS

identity = current_identity()
st.title("Predictions")


def _submit(operation: str, payload: dict) -> None:
    with shown_errors(), session_scope() as session:
        job = jobs.submit(session, operation, payload, identity)
        st.success(f"Queued job {job.id} on the {job.queue_name} queue")


def _add_config() -> None:
    state = st.session_state
    backend = state["cfg_backend"]
    with shown_errors(), session_scope() as session:
        made = add_config(
            session,
            identity,
            state["cfg_name"],
            backend,
            model_name=None if backend == "composition" else state.get("cfg_model"),
            pooling=state["cfg_pooling"],
        )
        state["cfg_message"] = f"Embedding config {made.name!r} created ({made.model_backend})."


if identity.can(Role.CURATOR):
    with session_scope() as session:
        choices = browse.launch_choices(session)
    backends = available_backends()
    with st.expander("Embedding configs", expanded=not choices.configs):
        if not choices.configs:
            st.info("No embedding config yet: create one here, then compute embeddings and predict.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "backend": b.name,
                        "can run here": "yes" if b.available else "no",
                        "why not": b.reason or "",
                        "weights": b.weights or "",
                        "what": b.description,
                    }
                    for b in backends
                ]
            ),
            hide_index=True,
            width="stretch",
            key="backends_table",
        )
        runnable = [b.name for b in backends if b.available]
        suggested = {b.name: b.suggested_model or "" for b in backends}
        c1, c2, c3, c4 = st.columns([2, 1, 2, 1])
        c1.text_input("Config name", placeholder="esm2-small-mean", key="cfg_name")
        cfg_backend = c2.selectbox("Backend", runnable, key="cfg_backend")
        if cfg_backend != "composition":
            c3.text_input("Model (hub name or local folder)", value=suggested.get(cfg_backend, ""), key="cfg_model")
        else:
            c3.caption("Weight-free: predictions made with it are a **baseline**, not a model's.")
        c4.selectbox("Pooling", ["mean", "max", "mean_max", "cls"], key="cfg_pooling")
        st.button("Create config", key="cfg_create", on_click=_add_config)
        if st.session_state.get("cfg_message"):
            st.success(st.session_state.pop("cfg_message"))
    with st.expander("Compute embeddings"):
        if not choices.configs:
            st.info("Create an embedding config first (Embedding configs, above).")
        e_config = st.selectbox("Embedding config", choices.configs, key="embed_config")
        e_target = st.radio("Sequences", ["query set", "annotation set", "all"], horizontal=True, key="embed_target")
        e_qs = st.selectbox("Query set", choices.query_sets, key="embed_query_set") if e_target == "query set" else None
        sets_by_id = choices.annotation_sets
        e_as = None
        if e_target == "annotation set":
            e_as = st.selectbox("Annotation set", list(sets_by_id), format_func=sets_by_id.get, key="embed_aset")
        if st.button("Start embedding job", key="embed_start", disabled=not e_config):
            payload = {
                "config": e_config,
                "query_set": e_qs,
                "annotation_set_id": e_as,
                "all": e_target == "all",
            }
            _submit("embeddings.compute", {k: v for k, v in payload.items() if v not in (None, False)})
    with st.expander("Predict GO terms"):
        if not choices.configs:
            st.info("Create an embedding config first (Embedding configs, above).")
        p_config = st.selectbox("Embedding config", choices.configs, key="predict_config")
        p_as = st.selectbox(
            "Reference annotation set",
            list(choices.annotation_sets),
            format_func=choices.annotation_sets.get,
            key="predict_annotation_set",
        )
        p_qs = st.selectbox("Query set", choices.query_sets, key="predict_query_set")
        c1, c2, c3 = st.columns(3)
        p_k = c1.number_input("k", min_value=1, max_value=100, value=5, key="predict_k")
        p_metric = c2.selectbox("Metric", METRICS, key="predict_metric")
        p_aspect = c3.checkbox("Search per aspect", key="predict_per_aspect")
        if st.button("Start prediction job", key="predict_start", disabled=not (p_config and p_qs and p_as)):
            _submit(
                "predictions.run",
                {"config": p_config, "annotation_set_id": p_as, "query_set": p_qs, "k": int(p_k),
                 "metric": p_metric, "per_aspect": p_aspect},
            )  # fmt: skip

with session_scope() as session:
    sets = browse.list_prediction_sets(session)
if not sets:
    st.info("No prediction sets yet. Embed a reference annotation set and a query set, then run a prediction.")
    st.stop()

st.dataframe(
    pd.DataFrame(
        {
            "id": [s.id for s in sets],
            "config": [s.config for s in sets],
            "quality": ["baseline (weight-free)" if s.baseline else s.backend for s in sets],
            "annotation set": [s.annotation_set for s in sets],
            "query set": [s.query_set or "" for s in sets],
            "k": [s.k for s in sets],
            "metric": [s.metric for s in sets],
            "queries": [s.query_count for s in sets],
            "predictions": [s.prediction_count for s in sets],
            "created": [s.created_at for s in sets],
        }
    ),
    hide_index=True,
    width="stretch",
)
ids = [s.id for s in sets]
default = query_int("set")
set_id = st.selectbox("Prediction set", ids, index=ids.index(default) if default in ids else 0, key="pred_set")
chosen = next(s for s in sets if s.id == set_id)
if chosen.baseline:
    st.info(
        f"Baseline quality: set {chosen.id} was made with the weight-free {chosen.backend} backend "
        "(amino-acid composition), a reference point rather than a model's predictions.",
        icon=":material/info:",
    )

with session_scope() as session:
    accessions = browse.query_accessions(session, set_id)


def _tsv(set_id: int) -> str:
    """The whole set as TSV, built only when the download button is clicked (not on every page run)."""
    with session_scope() as session:
        return browse.prediction_tsv(session, set_id)


st.download_button(
    "Download TSV",
    partial(_tsv, set_id),
    file_name=f"prediction_set_{set_id}.tsv",
    mime="text/tab-separated-values",
    on_click="ignore",
    key="pred_tsv",
)
if accessions.empty:
    st.info("This prediction set has no predictions.")
    st.stop()

f1, f2, f3, f4 = st.columns([2, 2, 1, 1])
accession = f1.selectbox("Protein", list(accessions["accession"]), key="pred_protein")
aspects = f2.multiselect("Aspect", ASPECTS, format_func=lambda a: ASPECT_NAMES.get(a, a), key="pred_aspects")
min_score = f3.slider("Min score", 0.0, 1.0, 0.0, 0.05, key="pred_min_score")
max_distance = f4.number_input("Max distance", min_value=0.0, value=None, key="pred_max_distance")

with session_scope() as session:
    predicted = browse.predicted_terms(
        session, set_id, accession, aspects=aspects or None, min_score=min_score, max_distance=max_distance
    )
    known = browse.known_terms(session, set_id, accession)
left, right = st.columns(2)
left.subheader(f"Predicted ({len(predicted)})")
left.dataframe(predicted.drop(columns=["go_term_id"]), hide_index=True, width="stretch", key="pred_table")
right.subheader(f"Known in {chosen.annotation_set} ({len(known)})")
right.dataframe(known.drop(columns=["go_term_id"]), hide_index=True, width="stretch", key="known_table")

if not predicted.empty:
    term = st.selectbox("Neighbours behind term", list(predicted["go_id"]), key="pred_term")
    term_id = int(predicted.loc[predicted["go_id"] == term, "go_term_id"].iloc[0])
    with session_scope() as session:
        neighbours = browse.term_neighbours(session, set_id, accession, term_id)
        graph = browse.term_graph(
            session, chosen.ontology_snapshot_id, list(predicted["go_term_id"]), list(known["go_term_id"])
        )
    st.dataframe(neighbours, hide_index=True, width="stretch", key="neighbour_table")
    st.subheader("GO graph")
    figure, drawn = term_graph_figure(graph)
    st.plotly_chart(figure, key="term_graph")
    st.caption(graph_caption(drawn))
