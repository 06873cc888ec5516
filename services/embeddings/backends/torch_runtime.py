"""What the model backends share: importing torch, picking the device, and turning OOM into BatchTooLarge."""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from typing import Any

from services.embeddings.backends.base import BackendUnavailable, BatchTooLarge

MODELS_EXTRA = "pip install 'curation-workbench[models]'"


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None and importlib.util.find_spec("transformers") is not None


def import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - CI installs the models extra
        raise BackendUnavailable(f"model backends need torch and transformers: {MODELS_EXTRA}") from exc
    return torch


def resolve_device(requested: str = "auto") -> str:
    """``auto`` → ``cuda`` when a GPU is usable, else ``mps`` (Apple), else ``cpu``; others pass through."""
    if requested != "auto":
        return requested
    torch = import_torch()
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


@contextmanager
def out_of_memory_as_batch_too_large():
    torch = import_torch()
    try:
        yield
    except torch.OutOfMemoryError as exc:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise BatchTooLarge(str(exc)) from exc
    except RuntimeError as exc:  # MPS and older CUDA builds raise a plain RuntimeError
        if "out of memory" not in str(exc).lower():
            raise
        raise BatchTooLarge(str(exc)) from exc
