"""``workbench embedding-config add|list``, ``workbench embed`` and ``workbench embedding-backends``."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _parse_layers(raw: str) -> list[int]:
    from services.errors import InvalidInput

    try:
        return [int(x) for x in raw.split(",") if x.strip()]
    except ValueError as exc:
        raise InvalidInput(f"layer indices must be comma-separated integers, not {raw!r}") from exc


def _add(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.embeddings.configs import add_config

    with session_scope() as session:
        cfg = add_config(
            session,
            local_identity(),
            args.name,
            args.backend,
            model_name=args.model,
            layer_indices=_parse_layers(args.layers),
            layer_agg=args.layer_agg,
            pooling=args.pooling,
            normalize=not args.no_normalize,
            normalize_residues=args.normalize_residues,
            max_length=args.max_length,
            use_chunking=args.chunk_size is not None,
            chunk_size=args.chunk_size or 512,
            chunk_overlap=args.chunk_overlap,
            description=args.description,
        )
    print_json(cfg.as_dict()) if args.json else print(f"embedding config {cfg.name!r} (id {cfg.id})")
    return 0


def _list(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.embeddings.configs import list_configs

    with session_scope() as session:
        configs = list_configs(session)
    if args.json:
        print_json([c.as_dict() for c in configs])
    else:
        for c in configs:
            print(f"{c.id:>4}  {c.name:<24} {c.model_backend:<12} {c.model_name}  pooling={c.pooling}")
    return 0


def _backends(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.embeddings.backends.registry import available_backends

    statuses = available_backends()
    if args.json:
        print_json([s.__dict__ for s in statuses])
    else:
        for s in statuses:
            print(
                f"{s.name:<12} {'yes' if s.available else 'no ':<4} {s.description}"
                + (f" ({s.reason})" if s.reason else "")
            )
    return 0


def _embed(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.embeddings.compute import EmbedTarget, compute_embeddings

    target = EmbedTarget.from_payload(
        {"query_set": args.query_set, "annotation_set_id": args.annotation_set, "all": args.all}
    )
    result = compute_embeddings(args.config, target, local_identity(), device=args.device, batch_size=args.batch_size)
    summary = {k: v for k, v in result.as_dict().items() if k in ("config", "computed", "skipped", "seconds")}
    if args.json:
        print_json(summary)
    else:
        print(f"{result.computed} sequences embedded, {result.skipped} skipped in {result.seconds:.1f}s")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from services.embeddings.models import BACKENDS, LAYER_AGGREGATIONS, POOLINGS

    cfg = subparsers.add_parser("embedding-config", help="embedding configurations").add_subparsers(
        dest="embedding_config_command", required=True
    )
    add = cfg.add_parser("add", help="add a named embedding config")
    add.add_argument("name")
    add.add_argument("--backend", required=True, choices=BACKENDS)
    add.add_argument("--model", help="hub name or local directory (not needed for composition)")
    add.add_argument("--layers", default="0", help="comma-separated reverse layer indices (0 = last)")
    add.add_argument("--layer-agg", default="mean", choices=LAYER_AGGREGATIONS)
    add.add_argument("--pooling", default="mean", choices=POOLINGS)
    add.add_argument("--no-normalize", action="store_true", help="keep pooled vectors unnormalised")
    add.add_argument("--normalize-residues", action="store_true")
    add.add_argument("--max-length", type=int, default=1022)
    add.add_argument("--chunk-size", type=int, help="chunk sequences into spans of this many residues")
    add.add_argument("--chunk-overlap", type=int, default=0)
    add.add_argument("--description")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add, min_role=Role.CURATOR)
    lst = cfg.add_parser("list", help="list embedding configs")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=_list, min_role=Role.VIEWER, mutating=False)

    backends = subparsers.add_parser("embedding-backends", help="which embedding backends can run here")
    backends.add_argument("--json", action="store_true")
    backends.set_defaults(handler=_backends, min_role=Role.VIEWER, mutating=False)

    embed = subparsers.add_parser("embed", help="compute embeddings (skips what exists)")
    embed.add_argument("--config", required=True)
    target = embed.add_mutually_exclusive_group(required=True)
    target.add_argument("--query-set")
    target.add_argument("--annotation-set", type=int)
    target.add_argument("--all", action="store_true")
    embed.add_argument("--device", default="auto", help="auto, cpu, cuda, mps")
    embed.add_argument("--batch-size", type=int, default=16)
    embed.add_argument("--json", action="store_true")
    embed.set_defaults(handler=_embed, min_role=Role.CURATOR)
