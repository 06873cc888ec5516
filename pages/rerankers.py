"""Re-rankers: model cards (metrics, PR curve, feature importance, dataset, provenance, where each model was
used), train and import forms (lead, as jobs), re-ranking a prediction set (curator, a job); Datasets: list,
manifest, class balance per category × namespace, downloads, export form (lead, a job)."""

from __future__ import annotations

import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from pages.ui.queued import show_queued
from pages.ui.reranker_charts import balance_chart, importance_chart, pr_chart
from services.auth.identity import Role
from services.db.engine import session_scope
from services.jobs import service as jobs
from services.reranking import browse
from services.reranking.datasets import verify_dataset
from services.reranking.training import ALL, OBJECTIVES

identity = current_identity()
st.title("Re-rankers")
st.caption(
    "A re-ranker re-orders the terms KNN transfer predicted, from features of each prediction (votes, alignment, "
    "lengths, taxonomy, GO context). It is trained on a dataset exported from temporal holdouts and applied only "
    "when a prediction set has exactly its features; the KNN score stays beside the re-ranked one."
)


def _submit(operation: str, payload: dict) -> None:
    with session_scope() as session:
        show_queued(jobs.submit(session, operation, payload, identity))


with session_scope() as session:
    models = browse.all_models(session)
    datasets = browse.all_datasets(session)
    prediction_sets = browse.prediction_set_labels(session)
    configs = browse.config_names(session)
    annotation_sets = browse.annotation_set_labels(session)
    evaluation_sets = browse.evaluation_set_labels(session)

models_tab, datasets_tab = st.tabs(["Re-rankers", "Datasets"])

with models_tab:
    if identity.can(Role.LEAD):
        with st.expander("Train a re-ranker", expanded=False):
            name = st.text_input("Name", key="rr_name")
            dataset = st.selectbox("Dataset", [d.name for d in datasets], key="rr_dataset")
            objective = st.selectbox("Objective", OBJECTIVES, key="rr_objective",
                                     help="binary: logloss; lambdarank: ranking within each query protein")  # fmt: skip
            per_category = st.checkbox("One booster per category (NK, LK, PK)", key="rr_per_category")
            seed = st.number_input("Seed", min_value=0, value=0, step=1, key="rr_seed")
            if st.button("Train", key="rr_train", disabled=not datasets):
                with shown_errors(), session_scope() as session:
                    browse.check_train(session, name.strip(), dataset or "", objective)
                    _submit("reranking.train", {"name": name.strip(), "dataset": dataset, "objective": objective,
                                                "per_category": per_category, "seed": int(seed)})  # fmt: skip
        with st.expander("Import a re-ranker trained elsewhere", expanded=False):
            st.caption("Server paths inside the import folders: a LightGBM text booster and its JSON manifest.")
            booster_file = st.text_input("Booster file", key="ri_file")
            manifest_file = st.text_input("Manifest file", key="ri_manifest")
            import_name = st.text_input("Name (optional: the manifest's)", key="ri_name")
            if st.button("Import", key="ri_import", disabled=not (booster_file and manifest_file)):
                with shown_errors():
                    _submit("reranking.import", {"file": booster_file.strip(), "manifest": manifest_file.strip(),
                                                 "name": import_name.strip() or None})  # fmt: skip

    if not models:
        st.info("No re-rankers yet. A lab lead exports a dataset, then trains one on it.")
    else:
        st.dataframe(
            browse.reranker_table(models),
            hide_index=True,
            column_config={
                "validation Fmax": st.column_config.NumberColumn(format="%.3f"),
                "AUC-PR": st.column_config.NumberColumn(format="%.3f"),
                "created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            },
        )
        chosen = st.selectbox("Model card", [m.name for m in models], key="rr_card")
        with session_scope() as session:
            model = browse.model(session, chosen)
            used = browse.model_usage(session, model)
        metrics = model.card.get("metrics", {}).get(ALL, {})
        cols = st.columns(4)
        shown = (
            ("Validation Fmax", "fmax", "{:.3f}"),
            ("Threshold at Fmax", "threshold", "{:.2f}"),
            ("AUC-PR", "auc_pr", "{:.3f}"),
            ("Best iteration", "best_iteration", "{:,}"),
        )
        for col, (label, key, fmt) in zip(cols, shown, strict=True):
            value = metrics.get(key)
            col.metric(label, "—" if value is None else fmt.format(value))
        st.dataframe(browse.metric_table(model), hide_index=True)
        left, right = st.columns(2)
        points = browse.pr_frame(model)
        if points.empty:
            left.caption("No validation curve was recorded (imported model).")
        else:
            left.plotly_chart(pr_chart(points, metrics.get("threshold")), key="rr_pr")
        right.plotly_chart(importance_chart(browse.importance_frame(model)), key="rr_importance")
        st.subheader("Dataset and provenance")
        st.dataframe(browse.provenance_table(model), hide_index=True)
        st.subheader("Where it was used")
        if used.prediction_sets.empty:
            st.caption("No prediction set was re-ranked with this model yet.")
        else:
            st.dataframe(used.prediction_sets, hide_index=True)
        if not used.evaluation_results.empty:
            st.dataframe(used.evaluation_results, hide_index=True)
        if identity.can(Role.CURATOR) and prediction_sets:
            with st.form("rr_apply"):
                target = st.selectbox("Re-rank prediction set", list(prediction_sets), format_func=prediction_sets.get)
                if st.form_submit_button("Re-rank"):
                    with shown_errors():
                        _submit("reranking.rerank", {"prediction_set_id": int(target), "reranker": model.name})
        reranked_sets = used.prediction_sets["prediction set"].tolist() if not used.prediction_sets.empty else []
        if identity.can(Role.LEAD) and evaluation_sets and reranked_sets:
            with st.form("rr_evaluate"):
                st.caption("Score a re-ranked prediction set against an evaluation set (CAFA evaluator).")
                eval_set = st.selectbox("Evaluation set", list(evaluation_sets), format_func=evaluation_sets.get)
                scored = st.selectbox("Re-ranked prediction set", reranked_sets,
                                      format_func=lambda i: prediction_sets.get(i, f"set {i}"))  # fmt: skip
                if st.form_submit_button("Evaluate re-ranked scores"):
                    with shown_errors():
                        payload = {"evaluation_set_id": int(eval_set), "prediction_set_id": int(scored)}
                        _submit("reranking.evaluate", payload | {"reranker": model.name})

with datasets_tab:
    if identity.can(Role.LEAD):
        with st.expander("Export a dataset", expanded=False):
            st.caption(
                "Pairs of annotation sets (old:new by id); the proteins that gained terms are predicted from the "
                "old set and labelled by what the new one added. Annotation sets: "
                + "; ".join(annotation_sets.values())
            )
            ds_name = st.text_input("Name", key="ds_name")
            ds_config = st.selectbox("Embedding config", configs, key="ds_config")
            ds_k = st.number_input("k (neighbours)", min_value=1, value=10, step=1, key="ds_k")
            ds_train = st.text_input("Train pairs (OLD:NEW, comma-separated)", key="ds_train")
            ds_eval = st.text_input("Eval pair (OLD:NEW)", key="ds_eval")
            fams = browse.family_choices()
            ds_families = st.multiselect("Feature families", [f[0] for f in fams],
                                         default=[f[0] for f in fams if f[2]], key="ds_families")  # fmt: skip
            if st.button("Export", key="ds_export", disabled=not configs):
                with shown_errors(), session_scope() as session:
                    browse.check_export(session, ds_name.strip(), ds_config or "", int(ds_k), ds_train, ds_eval,
                                        ds_families)  # fmt: skip
                    _submit("reranking.export_dataset", {"name": ds_name.strip(), "config": ds_config,
                                                         "k": int(ds_k), "train": ds_train, "eval": ds_eval,
                                                         "families": ds_families})  # fmt: skip
    if not datasets:
        st.info("No datasets yet.")
    else:
        st.dataframe(
            browse.dataset_table(datasets),
            hide_index=True,
            column_config={"created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
        )
        picked = st.selectbox("Dataset", [d.name for d in datasets], key="ds_pick")
        dataset = next(d for d in datasets if d.name == picked)
        with shown_errors():
            manifest = verify_dataset(dataset)
            st.success("Files match their manifest (sha256 checked).")
            st.dataframe(browse.manifest_facts(manifest), hide_index=True)
            balance = browse.balance_frame(dataset)
            st.subheader("Class balance per category × namespace")
            st.plotly_chart(balance_chart(balance), key="ds_balance")
            st.dataframe(balance, hide_index=True,
                         column_config={"positive share": st.column_config.NumberColumn(format="%.1%%")})  # fmt: skip
            st.subheader("Files")
            st.dataframe(browse.file_table(dataset, manifest), hide_index=True)
            for name in ("manifest.json", "train.parquet", "eval.parquet"):
                st.download_button(f"Download {name}", (dataset.folder / name).read_bytes(),
                                   file_name=f"{dataset.name}-{name}", key=f"dl_{name}")  # fmt: skip
