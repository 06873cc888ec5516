"""The ``workbench`` command: a thin shell over the same service functions the pages use.

Each domain contributes its sub-commands through a module with ``register(subparsers)`` listed in
``COMMAND_MODULES``; a command handler returns an exit code. Domain errors print one sentence and exit 1.

Roles (contract): every command declares who may run it where it is registered —
``parser.set_defaults(handler=…, min_role=Role.CURATOR)`` — and a command that only reads says so with
``mutating=False`` (and may then be ``Role.VIEWER``). ``main`` checks the local user's role against that
declaration before the handler runs (a command that declares none is refused to all but a lead), and the
service the handler calls checks it again. ``tests/security/test_roles.py`` walks this table and fails for a
command without a declaration, so a new command cannot forget it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from services.auth.identity import Role, local_identity, require
from services.errors import WorkbenchError

COMMAND_MODULES: tuple[str, ...] = (
    "services.db.commands",
    "services.jobs.commands",
    "services.settings.commands",
    "services.annotations.commands",
    "services.serve",
    "services.proteins.commands",
    "services.ontology.commands",
    "services.go_annotations.commands",
    "services.embeddings.commands",
    "services.predictions.commands",
    "services.evaluation.app_commands",
    "services.variants.commands",
    "services.annotations.source_commands",
    "services.evaluation.commands",
    "services.usage.commands",
    "services.experiments.commands",
)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Curation Workbench command line")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    for words, leaf in command_table(parser):
        leaf.set_defaults(command_words=" ".join(words))
    return parser


def command_table(parser: argparse.ArgumentParser) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable command (``("db", "migrate")`` …) with its parser, nested sub-commands included."""
    table: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = []

    def walk(node: argparse.ArgumentParser, words: tuple[str, ...]) -> None:
        subs = [a for a in node._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs and words:
            table.append((words, node))
        for action in subs:
            for name, child in action.choices.items():
                walk(child, (*words, name))

    walk(parser, ())
    return table


def check_role(args: argparse.Namespace) -> None:
    """Contract: the local user's role against the command's declaration (undeclared: lead only)."""
    declared = getattr(args, "min_role", None)
    required = declared if isinstance(declared, Role) else Role.LEAD
    words = getattr(args, "command_words", None) or getattr(args, "command", "this command")
    require(local_identity(), required, f"run `workbench {words}`")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_role(args)
        return int(args.handler(args) or 0)
    except WorkbenchError as exc:
        if getattr(args, "json", False):
            print_json({"error": str(exc), "code": exc.code})
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
