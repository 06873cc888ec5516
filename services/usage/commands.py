"""``workbench usage``: the Usage page's counts on the command line (leads): visitors per day, views per page,
feedback."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _report(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.usage.feedback import feedback_summary
    from services.usage.reports import usage_report

    with session_scope() as session:
        report = usage_report(session, local_identity(), args.days)
        feedback = feedback_summary(session, local_identity(), limit=args.comments)
    if args.json:
        print_json(
            {
                "days": report.days,
                "per_day": report.per_day.to_dict(orient="records"),
                "per_page": report.per_page.to_dict(orient="records"),
                "feedback": {
                    "total": feedback.total,
                    "thumbs_up": feedback.thumbs_up,
                    "thumbs_down": feedback.thumbs_down,
                    "recent": [{"at": c.at, "thumbs_up": c.thumbs_up, "comment": c.comment} for c in feedback.recent],
                },
            }
        )
        return 0
    print(f"Last {report.days} days (UTC): {report.total_views:,} page views")
    for row in report.per_day.itertuples():
        if row.views:
            print(f"  {row.day}  {row.visitors:>5,} visitors  {row.views:>6,} views")
    print("Views per page:")
    for row in report.per_page.itertuples():
        print(f"  {row.page:<24} {row.views:>6,}" + (f"  ({row.errors:,} failed)" if row.errors else ""))
    print(f"Feedback: {feedback.total:,} ({feedback.thumbs_up:,} up, {feedback.thumbs_down:,} down)")
    for c in feedback.recent:
        print(f"  {c.at:%Y-%m-%d %H:%M}  {'up  ' if c.thumbs_up else 'down'}  {c.comment}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    usage = subparsers.add_parser("usage", help="visitors per day, views per page and feedback (leads)")
    usage.add_argument("--days", type=_positive, default=30, help="period in UTC days, today included (30)")
    usage.add_argument("--comments", type=_positive, default=20, help="recent comments to show (20)")
    usage.add_argument("--json", action="store_true")
    usage.set_defaults(handler=_report, min_role=Role.LEAD, mutating=False)


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {raw}")
    return value
