"""The weight-free backend: amino-acid and dipeptide composition (420 dimensions), offline out of the box.

Per residue i the state is ``[one-hot(residue_i) (20) ; one-hot(residue_i, residue_i+1) (400)]`` (the last
residue has no dipeptide). Mean pooling over a span therefore gives the span's amino-acid composition and
its dipeptide frequencies per residue — real, comparable vectors with no model to download. Residues outside
the 20 standard ones (X, B, Z, U, O) count in neither part. A batch is encoded as one padded integer array
with a mask, like the model backends.
"""

from __future__ import annotations

import numpy as np

from services.embeddings.backends.base import EmbeddingBackend
from services.embeddings.pooling import ResidueStates

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
DIMENSION = len(AMINO_ACIDS) + len(AMINO_ACIDS) ** 2
_CODE = np.full(256, -1, dtype=np.int16)
for _i, _aa in enumerate(AMINO_ACIDS):
    _CODE[ord(_aa)] = _i


def encode_batch(sequences: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Residue codes ``[B, T]`` (-1 for padding and non-standard residues) and the attention mask."""
    width = max(len(s) for s in sequences)
    codes = np.full((len(sequences), width), -1, dtype=np.int16)
    mask = np.zeros((len(sequences), width), dtype=bool)
    for row, seq in enumerate(sequences):
        raw = np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)
        codes[row, : len(seq)] = _CODE[raw]
        mask[row, : len(seq)] = True
    return codes, mask


class CompositionBackend(EmbeddingBackend):
    name = "composition"
    has_cls = False

    def embed(self, sequences: list[str]) -> list[ResidueStates]:
        seqs = [self.truncate(s) for s in sequences]
        codes, mask = encode_batch(seqs)
        batch, width = codes.shape
        n = len(AMINO_ACIDS)
        states = np.zeros((batch, width, DIMENSION), dtype=np.float32)
        rows, cols = np.nonzero(codes >= 0)
        states[rows, cols, codes[rows, cols]] = 1.0
        first, second = codes[:, :-1], codes[:, 1:]
        pair = (first >= 0) & (second >= 0)
        rows, cols = np.nonzero(pair)
        states[rows, cols, n + first[rows, cols] * n + second[rows, cols]] = 1.0
        lengths = mask.sum(axis=1)
        return [ResidueStates(layers=[states[i, : lengths[i]]]) for i in range(batch)]
