"""Exact k-nearest-neighbour search in blocks (numpy BLAS, or FAISS flat), and an approximate HNSW option.

Contract:
1. ``metric``: ``cosine`` (distance ``1 - cos``, vectors normalised here) or ``l2`` (Euclidean distance).
2. ``exclude[q]`` lists reference rows that may never be neighbours of query ``q`` (leakage: the query
   itself, identical sequences); they are masked before the top-k, so the search stays exact and still
   returns ``k`` neighbours when enough others exist.
3. Results are ``(distances, indices)`` of shape ``[Q, k]``, nearest first, ties broken by reference row;
   missing neighbours (fewer than ``k`` eligible references) are index -1 and distance +inf.
4. Work is done in blocks of ``query_block`` queries against all references, so memory stays at
   ``query_block × n_refs`` floats while every product is one BLAS matrix multiply.
5. ``engine="faiss"`` uses ``IndexFlatIP``/``IndexFlatL2`` (exact) and asks for ``k`` plus the largest
   exclusion count, then drops excluded rows; ``engine="hnsw"`` is FAISS HNSW (approximate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METRICS = ("cosine", "l2")
ENGINES = ("numpy", "faiss", "hnsw")


def normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


def _topk_block(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the ``k`` largest entries per row, largest first (ties: lower index)."""
    n = scores.shape[1]
    kk = min(k, n)
    if kk < n:
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
    else:
        part = np.broadcast_to(np.arange(n), (scores.shape[0], n)).copy()
    picked = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -picked), axis=1)
    idx = np.take_along_axis(part, order, axis=1)
    return idx, np.take_along_axis(picked, order, axis=1)


def _pad(dist: np.ndarray, idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if idx.shape[1] >= k:
        return dist[:, :k], idx[:, :k]
    q = idx.shape[0]
    extra = k - idx.shape[1]
    return (
        np.hstack([dist, np.full((q, extra), np.inf, dtype=np.float32)]),
        np.hstack([idx, np.full((q, extra), -1, dtype=np.int64)]),
    )


def exact_knn(
    queries: np.ndarray,
    refs: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    exclude: Sequence[Sequence[int]] | None = None,
    query_block: int = 256,
    engine: str = "numpy",
) -> tuple[np.ndarray, np.ndarray]:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    if engine != "numpy":
        return faiss_knn(queries, refs, k, metric=metric, exclude=exclude, approximate=engine == "hnsw")
    q = np.ascontiguousarray(queries, dtype=np.float32)
    r = np.ascontiguousarray(refs, dtype=np.float32)
    if metric == "cosine":
        q, r = normalize_rows(q), normalize_rows(r)
    else:
        r_sq = np.einsum("ij,ij->i", r, r)
    n_q = q.shape[0]
    out_d = np.full((n_q, k), np.inf, dtype=np.float32)
    out_i = np.full((n_q, k), -1, dtype=np.int64)
    if r.shape[0] == 0 or n_q == 0:
        return out_d, out_i
    for start in range(0, n_q, query_block):
        block = q[start : start + query_block]
        scores = block @ r.T  # cosine: similarity; l2: q·r
        if metric == "l2":
            scores = 2.0 * scores - r_sq[None, :]  # larger is nearer: -(|q-r|² - |q|²)
        if exclude is not None:
            for row in range(block.shape[0]):
                banned = exclude[start + row]
                if len(banned):
                    scores[row, np.asarray(banned, dtype=np.int64)] = -np.inf
        idx, best = _topk_block(scores, k)
        if metric == "cosine":
            dist = 1.0 - best
        else:
            q_sq = np.einsum("ij,ij->i", block, block)[:, None]
            dist = np.sqrt(np.maximum(q_sq - best, 0.0))
        dist = np.where(np.isfinite(best), dist, np.inf).astype(np.float32)
        idx = np.where(np.isfinite(best), idx, -1)
        d, i = _pad(dist, idx, k)
        out_d[start : start + block.shape[0]] = d
        out_i[start : start + block.shape[0]] = i
    return out_d, out_i


def faiss_knn(
    queries: np.ndarray,
    refs: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    exclude: Sequence[Sequence[int]] | None = None,
    approximate: bool = False,
    hnsw_m: int = 32,
    ef_search: int = 128,
) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    q = np.ascontiguousarray(queries, dtype=np.float32)
    r = np.ascontiguousarray(refs, dtype=np.float32)
    if metric == "cosine":
        q, r = normalize_rows(q), normalize_rows(r)
    dim = r.shape[1]
    faiss_metric = faiss.METRIC_INNER_PRODUCT if metric == "cosine" else faiss.METRIC_L2
    if approximate:
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss_metric)
        index.hnsw.efSearch = ef_search
    else:
        index = faiss.IndexFlatIP(dim) if metric == "cosine" else faiss.IndexFlatL2(dim)
    index.add(r)
    extra = max((len(e) for e in exclude), default=0) if exclude is not None else 0
    want = min(k + extra, r.shape[0])
    raw_s, raw_i = index.search(q, want) if want else (np.zeros((len(q), 0)), np.zeros((len(q), 0), int))
    if metric == "cosine":
        raw_d = 1.0 - raw_s
    else:
        raw_d = np.sqrt(np.maximum(raw_s, 0.0))
    out_d = np.full((q.shape[0], k), np.inf, dtype=np.float32)
    out_i = np.full((q.shape[0], k), -1, dtype=np.int64)
    for row in range(q.shape[0]):
        banned = set(exclude[row]) if exclude is not None else set()
        kept = [(d, i) for d, i in zip(raw_d[row], raw_i[row], strict=True) if i >= 0 and i not in banned][:k]
        for col, (d, i) in enumerate(kept):
            out_d[row, col], out_i[row, col] = d, i
    return out_d, out_i
