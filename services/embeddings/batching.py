"""Batching for embedding: group sequences by length, and split a batch that runs out of memory.

Contract:
1. ``length_batches`` sorts by length and groups at most ``batch_size`` sequences and ``max_tokens``
   padded residues (longest × count) per batch, so padding stays small and memory bounded.
2. ``embed_with_split``: a batch that raises ``BatchTooLarge`` is split in halves and each half retried,
   down to single sequences; a single sequence that still does not fit fails with one sentence naming its
   length. ``SplitCounter`` counts the splits (reported in the job's findings).
"""

from __future__ import annotations

from collections.abc import Iterator

from services.embeddings.backends.base import BatchTooLarge, EmbeddingBackend
from services.errors import WorkbenchError


def length_batches(items: list[tuple[int, str]], batch_size: int, max_tokens: int) -> Iterator[list[tuple[int, str]]]:
    """Sort by length and group: at most ``batch_size`` sequences and ``max_tokens`` padded residues."""
    ordered = sorted(items, key=lambda item: (len(item[1]), item[0]))
    batch: list[tuple[int, str]] = []
    for item in ordered:
        width = len(item[1])  # ascending order: the newest item is the longest
        if batch and (len(batch) + 1 > batch_size or (len(batch) + 1) * width > max_tokens):
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


class SplitCounter:
    def __init__(self) -> None:
        self.splits = 0


def embed_with_split(backend: EmbeddingBackend, sequences: list[str], counter: SplitCounter):
    """Embed a batch; on out-of-memory split it in halves and retry each (contract 2)."""
    try:
        return backend.embed(sequences)
    except BatchTooLarge:
        if len(sequences) == 1:
            raise WorkbenchError(
                f"a sequence of {len(sequences[0])} residues does not fit in {backend.device} memory; "
                "lower max_length or use chunking"
            ) from None
        counter.splits += 1
        half = len(sequences) // 2
        return embed_with_split(backend, sequences[:half], counter) + embed_with_split(
            backend, sequences[half:], counter
        )
