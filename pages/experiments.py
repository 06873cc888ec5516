"""Experiments: what a lab tried, what came out, and whether a difference is real. The list (filters, headline
metric), a run's page (narrative, status, links, its 3 × 3 Fmax grid and PR curves, comments, re-run), and the
comparison of 2 to 8 runs with paired-bootstrap intervals; the selection lives in the URL so it can be shared.

URL: ``?run=NAME`` opens a run; ``?compare=A&compare=B&baseline=A`` a comparison (``resamples`` and ``seed``
optional)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from pages.ui.errors import shown_errors
from pages.ui.evaluation_charts import fmax_grid_chart, pr_curve_chart
from pages.ui.experiment_charts import difference_chart, heatmap_chart, interval_chart, overlaid_pr_chart
from pages.ui.identity import current_identity
from pages.ui.queued import show_queued
from services.auth.identity import Role
from services.db.engine import database_url, session_scope
from services.errors import NotFound
from services.evaluation import browse
from services.evaluation.models import CATEGORIES, NAMESPACES
from services.evaluation.results import check_request as check_evaluation
from services.experiments import runs as experiments
from services.experiments.compare import MAX_RUNS, MIN_RUNS, Comparison, compare, comparison_csv, plan_comparison
from services.experiments.models import AXES

identity = current_identity()
is_lead = identity.can(Role.LEAD)
STATUS_ICONS = {"planned": "🗓️", "running": "⏳", "done": "✅", "abandoned": "🚫"}
ACTION_LABELS = {"running": "Start run", "done": "Mark done", "abandoned": "Abandon"}


def _number(value: float | None, fmt: str = "{:.3f}") -> str:
    return "–" if value is None or pd.isna(value) else fmt.format(value)


def _go_to(**params: str | list[str]) -> None:
    st.query_params.clear()
    for key, value in params.items():
        st.query_params[key] = value
    st.rerun()


def _written(write: Callable[[Session], object]) -> bool:
    """Run one write in its own unit of work; False (with the sentence shown) when it was refused."""
    with shown_errors(), session_scope() as session:
        write(session)
        return True
    return False


@st.cache_data(show_spinner="Resampling proteins (paired bootstrap)…", max_entries=32)
def _comparison(
    db: str, runs: tuple[str, ...], result_ids: tuple[int, ...], baseline: str, resamples: int, seed: int
) -> Comparison:
    """Cached by database, runs, the results standing for them, baseline, resamples and seed."""
    with session_scope() as session:
        return compare(session, plan_comparison(session, list(runs)), baseline=baseline, resamples=resamples, seed=seed)


def show_list() -> None:
    st.title("Experiments")
    st.caption(
        "Every run of an idea, linked to what it produced: its jobs, prediction sets and evaluation results. "
        "Open a run for its story and its 3 × 3 grid, or compare runs evaluated on the same evaluation set."
    )
    if is_lead:
        with st.expander("New experiment run"):
            name = st.text_input("Name", key="new_name")
            hypothesis = st.text_area("Hypothesis", key="new_hypothesis", height=80)
            tags = st.text_input("Tags (comma-separated)", key="new_tags")
            config = st.text_area(
                "Config (JSON object; its keys " + ", ".join(AXES) + " fill the axes)",
                value="{}",
                key="new_config",
                height=80,
            )
            if st.button("Create run", key="new_create"):
                with shown_errors(), session_scope() as session:
                    run = experiments.create_run(
                        session, identity, name, hypothesis=hypothesis, config=experiments.parse_config(config),
                        tags=[t for t in tags.split(",") if t.strip()],
                    )  # fmt: skip
                    st.success(f"Run {run.name!r} created (planned).")

    with session_scope() as session:
        all_runs = experiments.list_runs(session)
    if all_runs.empty:
        st.info("No experiment runs yet." + (" Create one above." if is_lead else " A lab lead creates them."))
        return
    choices = experiments.filter_choices(all_runs)
    f1, f2, f3, f4, f5 = st.columns(5)
    statuses = f1.multiselect("Status", choices["status"], key="flt_status")
    tags = f2.multiselect("Tags (all of)", choices["tags"], key="flt_tags")
    plms = f3.multiselect("Protein language model", choices["plm"], key="flt_plm")
    ks = f4.multiselect("k", choices["k"], key="flt_k")
    sets = f5.multiselect("Evaluation set", choices["evaluation_set"], key="flt_set")
    with session_scope() as session:
        shown = experiments.list_runs(
            session, statuses=statuses, tags=tags, plm=plms, k=ks, evaluation_sets=sets
        )  # fmt: skip
    table = pd.DataFrame(
        {
            "run": shown["name"],
            "status": shown["status"].map(lambda s: f"{STATUS_ICONS.get(s, '')} {s}"),
            "tags": shown["tags"].map(lambda t: ", ".join(t or [])),
            "PLM": shown["plm"].fillna("–"),
            "k": shown["k"].map(lambda v: "–" if pd.isna(v) else str(int(v))),
            "evaluation set": shown["evaluation_set_label"].fillna("not evaluated"),
            "mean Fmax": shown["headline"],
            "cells": shown["cells"],
            "created": shown["created_at"],
        }
    )
    st.caption(
        f"{len(shown):,} of {len(all_runs):,} runs. Mean Fmax: over the category × namespace cells of the run's "
        "newest evaluation result."
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "mean Fmax": st.column_config.ProgressColumn(format="%.3f", min_value=0.0, max_value=1.0),
            "created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    names = shown["name"].tolist()
    left, right = st.columns(2)
    with left:
        opened = st.selectbox("Open a run", names, index=None, placeholder="choose a run", key="open_run")
        if st.button("Open", key="open_go", disabled=opened is None):
            _go_to(run=opened)
    with right:
        picked = st.multiselect(
            f"Compare runs ({MIN_RUNS}–{MAX_RUNS})", names, max_selections=MAX_RUNS, key="compare_pick"
        )
        if st.button("Compare", key="compare_go", disabled=len(picked) < MIN_RUNS):
            _go_to(compare=picked, baseline=picked[0])


def show_run(name: str) -> None:
    with session_scope() as session:
        try:
            run = experiments.get_run(session, name)
        except NotFound:  # a stale or mistyped URL: say so, offer the list
            st.error(f"There is no experiment run named {name!r}.")
            if st.button("Back to the list", key="run_back_missing"):
                _go_to()
            return
        linked = experiments.links(session, run.id)
        thread = experiments.comments(session, run.id)
        result_ids = experiments.evaluation_result_ids(session, run.id)
    if st.button("← All runs", key="run_back"):
        _go_to()
    st.title(run.name)
    st.markdown(
        f"**{STATUS_ICONS.get(run.status, '')} {run.status}** · created by {run.created_by} on "
        f"{run.created_at:%Y-%m-%d %H:%M}"
        + (f" · started {run.started_at:%Y-%m-%d %H:%M}" if run.started_at else "")
        + (f" · finished {run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else "")
        + (f" · tags: {', '.join(run.tags)}" if run.tags else "")
    )
    axes = {k: v for k, v in run.axes.items() if v is not None}
    if axes:
        st.caption(
            "Axes: " + ", ".join(f"{k} = {v}" for k, v in axes.items()) + f" (short id {run.axis_tuple_shortid})"
            if run.axis_tuple_shortid
            else "Axes: " + ", ".join(f"{k} = {v}" for k, v in axes.items())
        )
    if run.rerun_of_id:
        st.caption(f"A re-run of run #{run.rerun_of_id}.")

    st.subheader("Narrative")
    if is_lead:
        hypothesis = st.text_area("Hypothesis", value=run.hypothesis or "", key="run_hypothesis", height=80)
        findings = st.text_area("Findings", value=run.findings or "", key="run_findings", height=100)
        description = st.text_area("Description", value=run.description or "", key="run_description", height=80)
        tags = st.text_input("Tags (comma-separated)", value=", ".join(run.tags), key="run_tags")
        if st.button("Save narrative", key="run_save"):
            with shown_errors(), session_scope() as session:
                experiments.update_narrative(
                    session, identity, run.id, hypothesis=hypothesis, findings=findings, description=description,
                    tags=[t for t in tags.split(",") if t.strip()],
                )  # fmt: skip
                st.success("Saved.")
        actions = experiments.NEXT_STATUSES.get(run.status, ())
        cols = st.columns(len(actions) + 1)
        for col, status in zip(cols, actions, strict=False):
            if col.button(ACTION_LABELS[status], key=f"run_status_{status}"):
                if _written(lambda session, status=status: experiments.set_status(session, identity, run.id, status)):
                    st.rerun()
        if cols[-1].button("Re-run", key="run_rerun", help="A new run with the same config and inputs; its jobs "
                           "are submitted again and it is linked to this one."):  # fmt: skip
            with shown_errors(), session_scope() as session:
                again, jobs = experiments.rerun(session, identity, run.id)
                st.success(f"Re-run {again.name!r} created and started; {len(jobs)} job(s) submitted.")
                for job in jobs:
                    show_queued(job)
    else:
        st.markdown(f"**Hypothesis.** {run.hypothesis or '—'}")
        st.markdown(f"**Findings.** {run.findings or '—'}")
        if run.description:
            st.markdown(run.description)

    st.subheader("Linked")
    if linked:
        for link in linked:
            st.markdown(f"- {link.label}")
    else:
        st.caption("Nothing linked yet. Jobs submitted in this run link what they create.")
    if is_lead:
        with st.expander("Attach"):
            kind = st.radio(
                "What", ["evaluation result", "prediction set", "dataset", "re-ranker"], horizontal=True,
                key="att_kind",
            )  # fmt: skip
            with session_scope() as session:
                if kind == "evaluation result":
                    options = experiments.evaluation_result_choices(session)
                elif kind == "prediction set":
                    options = {p.id: p.label for p in browse.prediction_set_choices(session)}
                else:
                    options = {}
            target = (
                st.selectbox(kind.capitalize(), list(options), format_func=options.get, key="att_target")
                if kind in ("evaluation result", "prediction set")
                else st.text_input(f"{kind.capitalize()} name", key="att_name")
            )
            if st.button("Attach", key="att_go", disabled=not target):
                if _written(
                    lambda session: experiments.attach(
                        session, identity, run.id,
                        evaluation_result_id=target if kind == "evaluation result" else None,
                        prediction_set_id=target if kind == "prediction set" else None,
                        dataset=target if kind == "dataset" else None,
                        reranker=target if kind == "re-ranker" else None,
                    )
                ):  # fmt: skip
                    st.rerun()

    if is_lead and run.status in ("planned", "running"):
        with st.expander("Evaluate a prediction set in this run"):
            with session_scope() as session:
                eval_sets = {e.id: e.label for e in browse.list_evaluation_sets(session)}
                predictions = {p.id: p.label for p in browse.prediction_set_choices(session)}
            if not eval_sets or not predictions:
                st.caption("Needs an evaluation set and a prediction set (Evaluation and Predictions pages).")
            else:
                eval_set = st.selectbox("Evaluation set", list(eval_sets), format_func=eval_sets.get, key="inrun_set")
                prediction = st.selectbox(
                    "Prediction set", list(predictions), format_func=predictions.get, key="inrun_pred"
                )
                if st.button("Start evaluation job in this run", key="inrun_go"):
                    with shown_errors(), session_scope() as session:
                        payload = {"evaluation_set_id": eval_set, "prediction_set_id": prediction}
                        check_evaluation(session, **payload)
                        show_queued(
                            experiments.submit_in_run(session, identity, run.id, "evaluation.evaluate", payload)
                        )

    st.subheader("Evaluation")
    if not result_ids:
        st.info("No evaluation result linked yet.")
    else:
        labels = {i: f"Evaluation result {i}" for i in result_ids}
        result_id = st.selectbox("Result", result_ids, format_func=labels.get, key="run_result")
        with session_scope() as session:
            fmax, coverage = browse.fmax_grid(session, result_id)
            best = browse.best_rows(session, result_id)
            points = browse.curve(session, result_id)
        st.plotly_chart(fmax_grid_chart(fmax, coverage), key="run_grid")
        for tab, ns in zip(st.tabs(list(NAMESPACES)), NAMESPACES, strict=True):
            tab.plotly_chart(pr_curve_chart(points, best, ns), key=f"run_pr_{ns}")

    if run.provenance:
        with st.expander("Provenance (captured when the run started)"):
            code = run.provenance.get("code", {})
            st.markdown(
                f"Code {code.get('package')} {code.get('version') or ''}"
                + (f", commit `{code['git_sha'][:12]}`" if code.get("git_sha") else "")
                + (" (with uncommitted changes)" if code.get("git_dirty") else "")
            )
            libs = run.provenance.get("libraries", {})
            st.markdown("Libraries: " + ", ".join(f"{k} {v}" for k, v in libs.items()))
            st.json(run.provenance.get("inputs", {}), expanded=False)

    if is_lead:
        with st.expander("Delete this run"):
            st.caption("Deletes the run, its links and comments; the linked jobs, prediction sets and results stay.")
            sure = st.checkbox(f"Yes, delete {run.name!r}", key="run_delete_sure")
            if st.button("Delete run", key="run_delete", disabled=not sure) and _written(
                lambda session: experiments.delete_run(session, identity, run.id)
            ):
                _go_to()

    st.subheader("Comments")
    for comment in thread:
        st.markdown(f"**{comment.author}** · {comment.created_at:%Y-%m-%d %H:%M}  \n{comment.body}")
    if identity.can(Role.CURATOR):
        body = st.text_area("Add a comment", key="run_comment", height=80)
        if st.button("Post comment", key="run_comment_go"):
            if _written(lambda session: experiments.add_comment(session, identity, run.id, body)):
                st.rerun()


def _int_param(name: str, default: int) -> int:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else default


def show_compare(selected: list[str]) -> None:
    if st.button("← All runs", key="cmp_back"):
        _go_to()
    st.title("Compare runs")
    with session_scope() as session:
        names = experiments.list_runs(session)["name"].tolist()
    known = [n for n in selected if n in names]
    picked = st.multiselect(
        f"Runs ({MIN_RUNS}–{MAX_RUNS})", names, default=known, max_selections=MAX_RUNS, key="cmp_runs"
    )
    if len(picked) < MIN_RUNS:
        st.info(f"Choose {MIN_RUNS} to {MAX_RUNS} runs.")
        return
    wanted = st.query_params.get("baseline", picked[0])
    c1, c2, c3 = st.columns(3)
    baseline = c1.selectbox("Baseline", picked, index=picked.index(wanted) if wanted in picked else 0, key="cmp_base")
    resamples = c2.number_input(
        "Resamples", min_value=100, max_value=10_000, step=100, value=_int_param("resamples", 1000), key="cmp_n"
    )
    seed = c3.number_input("Seed", min_value=0, value=_int_param("seed", 0), step=1, key="cmp_seed")
    state = {"compare": picked, "baseline": baseline, "resamples": str(resamples), "seed": str(seed)}
    if st.query_params.get_all("compare") != picked or any(
        st.query_params.get(k) != v for k, v in state.items() if k != "compare"
    ):
        st.query_params.clear()
        for key, value in state.items():
            st.query_params[key] = value
    with shown_errors():
        with session_scope() as session:
            plan = plan_comparison(session, picked)
        result = _comparison(
            database_url(), plan.runs, tuple(plan.result_ids[r] for r in plan.runs), baseline, int(resamples), int(seed)
        )
        _render_comparison(result)


def _render_comparison(result: Comparison) -> None:
    plan, table, runs = result.plan, result.table, list(result.plan.runs)
    metric = plan.metric_label
    st.caption(
        f"{metric} on **{plan.evaluation_set_label}**; each run stands for its newest evaluation result there "
        f"({', '.join(f'{r}: result {plan.result_ids[r]}' for r in runs)}). Intervals: 95 %, from "
        f"{result.resamples:,} paired resamples of the common target proteins (seed {result.seed}). "
        "This page's address keeps the selection: share it to show the same comparison."
    )
    if table.empty:
        st.info("The runs share no category × namespace with ground truth.")
        return
    st.subheader(metric)
    st.plotly_chart(heatmap_chart(table, runs, metric), key="cmp_heatmap")
    st.plotly_chart(interval_chart(table, runs, metric), key="cmp_bars")
    st.subheader(f"Difference to {result.baseline}")
    st.plotly_chart(difference_chart(table, runs, result.baseline, metric), key="cmp_diff")
    shown = pd.DataFrame(
        {
            "category": table["category"],
            "namespace": table["namespace"],
            "run": table["run"],
            metric: table["value"].map(_number),
            "95 % CI": [
                f"{_number(lo)} – {_number(hi)}" for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
            f"Δ vs {result.baseline}": table["diff"].map(lambda v: _number(v, "{:+.3f}")),
            "Δ 95 % CI": [
                f"{_number(lo, '{:+.3f}')} – {_number(hi, '{:+.3f}')}"
                for lo, hi in zip(table["diff_low"], table["diff_high"], strict=True)
            ],
            "proteins": table["n_proteins"].map("{:,}".format),
        }
    )
    st.dataframe(shown, hide_index=True, key="cmp_table")
    st.download_button(
        "Download comparison (CSV)",
        comparison_csv(result),
        file_name="experiment_comparison.csv",
        mime="text/csv",
        key="cmp_csv",
    )
    st.subheader("Precision–recall curves")
    cells = [
        (c, n) for c in CATEGORIES for n in NAMESPACES if ((table["category"] == c) & (table["namespace"] == n)).any()
    ]
    for tab, (category, namespace) in zip(st.tabs([f"{c} {n}" for c, n in cells]), cells, strict=True):
        tab.plotly_chart(
            overlaid_pr_chart(result.curves, runs, category, namespace), key=f"cmp_pr_{category}_{namespace}"
        )


selected_runs = st.query_params.get_all("compare")
opened_run = st.query_params.get("run")
if selected_runs:
    show_compare(selected_runs)
elif opened_run:
    show_run(opened_run)
else:
    show_list()
