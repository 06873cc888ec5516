"""The ``esm3c`` backend: EvolutionaryScale's ESM C through the ESM SDK (optional extra ``esm``).

The SDK pins its own transformers and pulls torchvision, so it is a separate extra that CI does not
install; without it this backend reports itself unavailable with one sentence. Tokens are
``<cls>`` residues ``<eos>`` (residues from token 1, CLS state at token 0); fp16 on CUDA.
"""

from __future__ import annotations

import importlib.util

from services.embeddings.backends.base import BackendUnavailable, EmbeddingBackend
from services.embeddings.backends.huggingface import cached_model
from services.embeddings.backends.torch_runtime import import_torch, out_of_memory_as_batch_too_large
from services.embeddings.pooling import ResidueStates
from services.errors import InvalidInput

ESM_EXTRA = "pip install 'curation-workbench[esm]'"


def esm_sdk_available() -> bool:
    return importlib.util.find_spec("esm") is not None


class EsmcBackend(EmbeddingBackend):
    name = "esm3c"
    has_cls = True

    def __init__(self, model_name: str, layer_indices: list[int], max_length: int, device: str):
        super().__init__(model_name, layer_indices, max_length)
        if not esm_sdk_available():
            raise BackendUnavailable(f"the esm3c backend needs the ESM SDK, which is not installed: {ESM_EXTRA}")
        self.torch = import_torch()
        self.device = device
        _, self.model = cached_model("esm3c", model_name, device, self._load)

    def _load(self):
        from esm.models.esmc import ESMC

        model = ESMC.from_pretrained(self.model_name).to(self.device)
        if self.device == "cuda":
            model = model.half()
        return None, model.eval()

    def embed(self, sequences: list[str]) -> list[ResidueStates]:
        torch = self.torch
        seqs = [self.truncate(s) for s in sequences]
        with out_of_memory_as_batch_too_large(), torch.inference_mode():
            tokens = self.model._tokenize(seqs).to(self.device)
            out = self.model(sequence_tokens=tokens)
            hidden = out.hidden_states  # [n_layers, B, T, H]
            picked = []
            for index in self.layer_indices:
                if not 0 <= index < hidden.shape[0]:
                    raise InvalidInput(f"layer index {index} is out of range for {self.model_name!r}")
                picked.append(hidden[hidden.shape[0] - 1 - index])
            stacked = torch.stack(picked).float().cpu().numpy()
        result = []
        for row, seq in enumerate(seqs):
            layers = [layer[row, 1 : 1 + len(seq)] for layer in stacked]
            result.append(ResidueStates(layers=layers, cls=[layer[row, 0] for layer in stacked]))
        return result
