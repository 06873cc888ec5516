"""Evaluation: CAFA-style temporal holdouts (NK/LK/PK) with their sizes, a form to create one (lead), runs of
the evaluator on a prediction set (optional scoring config and IA) as jobs, results as a 3 × 3 Fmax grid, PR
curves, two results side by side, baselines beside the method, and the downloads."""

from __future__ import annotations

import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.evaluation_charts import fmax_grid_chart, pr_curve_chart, stats_chart
from pages.ui.file_source import chosen_file, file_inputs
from pages.ui.identity import current_identity
from pages.ui.queued import show_queued
from services.auth.identity import Role
from services.db.engine import session_scope
from services.evaluation import browse
from services.evaluation.holdout import DEFAULT_EVIDENCE, check_request
from services.evaluation.information_accretion import list_ia_tables
from services.evaluation.models import CATEGORIES, NAMESPACES
from services.evaluation.results import check_request as check_evaluation
from services.evaluation.scoring import (
    DEFAULT_EVIDENCE_WEIGHTS,
    SIGNALS,
    create_scoring_config,
    explain_prediction,
    list_scoring_configs,
    predicted_proteins,
    predicted_terms,
)
from services.jobs import service as jobs

identity = current_identity()
st.title("Evaluation")
st.caption(
    "How good are these predictions, measured the way CAFA measures them? An evaluation set is what a newer "
    "annotation release knows that an older one did not: proteins with no experimental terms before (NK), "
    "with terms in other namespaces only (LK), or gaining terms in a namespace they had (PK)."
)


def _submit(operation: str, payload: dict) -> None:
    with session_scope() as session:
        show_queued(jobs.submit(session, operation, payload, identity))


with session_scope() as session:
    sets = browse.list_evaluation_sets(session)
    annotation_sets = browse.annotation_set_choices(session)
    prediction_sets = browse.prediction_set_choices(session)
    configs = list_scoring_configs(session)
    snapshots = browse.snapshot_choices(session)

if identity.can(Role.LEAD):
    with st.expander("Create an evaluation set", expanded=not sets):
        ids = list(annotation_sets)
        old = st.selectbox(
            "Old release (annotation set)",
            ids,
            index=min(1, len(ids) - 1) if ids else None,
            format_func=annotation_sets.get,
            key="es_old",
        )
        new = st.selectbox("New release (annotation set)", ids, format_func=annotation_sets.get, key="es_new")
        codes = sorted(set(DEFAULT_EVIDENCE) | set(DEFAULT_EVIDENCE_WEIGHTS))
        evidence = st.multiselect("Evidence codes counted", codes, default=list(DEFAULT_EVIDENCE), key="es_evidence")
        snapshot = st.selectbox(
            "Ontology snapshot the terms are mapped to",
            [None, *snapshots],
            format_func=lambda i: "the new release's snapshot" if i is None else snapshots[i],
            key="es_ontology",
        )
        name = st.text_input("Label (optional)", key="es_name")
        if st.button("Create evaluation set", key="es_create", disabled=not ids):
            with shown_errors(), session_scope() as session:
                check_request(session, old=old, new=new, ontology=snapshot, evidence=evidence)
                payload = {"old": old, "new": new, "evidence": evidence, "name": name.strip() or None}
                _submit("evaluation.create_set", payload | ({"ontology": snapshot} if snapshot else {}))

if not sets:
    st.info("No evaluation sets yet. A lab lead creates one from two releases of GO annotations.")
    st.stop()

by_id = {s.id: s for s in sets}
wanted = st.query_params.get("set")
start = 0
if wanted:
    with shown_errors(), session_scope() as session:
        start = list(by_id).index(browse.get_evaluation_set(session, browse.parse_set_id(wanted)).id)
chosen = by_id[
    st.selectbox("Evaluation set", list(by_id), index=start, format_func=lambda i: by_id[i].label, key="es_pick")
]

st.subheader("Ground truth")
left, right = st.columns([3, 2])
stats = browse.stats_frame(chosen.stats)
left.plotly_chart(stats_chart(stats), key="es_stats_chart")
right.dataframe(stats, hide_index=True)
right.caption(
    f"{chosen.old_label} → {chosen.new_label}, terms of ontology {chosen.obo_version or 'snapshot'}; evidence "
    f"{', '.join(chosen.evidence_codes)}; created by {chosen.created_by} on {chosen.created_at:%Y-%m-%d %H:%M}."
)
with st.expander("Term mapping and what was dropped"):
    st.dataframe(browse.mapping_frame(chosen.stats), hide_index=True)

with session_scope() as session:
    downloads = {f"{c} ground truth": browse.ground_truth_tsv(session, chosen.id, c) for c in CATEGORIES}
    downloads["PK known terms"] = browse.known_tsv(session, chosen.id)
    fasta = browse.delta_fasta(session, chosen.id)
cols = st.columns(len(downloads) + 1)
for col, (label, data) in zip(cols, downloads.items(), strict=False):
    col.download_button(
        label,
        data,
        file_name=f"evaluation_{chosen.id}_{label.replace(' ', '_')}.tsv",
        mime="text/tab-separated-values",
        key=f"dl_{label}",
    )
cols[-1].download_button(
    "Delta proteins (FASTA)",
    fasta,
    file_name=f"evaluation_{chosen.id}_proteins.fasta",
    mime="text/plain",
    key="dl_fasta",
)

baselines = [p for p in prediction_sets if p.is_baseline]
if identity.can(Role.LEAD):
    with st.expander("Evaluate a prediction set"):
        if not prediction_sets:
            st.info("No prediction sets yet: predict GO terms for this set's proteins (download their FASTA).")
        else:
            preds = {p.id: p for p in prediction_sets}
            pred = st.selectbox("Prediction set", list(preds), format_func=lambda i: preds[i].label, key="ev_pred")
            names = ["stored scores", *(c.name for c in configs)]
            scoring = st.selectbox(
                "Scoring",
                names,
                key="ev_scoring",
                help="A scoring config re-scores the stored features; nothing is predicted again.",
            )
            described = {c.name: c for c in configs}
            if scoring in described:
                st.caption(described[scoring].description or described[scoring].summary())
            ia_kind = st.radio(
                "Information accretion (weighted metrics)",
                ["none", "from an annotation set", "from a file", "a stored table"],
                horizontal=True,
                key="ev_ia",
            )
            ia_choice: dict | None = None
            if ia_kind == "from an annotation set":
                ia_set = st.selectbox(
                    "Annotation set", list(annotation_sets), format_func=annotation_sets.get, key="ev_ia_set"
                )
                ia_choice = {"annotation_set": ia_set}
            elif ia_kind == "a stored table":
                with session_scope() as session:
                    tables = {t.id: t.label() for t in list_ia_tables(session, chosen.ontology_snapshot_id)}
                table = st.selectbox("IA table", list(tables), format_func=tables.get, key="ev_ia_table")
                ia_choice = {"table": table} if table else None
            upload, path = file_inputs("ev_ia_file", "IA file (term, IA)") if ia_kind == "from a file" else (None, "")
            if st.button("Start evaluation job", key="ev_run"):
                with shown_errors():
                    if ia_kind == "from a file":
                        picked = chosen_file(upload, path, identity)
                        ia_choice = {"file": str(picked[0])} if picked else None
                        if ia_choice is None:
                            st.warning("Choose an IA file, or no IA.")
                    if ia_kind == "none" or ia_choice is not None:
                        payload = {
                            "evaluation_set_id": chosen.id,
                            "prediction_set_id": pred,
                            "scoring": None if scoring == "stored scores" else scoring,
                            "ia": ia_choice,
                        }
                        with session_scope() as session:
                            check_evaluation(session, **payload)
                        _submit("evaluation.evaluate", payload)

with st.expander("Scoring configs and why a prediction scores what it does"):
    st.dataframe(
        [{"name": c.name, "formula": c.summary(), "preset": c.is_preset, "by": c.created_by} for c in configs],
        hide_index=True,
    )
    if identity.can(Role.LEAD):
        st.markdown("**New scoring config** (configs never change once created)")
        sc_name = st.text_input("Name", key="sc_name")
        sc_formula = st.radio("Formula", ["linear", "evidence_weighted"], horizontal=True, key="sc_formula",
                              format_func={"linear": "weighted mean of the signals present",
                                           "evidence_weighted": "weighted mean × evidence weight"}.get)  # fmt: skip
        weight_cols = st.columns(3)
        sc_weights = {
            signal: weight_cols[i % 3].number_input(label, min_value=0.0, value=0.0, step=0.1, key=f"sc_w_{signal}")
            for i, (signal, label) in enumerate(SIGNALS.items())
        }
        if st.button("Create scoring config", key="sc_create"):
            with shown_errors(), session_scope() as session:
                made = create_scoring_config(session, identity, name=sc_name, formula=sc_formula,
                                             weights={k: v for k, v in sc_weights.items() if v > 0})  # fmt: skip
                st.success(f"Created scoring config {made.name}: {made.summary()}")
    if prediction_sets:
        choices = {p.id: p for p in prediction_sets}
        x_set = st.selectbox("Prediction set", list(choices), format_func=lambda i: choices[i].label, key="x_set")
        with session_scope() as session:
            proteins = predicted_proteins(session, x_set)
        x_protein = st.selectbox("Protein", proteins, key="x_protein")
        if x_protein:
            with session_scope() as session:
                terms = predicted_terms(session, x_set, x_protein)
            x_term = st.selectbox("Predicted term", list(terms), format_func=terms.get, key="x_term")
            x_config = st.selectbox("Scoring config", [c.name for c in configs], key="x_config")
            if x_term and x_config:
                with shown_errors(), session_scope() as session:
                    why = explain_prediction(session, x_set, x_protein, x_term, x_config)
                    st.caption(
                        f"{why.go_id} {why.term_name or ''} for {why.accession}: stored score "
                        f"{why.stored_score:.3f}, {x_config} score **{why.explanation.score:.3f}**"
                        + (
                            f" (× evidence weight {why.explanation.evidence_multiplier:.2f})"
                            if why.explanation.evidence_multiplier is not None
                            else ""
                        )
                    )
                    st.dataframe(why.frame().style.format(precision=3, na_rep="missing"), hide_index=True)

st.subheader("Results")
with session_scope() as session:
    results = browse.results_of_set(session, chosen.id)
evaluated = set(results["prediction set"]) if not results.empty else set()
missing_baselines = [b for b in baselines if b.id not in evaluated]
if missing_baselines:
    st.info("Baselines not yet evaluated on this set: " + "; ".join(b.label for b in missing_baselines))
    if identity.can(Role.LEAD):
        for b in missing_baselines:
            if st.button(f"Evaluate {b.label}", key=f"ev_baseline_{b.id}"):
                with shown_errors():
                    _submit("evaluation.evaluate", {"evaluation_set_id": chosen.id, "prediction_set_id": b.id})
elif not baselines:
    st.caption("No baseline prediction sets (naive, homology) yet: make them with `workbench predict --method`.")
if results.empty:
    st.info("No results yet for this evaluation set.")
    st.stop()

shown = results.copy()
for c in CATEGORIES:
    for ns in NAMESPACES:
        shown[f"{c} {ns}"] = shown[f"{c} {ns}"].map(lambda v: "–" if v != v or v is None else f"{v:.3f}")
st.caption("Fmax per category and namespace; baselines are marked in the method column.")
st.dataframe(
    shown, hide_index=True, column_config={"created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")}
)

labels = {r["result"]: f"#{r['result']} {r['method']}, {r['scoring']}, IA {r['IA']}" for _, r in results.iterrows()}
result_id = st.selectbox("Result", list(labels), format_func=labels.get, key="res_pick")
with session_scope() as session:
    fmax, coverage = browse.fmax_grid(session, result_id)
    best = browse.best_rows(session, result_id)
    points = browse.curve(session, result_id)
    csv = browse.results_csv(session, result_id)
st.plotly_chart(fmax_grid_chart(fmax, coverage), key="res_grid")
tabs = st.tabs(list(NAMESPACES))
for tab, ns in zip(tabs, NAMESPACES, strict=True):
    with tab:
        st.plotly_chart(pr_curve_chart(points, best, ns), key=f"res_pr_{ns}")
st.download_button(
    "Results (CSV)", csv, file_name=f"evaluation_result_{result_id}.csv", mime="text/csv", key="dl_results"
)

others = [r for r in labels if r != result_id]
if others:
    st.subheader("Compare two results")
    other = st.selectbox("Compare with", others, format_func=labels.get, key="res_compare")
    with session_scope() as session:
        diff = browse.compare_results(session, result_id, other)
    st.dataframe(diff.style.format(precision=3, na_rep="–"), hide_index=True)
