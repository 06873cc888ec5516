"""Which backends exist, which can run here, and the backend object for a config.

Contract:
1. ``available_backends()`` says for every backend whether it can run in this install and, if not, why
   (the page and the CLI show it); ``composition`` always can.
2. ``backend_for(config, device)`` returns a ready backend; ``auto`` means ``esm``; model weights are
   cached per worker process (see ``huggingface.cached_model``), so consecutive batches and jobs reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.embeddings.backends.base import BackendUnavailable, EmbeddingBackend
from services.embeddings.backends.composition import CompositionBackend
from services.embeddings.backends.esmc import ESM_EXTRA, esm_sdk_available
from services.embeddings.backends.torch_runtime import MODELS_EXTRA, resolve_device, torch_available

BACKEND_HELP = {
    "composition": "amino-acid + dipeptide composition (420 dims, no model weights)",
    "esm": "ESM-2 via transformers EsmModel",
    "auto": "same as esm",
    "t5": "ProtT5 / ProstT5 via transformers T5EncoderModel (<AA2fold> prefix for ProstT5)",
    "ankh": "Ankh via AutoTokenizer + T5EncoderModel",
    "esm3c": "ESM C via the ESM SDK (separate optional extra)",
}


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    description: str
    reason: str | None = None


def available_backends() -> list[BackendStatus]:
    has_torch = torch_available()
    statuses = []
    for name, description in BACKEND_HELP.items():
        if name == "composition":
            statuses.append(BackendStatus(name, True, description))
        elif name == "esm3c":
            ok = has_torch and esm_sdk_available()
            statuses.append(BackendStatus(name, ok, description, None if ok else f"needs the ESM SDK: {ESM_EXTRA}"))
        else:
            reason = None if has_torch else f"needs torch + transformers: {MODELS_EXTRA}"
            statuses.append(BackendStatus(name, has_torch, description, reason))
    return statuses


def backend_for(
    backend: str, model_name: str, layer_indices: list[int], max_length: int, device: str = "auto"
) -> EmbeddingBackend:
    if backend == "composition":
        return CompositionBackend(model_name, layer_indices, max_length)
    if backend in ("esm", "auto", "t5", "ankh"):
        if not torch_available():
            raise BackendUnavailable(f"the {backend} backend needs torch and transformers: {MODELS_EXTRA}")
        from services.embeddings.backends import huggingface

        cls = {"esm": huggingface.EsmBackend, "auto": huggingface.EsmBackend}.get(backend)
        cls = cls or {"t5": huggingface.T5Backend, "ankh": huggingface.AnkhBackend}[backend]
        return cls(model_name, layer_indices, max_length, resolve_device(device))
    if backend == "esm3c":
        from services.embeddings.backends.esmc import EsmcBackend

        return EsmcBackend(model_name, layer_indices, max_length, resolve_device(device))
    raise BackendUnavailable(f"unknown embedding backend {backend!r}")
