"""Embedding configs: create, look up, list.

Contract:
1. Creating a config needs the curator role; its name is unique (``uq_embedding_config_name``) and a second
   config of the same name is refused with ``InvalidInput`` rather than a database error.
2. A recipe that could never run is refused up front: unknown backend/pooling/aggregation, ``cls`` pooling
   on a backend without a CLS token or together with chunking, an overlap not smaller than the chunk size,
   negative layer indices, a model backend without a model name.
3. ``composition`` needs no model; its ``model_name`` is recorded as ``composition``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db.errors import translated
from services.embeddings.models import BACKENDS, LAYER_AGGREGATIONS, POOLINGS, EmbeddingConfig
from services.embeddings.pooling import PoolingRecipe
from services.errors import InvalidInput, NotFound

BACKENDS_WITHOUT_CLS = ("t5", "ankh", "composition")


@dataclass(frozen=True)
class ConfigView:
    id: int
    name: str
    model_name: str
    model_backend: str
    layer_indices: list[int]
    layer_agg: str
    pooling: str
    normalize: bool
    normalize_residues: bool
    max_length: int
    use_chunking: bool
    chunk_size: int
    chunk_overlap: int
    description: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: EmbeddingConfig) -> ConfigView:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    @property
    def recipe(self) -> PoolingRecipe:
        return PoolingRecipe(
            layer_agg=self.layer_agg,
            pooling=self.pooling,
            normalize=self.normalize,
            normalize_residues=self.normalize_residues,
            use_chunking=self.use_chunking,
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
        )

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def validate_recipe(
    backend: str,
    model_name: str | None,
    layer_indices: list[int],
    layer_agg: str,
    pooling: str,
    max_length: int,
    use_chunking: bool,
    chunk_size: int,
    chunk_overlap: int,
) -> None:
    if backend not in BACKENDS:
        raise InvalidInput(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if layer_agg not in LAYER_AGGREGATIONS:
        raise InvalidInput(f"unknown layer aggregation {layer_agg!r}: choose {', '.join(LAYER_AGGREGATIONS)}")
    if pooling not in POOLINGS:
        raise InvalidInput(f"unknown pooling {pooling!r}: choose one of {', '.join(POOLINGS)}")
    if backend != "composition" and not (model_name or "").strip():
        raise InvalidInput(f"the {backend} backend needs a model name (a hub name or a local directory)")
    if not layer_indices or any(i < 0 for i in layer_indices):
        raise InvalidInput("layer indices must be one or more numbers ≥ 0 (0 = the last layer)")
    if pooling == "cls" and backend in BACKENDS_WITHOUT_CLS:
        raise InvalidInput(f"the {backend} backend has no CLS token: choose mean, max or mean_max pooling")
    if pooling == "cls" and use_chunking:
        raise InvalidInput("cls pooling describes the whole input and cannot be combined with chunking")
    if max_length <= 0 or chunk_size <= 0:
        raise InvalidInput("max_length and chunk_size must be positive")
    if not 0 <= chunk_overlap < chunk_size:
        raise InvalidInput("chunk_overlap must be ≥ 0 and smaller than chunk_size")


def add_config(
    session: Session,
    identity: Identity,
    name: str,
    backend: str,
    *,
    model_name: str | None = None,
    layer_indices: list[int] | None = None,
    layer_agg: str = "mean",
    pooling: str = "mean",
    normalize: bool = True,
    normalize_residues: bool = False,
    max_length: int = 1022,
    use_chunking: bool = False,
    chunk_size: int = 512,
    chunk_overlap: int = 0,
    description: str | None = None,
) -> ConfigView:
    require(identity, Role.CURATOR, "add embedding configs")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("an embedding config needs a name")
    layers = list(layer_indices) if layer_indices is not None else [0]
    validate_recipe(
        backend, model_name, layers, layer_agg, pooling, max_length, use_chunking, chunk_size, chunk_overlap
    )
    row = EmbeddingConfig(
        name=name,
        model_name="composition" if backend == "composition" else model_name.strip(),
        model_backend=backend,
        layer_indices=layers,
        layer_agg=layer_agg,
        pooling=pooling,
        normalize=normalize,
        normalize_residues=normalize_residues,
        max_length=max_length,
        use_chunking=use_chunking,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        description=description,
        created_by=identity.user,
    )
    # Insert and translate (no check-then-insert race): uq_embedding_config_name refuses a taken name as
    # DuplicateRecord; the savepoint leaves the caller's unit of work usable after the refusal.
    with translated(), session.begin_nested():
        session.add(row)
        session.flush()
    session.refresh(row)
    return ConfigView.from_row(row)


def get_config(session: Session, name_or_id: str | int) -> ConfigView:
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        row = session.get(EmbeddingConfig, int(name_or_id))
    else:
        row = session.scalar(select(EmbeddingConfig).where(EmbeddingConfig.name == name_or_id))
    if row is None:
        raise NotFound(f"no embedding config {name_or_id!r}")
    return ConfigView.from_row(row)


def list_configs(session: Session) -> list[ConfigView]:
    rows = session.scalars(select(EmbeddingConfig).order_by(EmbeddingConfig.name))
    return [ConfigView.from_row(r) for r in rows]
