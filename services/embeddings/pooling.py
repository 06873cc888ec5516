"""From per-residue states to stored vectors: layer aggregation, residue normalisation, chunking, pooling.

Every backend hands over the same thing (``ResidueStates``): for each selected layer a ``[L, H]`` array of
the residues the model saw, special tokens already stripped, plus the CLS/BOS state where the model has one.
One code path then makes the vectors, so every backend pools and chunks identically.

Contract:
1. ``layer_agg``: ``mean`` averages the selected layers, ``concat`` joins them (``H × n``) in the order of
   ``layer_indices``, ``last`` keeps the first of them (reverse indexing: 0 is the model's last layer).
2. ``normalize_residues`` L2-normalises each residue (and the CLS state) after layer aggregation, before
   pooling; ``normalize`` L2-normalises each pooled vector. A zero vector stays zero.
3. ``chunk_spans``: without chunking one span ``[0, L)``; with chunking, spans of ``chunk_size`` residues
   starting every ``chunk_size - chunk_overlap`` positions, the last one ending exactly at ``L``.
   Positions are amino-acid positions (0-based, half-open) on every backend.
4. ``pooling``: ``mean``/``max`` over a span's residues, ``mean_max`` both joined, ``cls`` the CLS state
   (one span only: CLS describes the whole input, so it cannot be chunked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ResidueStates:
    """One sequence as a backend saw it: per selected layer ``[L, H]`` residue states, and CLS states."""

    layers: list[np.ndarray]
    cls: list[np.ndarray] | None = None

    @property
    def length(self) -> int:
        return int(self.layers[0].shape[0])


@dataclass(frozen=True)
class PooledChunk:
    start: int
    end: int
    vector: np.ndarray


@dataclass(frozen=True)
class PoolingRecipe:
    """The parts of an EmbeddingConfig that turn residue states into vectors."""

    layer_agg: str = "mean"
    pooling: str = "mean"
    normalize: bool = True
    normalize_residues: bool = False
    use_chunking: bool = False
    chunk_size: int = 512
    chunk_overlap: int = 0


def aggregate_layers(layers: list[np.ndarray], how: str) -> np.ndarray:
    if not layers:
        raise ValueError("no layers selected")
    if how == "mean":
        return layers[0] if len(layers) == 1 else np.mean(np.stack(layers), axis=0)
    if how == "concat":
        return np.concatenate(layers, axis=-1)
    if how == "last":
        return layers[0]
    raise ValueError(f"unknown layer aggregation {how!r}")


def l2_normalize(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


def chunk_spans(length: int, use_chunking: bool, chunk_size: int, chunk_overlap: int) -> list[tuple[int, int]]:
    if length <= 0:
        raise ValueError("cannot embed an empty sequence")
    if not use_chunking or length <= chunk_size:
        return [(0, length)]
    step = chunk_size - chunk_overlap
    if step <= 0:
        raise ValueError("chunk_overlap must be smaller than chunk_size")
    spans = []
    start = 0
    while True:
        end = min(start + chunk_size, length)
        spans.append((start, end))
        if end == length:
            return spans
        start += step


def pool_span(residues: np.ndarray, pooling: str, cls: np.ndarray | None) -> np.ndarray:
    if pooling == "mean":
        return residues.mean(axis=0)
    if pooling == "max":
        return residues.max(axis=0)
    if pooling == "mean_max":
        return np.concatenate([residues.mean(axis=0), residues.max(axis=0)])
    if pooling == "cls":
        if cls is None:
            raise ValueError("this backend has no CLS token: choose mean, max or mean_max pooling")
        return cls
    raise ValueError(f"unknown pooling {pooling!r}")


def pool_sequence(states: ResidueStates, recipe: PoolingRecipe) -> list[PooledChunk]:
    """The stored vectors of one sequence: one per chunk span, in position order."""
    residues = aggregate_layers(states.layers, recipe.layer_agg).astype(np.float32, copy=False)
    cls = aggregate_layers(states.cls, recipe.layer_agg).astype(np.float32) if states.cls else None
    if recipe.normalize_residues:
        residues = l2_normalize(residues)
        cls = l2_normalize(cls) if cls is not None else None
    spans = chunk_spans(states.length, recipe.use_chunking, recipe.chunk_size, recipe.chunk_overlap)
    if recipe.pooling == "cls" and len(spans) > 1:
        raise ValueError("cls pooling cannot be combined with chunking")
    chunks = []
    for start, end in spans:
        vector = pool_span(residues[start:end], recipe.pooling, cls)
        if recipe.normalize:
            vector = l2_normalize(vector)
        chunks.append(PooledChunk(start, end, np.asarray(vector, dtype=np.float32)))
    return chunks
