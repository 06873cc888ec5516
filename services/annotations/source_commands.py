"""``workbench source add NAME --kind KIND --version V [--genome GRCh38] PATH [--fields F.json] [--json]``."""

from __future__ import annotations

import argparse
import json

from services.auth.identity import Role


def _add(args: argparse.Namespace) -> int:
    from services.annotations.sources import add_source
    from services.auth import local_identity
    from services.cli import print_json
    from services.errors import InvalidInput
    from services.input_files import resolve_input_path

    config = None
    if args.fields:
        try:
            with resolve_input_path(args.fields, "field configuration", confined=False).open(encoding="utf-8") as fh:
                config = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{args.fields}: not a readable JSON field configuration ({exc})") from None
    release = add_source(
        resolve_input_path(args.path, "source file", confined=False),
        local_identity(),
        name=args.name,
        kind=args.kind,
        version=args.version,
        genome_build=args.genome,
        field_config=config,
    )
    if args.json:
        print_json(release.as_json())
    else:
        print(
            f"{release.source} {release.version} ({release.genome}): {release.records:,} records, "
            f"{release.alleles:,} alleles in {release.table}"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    source = subparsers.add_parser("source", help="annotation sources").add_subparsers(
        dest="source_command", required=True
    )
    add = source.add_parser("add", help="load a release of an annotation source from a VCF")
    add.add_argument("name")
    add.add_argument("path")
    add.add_argument("--kind", required=True, choices=["vep", "gnomad", "clinvar", "dbsnp", "custom"])
    add.add_argument("--version", required=True)
    add.add_argument("--genome", default="GRCh38")
    add.add_argument("--fields", help="JSON list of {field, alias, type, missing}")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add, min_role=Role.CURATOR)
