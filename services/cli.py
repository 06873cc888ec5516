"""The ``workbench`` command: a thin shell over the same service functions the pages use.

Each domain contributes its sub-commands through a module with ``register(subparsers)`` listed in
``COMMAND_MODULES``; a command handler returns an exit code.

Contract (the error boundary, ``main``): no traceback reaches the terminal. A bad argument is argparse's usage
line (exit 2); a ``WorkbenchError`` prints its sentence (exit 1); an interruption prints one line (exit 130);
any other error prints one line from ``services.unexpected`` (a lost database says so) and logs the traceback
to ``config.log_file()`` (exit 1). With ``--json`` the error is also printed as ``{"error", "code"}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

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
    "services.variants.commands",
    "services.annotations.source_commands",
)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Curation Workbench command line")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the error boundary of the command line (module contract)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # a bad argument: argparse prints usage and one line, exits 2
    try:
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
