"""Pairwise alignment features with parasail: global (Needleman–Wunsch) and local (Smith–Waterman), BLOSUM62.

Contract (the same numbers at prediction and at training time):
1. Gap open 10, extend 1 (parasail's convention: the first gap residue costs ``open``), BLOSUM62.
2. Over the aligned columns (gaps included): ``identity`` = identical pairs / length,
   ``similarity`` = pairs with a positive BLOSUM62 score / length, ``gaps_pct`` = gap columns / length
   (fractions in [0, 1]); ``score`` is parasail's alignment score; ``length`` the number of columns.
3. Residues outside BLOSUM62's alphabet are aligned as ``X``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import parasail

GAP_OPEN = 10
GAP_EXTEND = 1
_MATRIX = parasail.blosum62
_ALPHABET = "ARNDCQEGHILKMFPSTWYVBZX*"
_UNKNOWN = re.compile(f"[^{re.escape(_ALPHABET)}]")


@dataclass(frozen=True)
class AlignmentFeatures:
    identity: float
    similarity: float
    score: float
    gaps_pct: float
    length: int


def _positive_table() -> np.ndarray:
    """``table[a, b]`` is true when BLOSUM62 scores residues ``a`` and ``b`` (ASCII codes) above zero."""
    table = np.zeros((256, 256), dtype=bool)
    for i, a in enumerate(_ALPHABET):
        for j, b in enumerate(_ALPHABET):
            table[ord(a), ord(b)] = _MATRIX.matrix[i][j] > 0
    return table


_POSITIVE = _positive_table()
_GAP = ord("-")


def _clean(sequence: str) -> str:
    return _UNKNOWN.sub("X", sequence.upper())


def _features(result) -> AlignmentFeatures:
    tb = result.traceback
    query = np.frombuffer(tb.query.encode("ascii"), dtype=np.uint8)
    ref = np.frombuffer(tb.ref.encode("ascii"), dtype=np.uint8)
    length = int(query.shape[0])
    if length == 0:
        return AlignmentFeatures(0.0, 0.0, float(result.score), 0.0, 0)
    gap = (query == _GAP) | (ref == _GAP)
    identical = int(np.count_nonzero((query == ref) & ~gap))
    similar = int(np.count_nonzero(_POSITIVE[query, ref] & ~gap))
    gaps = int(np.count_nonzero(gap))
    return AlignmentFeatures(identical / length, similar / length, float(result.score), gaps / length, length)


def align_global(query: str, ref: str) -> AlignmentFeatures:
    return _features(parasail.nw_trace_scan_sat(_clean(query), _clean(ref), GAP_OPEN, GAP_EXTEND, _MATRIX))


def align_local(query: str, ref: str) -> AlignmentFeatures:
    return _features(parasail.sw_trace_scan_sat(_clean(query), _clean(ref), GAP_OPEN, GAP_EXTEND, _MATRIX))
