"""Experiment runs: create, read, list, narrative, status, links, comments, re-run.

Contract:
1. Leads create and edit runs (narrative, status, links, re-run); everyone reads; curators and leads comment.
2. The axis tuple is the eight axis columns (``models.AXES``); ``axis_tuple_shortid`` is the first 12 hex of the
   sha256 of its canonical JSON (keys sorted, no spaces, nulls kept) and stays null when every axis is null.
   Two runs with the same axes are refused with a sentence naming the other run (the database's partial unique
   index guards it). A re-run copies the axes but not the short id: the id names the first run of a tuple, the
   re-run points to it through ``rerun_of_id``.
3. Status moves planned → running → done | abandoned (planned → abandoned too); the database trigger refuses
   anything else and a refused move reads as one sentence. Moving to running captures the provenance
   (``provenance.capture``) in the same unit of work.
4. Links: an evaluation result or prediction set must exist (foreign keys); datasets and re-rankers are linked by
   name without a foreign key until the re-ranking issue adds their tables.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.errors import InvalidInput, NotFound
from services.experiments.models import AXES, STATUSES, ExperimentComment, ExperimentLink, ExperimentRun
from services.experiments.provenance import capture

Q = sql_blocks.load(__file__)
NAME_MAX = 200
# The moves the status trigger allows (offered as actions; the database remains the guard).
NEXT_STATUSES: dict[str, tuple[str, ...]] = {"planned": ("running", "abandoned"), "running": ("done", "abandoned")}


@dataclass(frozen=True)
class RunView:
    """A run as pages and the CLI see it."""

    id: int
    name: str
    description: str | None
    hypothesis: str | None
    findings: str | None
    status: str
    config: dict[str, Any]
    provenance: dict[str, Any]
    tags: list[str]
    axes: dict[str, Any]
    axis_tuple_shortid: str | None
    rerun_of_id: int | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_row(cls, run: ExperimentRun) -> RunView:
        return cls(
            id=run.id,
            name=run.name,
            description=run.description,
            hypothesis=run.hypothesis,
            findings=run.findings,
            status=run.status,
            config=dict(run.config or {}),
            provenance=dict(run.provenance or {}),
            tags=list(run.tags or []),
            axes={axis: getattr(run, axis) for axis in AXES},
            axis_tuple_shortid=run.axis_tuple_shortid,
            rerun_of_id=run.rerun_of_id,
            created_by=run.created_by,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(frozen=True)
class LinkView:
    """One linked thing, with a label for people (never a bare id)."""

    id: int
    kind: str
    target: str
    label: str
    evaluation_result_id: int | None
    prediction_set_id: int | None
    job_id: uuid.UUID | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    created_at: datetime


def axis_tuple(values: Mapping[str, Any]) -> dict[str, Any]:
    """The eight axes in their fixed order (missing ones null); ``k`` as an integer."""
    out = {axis: values.get(axis) for axis in AXES}
    if out["k"] is not None:
        try:
            out["k"] = int(out["k"])
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"the axis k must be a whole number, not {out['k']!r}") from exc
    for axis in AXES:
        if axis != "k" and out[axis] is not None:
            out[axis] = str(out[axis])
    return out


def axis_shortid(axes: Mapping[str, Any]) -> str | None:
    """First 12 hex of sha256 of the canonical JSON of the axis tuple; None when every axis is null."""
    tuple_ = axis_tuple(axes)
    if all(v is None for v in tuple_.values()):
        return None
    canonical = json.dumps(tuple_, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("an experiment run needs a name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"an experiment run name has at most {NAME_MAX} characters")
    return name


def _clean_tags(tags: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()
        if tag and tag not in out:
            out.append(tag)
    return out


def parse_config(text: str | None) -> dict[str, Any]:
    """A run's config from JSON text (an object); one sentence when it is not."""
    if text is None or not str(text).strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--config is not valid JSON: {exc.msg} at character {exc.pos + 1}") from exc
    if not isinstance(value, dict):
        raise InvalidInput('--config must be a JSON object, e.g. {"plm": "esm2_t33", "k": 10}')
    return value


def _run(session: Session, ref: str | int, *, lock: bool = False) -> ExperimentRun:
    """A run by name, or by id when given an int (or digits that name no run)."""

    def one(condition: Any) -> ExperimentRun | None:
        query = select(ExperimentRun).where(condition)
        return session.scalars(query.with_for_update() if lock else query).first()

    run = one(ExperimentRun.id == ref) if isinstance(ref, int) else one(ExperimentRun.name == str(ref))
    if run is None and isinstance(ref, str) and ref.strip().isdigit():
        run = one(ExperimentRun.id == int(ref))
    if run is None:
        raise NotFound(f"no experiment run named {ref!r}")
    return run


@contextmanager
def _guarded(session: Session, name: str, shortid: str | None = None) -> Iterator[None]:
    """Writes inside a savepoint, flushed at the end; the run's constraints become sentences and nothing of a
    refused change stays (the savepoint is rolled back, which expires or removes what it touched)."""
    nested = session.begin_nested()
    try:
        yield
        session.flush()
    except (IntegrityError, DBAPIError) as exc:
        nested.rollback()
        text = str(getattr(exc, "orig", exc))
        if "uq_experiment_run_name" in text:
            raise InvalidInput(f"an experiment run named {name!r} already exists: choose another name") from exc
        if "uq_experiment_run_axis_tuple_shortid" in text:
            other = session.scalar(select(ExperimentRun.name).where(ExperimentRun.axis_tuple_shortid == shortid))
            raise InvalidInput(
                f"the run {other!r} already has these axes (short id {shortid}): change an axis, or re-run that run"
            ) from exc
        if "experiment_run_status_transition" in text or "cannot go from" in text:
            raise InvalidInput(text.splitlines()[0].strip()) from exc
        raise
    except BaseException:
        nested.rollback()
        raise
    nested.commit()


def create_run(
    session: Session,
    identity: Identity,
    name: str,
    *,
    description: str | None = None,
    hypothesis: str | None = None,
    config: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    axes: Mapping[str, Any] | None = None,
    rerun_of_id: int | None = None,
) -> RunView:
    """A planned run. Axes come from ``axes`` or else from the config's keys of the same names (contract 2)."""
    require(identity, Role.LEAD, "create experiment runs")
    config = dict(config or {})
    values = axis_tuple({**{a: config.get(a) for a in AXES}, **{k: v for k, v in (axes or {}).items() if v}})
    name = _clean_name(name)
    shortid = None if rerun_of_id else axis_shortid(values)
    run = ExperimentRun(
        name=name,
        description=(description or "").strip() or None,
        hypothesis=(hypothesis or "").strip() or None,
        status="planned",
        config=config,
        provenance={},
        tags=_clean_tags(tags),
        axis_tuple_shortid=shortid,
        rerun_of_id=rerun_of_id,
        created_by=identity.user,
        **values,
    )
    with _guarded(session, name, shortid):
        session.add(run)
    session.refresh(run)
    return RunView.from_row(run)


def get_run(session: Session, ref: str | int) -> RunView:
    return RunView.from_row(_run(session, ref))


def update_narrative(
    session: Session,
    identity: Identity,
    ref: str | int,
    *,
    description: str | None = None,
    hypothesis: str | None = None,
    findings: str | None = None,
    tags: Sequence[str] | None = None,
) -> RunView:
    """Change what is given (None leaves a field alone; an empty text clears it)."""
    require(identity, Role.LEAD, "edit experiment runs")
    run = _run(session, ref, lock=True)
    with _guarded(session, run.name):
        for field, value in (("description", description), ("hypothesis", hypothesis), ("findings", findings)):
            if value is not None:
                setattr(run, field, value.strip() or None)
        if tags is not None:
            run.tags = _clean_tags(tags)
    session.refresh(run)
    return RunView.from_row(run)


def set_status(session: Session, identity: Identity, ref: str | int, status: str) -> RunView:
    """Move a run along planned → running → done | abandoned (contract 3)."""
    require(identity, Role.LEAD, "change the status of experiment runs")
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    run = _run(session, ref, lock=True)
    if run.status == status:
        return RunView.from_row(run)
    provenance = (
        capture(session, run.id, links(session, run.id), dict(run.config or {})) if status == "running" else None
    )
    with _guarded(session, run.name):
        if provenance is not None:
            run.provenance = provenance
        run.status = status
    session.refresh(run)
    return RunView.from_row(run)


def attach(
    session: Session,
    identity: Identity,
    ref: str | int,
    *,
    evaluation_result_id: int | None = None,
    prediction_set_id: int | None = None,
    job_id: uuid.UUID | str | None = None,
    dataset: str | None = None,
    reranker: str | None = None,
) -> LinkView:
    """Link one thing to a run (contract 4); linking the same thing twice keeps one link."""
    require(identity, Role.LEAD, "attach things to experiment runs")
    given = {
        "evaluation_result": evaluation_result_id,
        "prediction_set": prediction_set_id,
        "job": job_id,
        "dataset": (dataset or "").strip() or None,
        "reranker": (reranker or "").strip() or None,
    }
    chosen = [(k, v) for k, v in given.items() if v is not None]
    if len(chosen) != 1:
        raise InvalidInput(
            "attach exactly one thing: an evaluation result, a prediction set, a job, a dataset or a re-ranker"
        )
    kind, value = chosen[0]
    run = _run(session, ref)
    link = ExperimentLink(experiment_run_id=run.id, kind=kind, created_by=identity.user)
    if kind == "evaluation_result":
        if session.execute(Q.evaluation_result_exists, {"id": int(value)}).first() is None:
            raise NotFound(f"evaluation result {value} does not exist")
        link.evaluation_result_id = int(value)
    elif kind == "prediction_set":
        if session.execute(Q.prediction_set_exists, {"id": int(value)}).first() is None:
            raise NotFound(f"prediction set {value} does not exist")
        link.prediction_set_id = int(value)
    elif kind == "job":
        from services.jobs.service import get_job

        try:
            job_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except ValueError as exc:
            raise InvalidInput(f"--job must be a job id (a UUID), not {value!r}") from exc
        link.job_id = get_job(session, job_id).id
    else:
        link.ref_name = str(value)
    existing = _same_link(session, run.id, link)
    if existing is None:
        session.add(link)
        session.flush()
    return next(v for v in links(session, run.id) if v.id == (existing or link.id))


def _same_link(session: Session, run_id: int, link: ExperimentLink) -> int | None:
    query = select(ExperimentLink.id).where(
        ExperimentLink.experiment_run_id == run_id, ExperimentLink.kind == link.kind
    )
    for column in ("job_id", "prediction_set_id", "evaluation_result_id", "ref_name"):
        value = getattr(link, column)
        if value is not None:
            query = query.where(getattr(ExperimentLink, column) == value)
    return session.scalar(query)


def detach(session: Session, identity: Identity, ref: str | int, link_id: int) -> None:
    """Remove one link (never the linked thing itself)."""
    require(identity, Role.LEAD, "detach things from experiment runs")
    run = _run(session, ref)
    link = session.get(ExperimentLink, link_id)
    if link is None or link.experiment_run_id != run.id:
        raise NotFound(f"run {run.name!r} has no link {link_id}")
    session.delete(link)
    session.flush()


def _link_label(row: Any) -> tuple[str, str]:
    if row.kind == "evaluation_result":
        return str(row.evaluation_result_id), (
            f"Evaluation result {row.evaluation_result_id}: prediction set {row.er_prediction_set_id} "
            f"on {row.er_set_label}"
        )
    if row.kind == "prediction_set":
        what = row.ps_method or (f"{row.ps_embedding}, k={row.ps_k}, {row.ps_metric}" if row.ps_embedding else "")
        return str(row.prediction_set_id), f"Prediction set {row.prediction_set_id}" + (f" ({what})" if what else "")
    if row.kind == "job":
        return str(row.job_id), f"Job: {row.job_description or row.job_operation} ({row.job_status})"
    label = "Dataset" if row.kind == "dataset" else "Re-ranker"
    return row.ref_name, f"{label} {row.ref_name}"


def links(session: Session, ref: str | int) -> list[LinkView]:
    """What the run is linked to, grouped by kind, oldest first."""
    run_id = ref if isinstance(ref, int) else _run(session, ref).id
    out = []
    for row in session.execute(Q.links_of_run, {"run": run_id}):
        target, label = _link_label(row)
        out.append(
            LinkView(
                row.id, row.kind, target, label, row.evaluation_result_id, row.prediction_set_id, row.job_id,
                row.created_by, row.created_at,
            )
        )  # fmt: skip
    return out


def evaluation_result_ids(session: Session, ref: str | int) -> list[int]:
    """The run's linked evaluation results, newest first."""
    ids = [v.evaluation_result_id for v in links(session, ref) if v.kind == "evaluation_result"]
    return sorted((i for i in ids if i is not None), reverse=True)


def add_comment(session: Session, identity: Identity, ref: str | int, body: str) -> CommentView:
    require(identity, Role.CURATOR, "comment on experiment runs")
    if not (body or "").strip():
        raise InvalidInput("a comment cannot be empty")
    run = _run(session, ref)
    comment = ExperimentComment(experiment_run_id=run.id, author=identity.user, body=body.strip())
    session.add(comment)
    session.flush()
    session.refresh(comment)
    return CommentView(comment.id, comment.author, comment.body, comment.created_at)


def comments(session: Session, ref: str | int) -> list[CommentView]:
    run = _run(session, ref)
    rows = session.scalars(
        select(ExperimentComment).where(ExperimentComment.experiment_run_id == run.id).order_by(ExperimentComment.id)
    )
    return [CommentView(c.id, c.author, c.body, c.created_at) for c in rows]


def delete_run(session: Session, identity: Identity, ref: str | int) -> None:
    """Delete a run, its links and comments; the linked results stay (models invariant 4)."""
    require(identity, Role.LEAD, "delete experiment runs")
    session.delete(_run(session, ref, lock=True))
    session.flush()


def list_runs(
    session: Session,
    *,
    statuses: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    plm: Sequence[str] | None = None,
    k: Sequence[int] | None = None,
    evaluation_sets: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Runs, newest first, filtered (a run matches a filter list when it has any of its values; tags: all of
    them). ``headline`` is the mean Fmax over the category × namespace cells of its latest evaluation result;
    ``cells`` counts those cells."""
    frame = pd.DataFrame(session.execute(Q.run_rows).mappings().all())
    columns = [
        "id", "name", "status", "tags", "plm", "k", "hypothesis", "created_by", "created_at", "started_at",
        "finished_at", "axis_tuple_shortid", "rerun_of_id", "evaluation_result_id", "evaluation_set_id",
        "evaluation_set_label",
    ]  # fmt: skip
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "headline", "cells"])
    if statuses:
        frame = frame[frame["status"].isin(statuses)]
    if tags:
        wanted = set(tags)
        frame = frame[frame["tags"].map(lambda t: wanted <= set(t or []))]
    if plm:
        frame = frame[frame["plm"].isin(plm)]
    if k:
        frame = frame[frame["k"].isin([int(v) for v in k])]
    if evaluation_sets:
        frame = frame[frame["evaluation_set_label"].isin(evaluation_sets)]
    ids = [int(i) for i in frame["evaluation_result_id"].dropna().unique()]
    cells = pd.DataFrame(
        session.execute(Q.headline_cells, {"ids": ids}).mappings().all(),
        columns=["evaluation_result_id", "category", "namespace", "f", "n"],
    )
    summary = cells.groupby("evaluation_result_id").agg(headline=("f", "mean"), cells=("f", "size"))
    frame = frame.join(summary, on="evaluation_result_id")
    frame["cells"] = frame["cells"].fillna(0).astype(int)
    return frame.reset_index(drop=True)


def filter_choices(runs: pd.DataFrame) -> dict[str, list]:
    """The values the list's filters offer, from the runs themselves."""
    if runs.empty:
        return {"status": list(STATUSES), "tags": [], "plm": [], "k": [], "evaluation_set": []}
    return {
        "status": list(STATUSES),
        "tags": sorted({t for tags in runs["tags"] for t in (tags or [])}),
        "plm": sorted(runs["plm"].dropna().unique().tolist()),
        "k": sorted(int(v) for v in runs["k"].dropna().unique()),
        "evaluation_set": sorted(runs["evaluation_set_label"].dropna().unique().tolist()),
    }


def submit_in_run(
    session: Session, identity: Identity, ref: str | int, operation: str, payload: Mapping[str, Any]
) -> Any:
    """Queue a job "in" a run: its payload carries the run's name, so the job and what its findings name are
    linked to the run (models invariant 5). The job's own role check applies as for any submission."""
    from services.jobs.service import submit

    require(identity, Role.LEAD, "submit jobs in experiment runs")
    run = _run(session, ref)
    if run.status in ("done", "abandoned"):
        raise InvalidInput(f"run {run.name!r} is {run.status}: re-run it, or create a new run, to submit more jobs")
    return submit(session, operation, {**dict(payload), "experiment": run.name}, identity)


def rerun(session: Session, identity: Identity, ref: str | int, new_name: str | None = None) -> tuple[RunView, list]:
    """A new run with the same config, axes, tags and inputs, linked to the original (``rerun_of_id``); the
    original's jobs are submitted again "in" the new run (their payloads carry its name), and the new run is
    started (provenance captured). Returns the run and the submitted jobs."""
    from services.jobs.service import submit

    require(identity, Role.LEAD, "re-run experiments")
    original = _run(session, ref)
    name = new_name or _next_rerun_name(session, original.name)
    run = create_run(
        session,
        identity,
        name,
        description=original.description,
        hypothesis=original.hypothesis,
        config=original.config,
        tags=original.tags,
        axes={axis: getattr(original, axis) for axis in AXES},
        rerun_of_id=original.id,
    )
    for kind, column in (("prediction_set", "prediction_set_id"), ("dataset", "ref_name"), ("reranker", "ref_name")):
        for link in session.scalars(
            select(ExperimentLink).where(ExperimentLink.experiment_run_id == original.id, ExperimentLink.kind == kind)
        ):
            if kind != "prediction_set" or not _produced_by_a_job(session, original.id, link.prediction_set_id):
                session.add(
                    ExperimentLink(
                        experiment_run_id=run.id, kind=kind, created_by=identity.user,
                        **{column: getattr(link, column)},
                    )
                )  # fmt: skip
    session.flush()
    jobs = [
        submit(
            session,
            row.operation,
            {**dict(row.payload or {}), "experiment": run.name},
            identity,
            description=row.description,
            tags=list(row.tags or []),
        )
        for row in session.execute(Q.run_job_payloads, {"run": original.id}).all()
    ]
    run_view = set_status(session, identity, run.id, "running")
    return run_view, jobs


def _produced_by_a_job(session: Session, run_id: int, prediction_set_id: int | None) -> bool:
    """Whether a job of the run created this prediction set (then the re-run's job creates a new one)."""
    from services.jobs.models import Job

    rows = session.execute(
        select(Job.findings)
        .join(ExperimentLink, ExperimentLink.job_id == Job.id)
        .where(ExperimentLink.experiment_run_id == run_id)
    ).scalars()
    return any(str((f or {}).get("prediction_set_id")) == str(prediction_set_id) for f in rows)


def _next_rerun_name(session: Session, name: str) -> str:
    base = f"{name} (re-run"
    taken = set(session.scalars(select(ExperimentRun.name).where(ExperimentRun.name.like(f"{base}%"))))
    n = 1
    while f"{base} {n})" in taken:
        n += 1
    return f"{base} {n})"


def evaluation_result_choices(session: Session) -> dict[int, str]:
    """Every evaluation result, newest first, labelled for people (to attach one to a run)."""
    return {
        row.id: f"Result {row.id}: prediction set {row.prediction_set_id} on {row.set_label}"
        + (" (IA-weighted)" if row.weighted else "")
        + f", {row.created_at:%Y-%m-%d %H:%M}"
        for row in session.execute(Q.evaluation_result_choices)
    }
