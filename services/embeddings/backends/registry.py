"""Which backends exist, which can run here, and the backend object for a config.

Contract:
1. ``available_backends()`` says for every backend whether it can run in this install and, if not, why
   (the page and the CLI show it); ``composition`` always can. For model backends ``weights`` says whether
   the suggested model's weights are here (a local folder or the Hugging Face cache), can be downloaded on
   first use, or cannot be had (``HF_HUB_OFFLINE`` set and nothing cached) — then it cannot run either.
   ``BASELINE_BACKENDS`` are weight-free: their predictions are a baseline, not a model's.
2. ``backend_for(config, device)`` returns a ready backend; ``auto`` means ``esm``; model weights are
   cached per worker process (see ``huggingface.cached_model``), so consecutive batches and jobs reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services import config
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


# A small, public model per backend that the set-up form suggests (any hub name or local folder works).
SUGGESTED_MODELS = {
    "esm": "facebook/esm2_t6_8M_UR50D",
    "auto": "facebook/esm2_t6_8M_UR50D",
    "t5": "Rostlab/prot_t5_xl_half_uniref50-enc",
    "ankh": "ElnaggarLab/ankh-base",
    "esm3c": "esmc_300m",
}
BASELINE_BACKENDS = frozenset({"composition"})


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    description: str
    reason: str | None = None
    weights: str | None = None
    suggested_model: str | None = None


def weights_status(model_name: str) -> tuple[bool, str]:
    """(can the weights be had, in words): a local folder, the hub cache, or a download on first use."""
    local = Path(model_name).expanduser()
    if local.is_dir():
        return True, f"local weights in {local}"
    if (config.hf_hub_cache() / ("models--" + model_name.replace("/", "--"))).is_dir():
        return True, f"{model_name} weights are cached here"
    if config.hf_hub_offline():
        return False, f"{model_name} is not cached and HF_HUB_OFFLINE is set: no way to get the weights"
    return True, f"{model_name} downloads from the Hugging Face hub on first use (needs network access)"


def available_backends() -> list[BackendStatus]:
    has_torch = torch_available()
    statuses = []
    for name, description in BACKEND_HELP.items():
        if name == "composition":
            statuses.append(BackendStatus(name, True, description, weights="no weights needed"))
            continue
        model = SUGGESTED_MODELS[name]
        if name == "esm3c":
            ok = has_torch and esm_sdk_available()
            reason = None if ok else f"needs the ESM SDK: {ESM_EXTRA}"
            statuses.append(BackendStatus(name, ok, description, reason, "weights come with the ESM SDK", model))
            continue
        reason = None if has_torch else f"needs torch + transformers: {MODELS_EXTRA}"
        have_weights, weights = weights_status(model)
        if has_torch and not have_weights:
            reason = weights
        statuses.append(BackendStatus(name, has_torch and have_weights, description, reason, weights, model))
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
