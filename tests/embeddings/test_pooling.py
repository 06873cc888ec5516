"""Pooling, layer aggregation and chunk positions against hand computations; the composition backend."""

from __future__ import annotations

import numpy as np
import pytest

from services.embeddings.backends.composition import DIMENSION, CompositionBackend
from services.embeddings.pooling import (
    PoolingRecipe,
    ResidueStates,
    aggregate_layers,
    chunk_spans,
    pool_sequence,
)


def test_chunk_spans_are_amino_acid_positions_and_end_at_the_length() -> None:
    assert chunk_spans(10, False, 4, 0) == [(0, 10)]
    assert chunk_spans(10, True, 4, 0) == [(0, 4), (4, 8), (8, 10)]
    assert chunk_spans(10, True, 4, 1) == [(0, 4), (3, 7), (6, 10)]
    assert chunk_spans(9, True, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 9)]
    assert chunk_spans(4, True, 4, 1) == [(0, 4)]
    with pytest.raises(ValueError):
        chunk_spans(10, True, 4, 4)


def test_layer_aggregation() -> None:
    a, b = np.ones((3, 2)), np.full((3, 2), 3.0)
    assert np.allclose(aggregate_layers([a, b], "mean"), 2.0)
    assert aggregate_layers([a, b], "concat").shape == (3, 4)
    assert np.allclose(aggregate_layers([a, b], "last"), 1.0)


def test_pooling_by_hand() -> None:
    residues = np.array([[1.0, 0.0], [3.0, 4.0], [5.0, -2.0]], dtype=np.float32)
    cls = np.array([9.0, 9.0], dtype=np.float32)
    states = ResidueStates(layers=[residues], cls=[cls])
    [mean] = pool_sequence(states, PoolingRecipe(pooling="mean", normalize=False))
    assert (mean.start, mean.end) == (0, 3) and np.allclose(mean.vector, [3.0, 2 / 3])
    [mx] = pool_sequence(states, PoolingRecipe(pooling="max", normalize=False))
    assert np.allclose(mx.vector, [5.0, 4.0])
    [mm] = pool_sequence(states, PoolingRecipe(pooling="mean_max", normalize=False))
    assert np.allclose(mm.vector, [3.0, 2 / 3, 5.0, 4.0])
    [c] = pool_sequence(states, PoolingRecipe(pooling="cls", normalize=True))
    assert np.allclose(c.vector, [2**-0.5, 2**-0.5])
    # Residue normalisation before pooling: rows become unit vectors, then the mean.
    [rn] = pool_sequence(states, PoolingRecipe(pooling="mean", normalize=False, normalize_residues=True))
    unit = residues / np.linalg.norm(residues, axis=1, keepdims=True)
    assert np.allclose(rn.vector, unit.mean(axis=0))
    chunks = pool_sequence(
        states,
        PoolingRecipe(pooling="mean", normalize=False, use_chunking=True, chunk_size=2, chunk_overlap=1),
    )
    assert [(ch.start, ch.end) for ch in chunks] == [(0, 2), (1, 3)]
    assert np.allclose(chunks[1].vector, [4.0, 1.0])
    with pytest.raises(ValueError):
        pool_sequence(states, PoolingRecipe(pooling="cls", use_chunking=True, chunk_size=2))


def test_composition_backend_gives_amino_acid_and_dipeptide_frequencies() -> None:
    backend = CompositionBackend("composition", [0], max_length=1000)
    short, long = backend.embed(["MKM", "AAXAAC"])
    assert short.length == 3 and long.length == 6 and short.layers[0].shape == (3, DIMENSION)
    [chunk] = pool_sequence(short, PoolingRecipe(pooling="mean", normalize=False))
    aa = "ACDEFGHIKLMNPQRSTVWY"
    v = chunk.vector
    assert v[aa.index("M")] == pytest.approx(2 / 3) and v[aa.index("K")] == pytest.approx(1 / 3)
    mk = 20 + aa.index("M") * 20 + aa.index("K")
    km = 20 + aa.index("K") * 20 + aa.index("M")
    assert v[mk] == pytest.approx(1 / 3) and v[km] == pytest.approx(1 / 3)
    assert v.sum() == pytest.approx(5 / 3)
    # X counts in neither part, and the padded batch did not leak into the shorter sequence.
    [c2] = pool_sequence(long, PoolingRecipe(pooling="mean", normalize=False))
    assert c2.vector[aa.index("A")] == pytest.approx(4 / 6)
    assert c2.vector[20 + aa.index("A") * 20 + aa.index("A")] == pytest.approx(2 / 6)
    assert backend.embed(["MKMKMKMK"])[0].length == 8
    assert CompositionBackend("composition", [0], max_length=5).embed(["MKMKMKMK"])[0].length == 5
