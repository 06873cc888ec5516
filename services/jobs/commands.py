"""``workbench worker`` and ``workbench jobs …``."""

from __future__ import annotations

import argparse
import uuid

from services.auth.identity import Role


def _worker(args: argparse.Namespace) -> int:
    from services.jobs.worker import run_worker

    queues = [q for q in (args.queues or "").split(",") if q] or None
    run_worker(queues=queues, concurrency=args.concurrency, extra_modules=tuple(args.import_module or ()))
    return 0


def _submit(args: argparse.Namespace) -> int:
    import json

    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.jobs.service import submit

    with session_scope() as session:
        job = submit(session, args.operation, json.loads(args.payload), local_identity())
    print_json({"job_id": job.id, "status": job.status, "queue": job.queue_name}) if args.json else print(job.id)
    return 0


def _list(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.jobs.service import list_jobs

    with session_scope() as session:
        jobs, total = list_jobs(session, statuses=args.status or None, limit=args.limit)
    if args.json:
        print_json({"total": total, "jobs": [j.__dict__ for j in jobs]})
    else:
        for j in jobs:
            print(f"{j.id}  {j.status:<10} {j.operation:<24} {j.created_at:%Y-%m-%d %H:%M}  {j.created_by}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.jobs.service import get_job, job_events

    with session_scope() as session:
        job = get_job(session, uuid.UUID(args.job_id))
        events = job_events(session, job.id)
    print_json({**job.__dict__, "events": [e.__dict__ for e in events]})
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.jobs.service import cancel

    with session_scope() as session:
        job = cancel(session, uuid.UUID(args.job_id), local_identity())
    print(job.status + (" (cancel requested)" if job.cancel_requested else ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    worker = subparsers.add_parser("worker", help="run a background worker")
    worker.add_argument("--queues", help="comma-separated queues to serve (default: all)")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--import-module", action="append", help="extra module registering operations")
    worker.set_defaults(handler=_worker, min_role=Role.VIEWER, mutating=False)

    jobs = subparsers.add_parser("jobs", help="background jobs").add_subparsers(dest="jobs_command", required=True)
    sub = jobs.add_parser("submit", help="queue an operation")
    sub.add_argument("operation")
    sub.add_argument("--payload", default="{}", help="JSON payload")
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(handler=_submit, min_role=Role.CURATOR)
    lst = jobs.add_parser("list", help="list jobs, newest first")
    lst.add_argument("--status", action="append")
    lst.add_argument("--limit", type=int, default=20)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=_list, min_role=Role.VIEWER, mutating=False)
    show = jobs.add_parser("show", help="one job with its events (JSON)")
    show.add_argument("job_id")
    show.set_defaults(handler=_show, min_role=Role.VIEWER, mutating=False)
    can = jobs.add_parser("cancel", help="cancel a queued or running job")
    can.add_argument("job_id")
    can.set_defaults(handler=_cancel, min_role=Role.CURATOR)
