"""The ``workbench`` command: a thin shell over the same service functions the pages use.

Each domain contributes its sub-commands through a module with ``register(subparsers)`` listed in
``COMMAND_MODULES``; a command handler returns an exit code.

Roles (contract): every command declares who may run it where it is registered —
``parser.set_defaults(handler=…, min_role=Role.CURATOR)`` — and a command that only reads says so with
``mutating=False`` (and may then be ``Role.VIEWER``). ``main`` checks the local user's role against that
declaration before the handler runs (a command that declares none is refused to all but a lead), and the
service the handler calls checks it again. ``tests/security/test_roles.py`` walks this table and fails for a
command without a declaration, so a new command cannot forget it.

A command that runs or handles jobs sets ``uses_operations`` and gets the operation registry filled first
(``services.composition``); the others do not pay for importing every domain.

Contract (the error boundary, ``main``): no traceback reaches the terminal. A bad argument is argparse's usage
line (exit 2); a ``WorkbenchError`` prints its sentence (exit 1); an interruption prints one line (exit 130);
any other error prints one line from ``services.unexpected`` (a lost database says so) and logs the traceback
to ``config.log_file()`` (exit 1). With ``--json`` the error is also printed as ``{"error", "code"}``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from services.auth.identity import Role, local_identity, require
from services.console import print_json
from services.errors import WorkbenchError

COMMAND_MODULES: tuple[str, ...] = (
    "services.db.commands",
    "services.maintenance.commands",
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
    "services.usage.commands",
    "services.evaluation.commands",
    "services.reranking.commands",
    "services.experiments.commands",
)


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
    """Run one command; the error boundary of the command line (module contract)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # a bad argument: argparse prints usage and one line, exits 2
    try:
        check_role(args)
        if getattr(args, "uses_operations", False):
            from services.composition import load_operations

            load_operations()
        return int(args.handler(args) or 0)
    except WorkbenchError as exc:
        return _fail(args, str(exc), exc.code)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", "interrupted", status=130)
    except Exception as exc:  # noqa: BLE001 - the boundary: one line here, the traceback in the log
        from services import unexpected

        return _fail(args, unexpected.sentence(exc, f"workbench {args.command}"), "unexpected")


def _fail(args: argparse.Namespace, message: str, code: str, status: int = 1) -> int:
    if getattr(args, "json", False):
        print_json({"error": message, "code": code})
    print(f"error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
