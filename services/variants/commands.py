"""``workbench load-vcf PATH [--genome G] [--reference-fasta FA] [--sample-map PED] [--force] [--json]``."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _load_vcf(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.input_files import resolve_input_path
    from services.variants.loader import load_vcf

    def local(raw: str | None, what: str) -> str | None:
        return str(resolve_input_path(raw, what, confined=False)) if raw else None

    result = load_vcf(
        local(args.path, "VCF file"),
        local_identity(),
        genome_build=args.genome,
        reference_fasta=local(args.reference_fasta, "reference FASTA"),
        sample_map=local(args.sample_map, "sample map"),
        force=args.force,
    )
    if args.json:
        print_json(result.as_json())
    elif result.status == "completed":
        print(
            f"loaded {result.variants_loaded:,} variants from {result.records:,} records "
            f"({result.variants_skipped:,} skipped) in {result.seconds:.1f}s — load {result.load_batch_id}"
        )
    elif result.status == "skipped_duplicate":
        print(f"skipped: the same content is already loaded (load {result.previous_load_id})")
    else:
        print(f"failed: {result.error}")
    return 0 if result.status in ("completed", "skipped_duplicate") else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("load-vcf", help="load a VCF file (plain or bgzipped) into the variant store")
    p.add_argument("path")
    p.add_argument("--genome", default="GRCh38", help="genome build (default GRCh38)")
    p.add_argument("--reference-fasta", help="indexed FASTA: left-align indels and check REF")
    p.add_argument("--sample-map", help="PED file with sex, phenotype and family of the samples")
    p.add_argument("--force", action="store_true", help="reload even if the same content is loaded")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_load_vcf, min_role=Role.CURATOR)
