"""The backend interface and its errors.

Contract:
1. ``embed(sequences)`` takes upper-case residue strings and returns one ``ResidueStates`` per sequence, in
   order, with exactly ``min(len(seq), max_length)`` residues: special tokens (CLS, EOS, the ProstT5
   ``<AA2fold>`` prefix, padding) are stripped, so positions are amino-acid positions.
2. A batch is run as one padded forward pass with an attention mask; ``BatchTooLarge`` says it did not fit
   in the device's memory (the caller splits it and retries).
3. ``BackendUnavailable`` says a backend's packages are not installed: one sentence naming the extra.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from services.embeddings.pooling import ResidueStates
from services.errors import WorkbenchError


class BackendUnavailable(WorkbenchError):
    code = "backend_unavailable"


class BatchTooLarge(Exception):
    """The batch ran out of device memory; split it and try again."""


class EmbeddingBackend(ABC):
    name: str = "backend"
    has_cls: bool = False
    device: str = "cpu"

    def __init__(self, model_name: str, layer_indices: list[int], max_length: int):
        self.model_name = model_name
        self.layer_indices = list(layer_indices) or [0]
        self.max_length = max_length

    @abstractmethod
    def embed(self, sequences: list[str]) -> list[ResidueStates]: ...

    def truncate(self, sequence: str) -> str:
        return sequence[: self.max_length]
