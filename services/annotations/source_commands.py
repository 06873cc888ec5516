"""``workbench source add NAME --kind KIND --version V [--genome GRCh38] PATH [--fields F.json] [--json]``."""

from __future__ import annotations

import argparse
import json


def _add(args: argparse.Namespace) -> int:
    from services.annotations.sources import add_source
    from services.auth import local_identity
    from services.console import print_json
    from services.errors import InvalidInput

    config = None
    if args.fields:
        try:
            with open(args.fields, encoding="utf-8") as fh:
                config = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{args.fields}: not a readable JSON field configuration ({exc})") from None
    release = add_source(
        args.path,
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
    add.set_defaults(handler=_add)
