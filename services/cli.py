"""The ``workbench`` command: a thin shell over the same service functions the pages use.

Each domain contributes its sub-commands through a module with ``register(subparsers)`` listed in
``COMMAND_MODULES``; a command handler returns an exit code. Domain errors print one sentence and exit 1.
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
    "services.evaluation.app_commands",
    "services.variants.commands",
    "services.annotations.source_commands",
    "services.evaluation.commands",
    "services.experiments.commands",
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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except WorkbenchError as exc:
        if getattr(args, "json", False):
            print_json({"error": str(exc), "code": exc.code})
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
