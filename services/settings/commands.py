"""``workbench settings …``: list, get and set the registered settings (audited)."""

from __future__ import annotations

import argparse

from services.auth.identity import Role
from services.settings.registry import BY_NAME, SETTINGS


def _list(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.settings.service import all_settings

    with session_scope() as session:
        values = all_settings(session)
    if args.json:
        print_json(values)
    else:
        for name, value in values.items():
            print(f"{name} = {value}    # {BY_NAME[name].help}")
    return 0


def _set(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.settings.service import set_setting

    with session_scope() as session:
        change = set_setting(session, local_identity(), args.name, args.value)
    print(f"{change.key}: {change.old_value} -> {change.new_value} (by {change.changed_by})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = subparsers.add_parser("settings", help="application settings").add_subparsers(
        dest="settings_command", required=True
    )
    lst = settings.add_parser("list", help="every setting with its value")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=_list, min_role=Role.VIEWER, mutating=False)
    st = settings.add_parser("set", help="change a setting (audited)")
    st.add_argument("name", choices=sorted(BY_NAME))
    st.add_argument("value", help="; ".join(f"{s.name}: {s.allowed()}" for s in SETTINGS))
    st.set_defaults(handler=_set, min_role=Role.CURATOR)
