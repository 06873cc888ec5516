"""Model backends on Hugging Face transformers: ESM-2 (``esm``), ProtT5/ProstT5 (``t5``) and Ankh (``ankh``).

A model is loaded by ``from_pretrained(model_name)``: a hub name or a local directory go through exactly
the same code (tests build tiny random models in a temporary directory and load them by path).

Tokenisation rules (contract):
1. ``esm``: ``AutoTokenizer`` + ``EsmModel``; ``<cls>`` residues ``<eos>``; residues start at token 1 and
   the CLS state is token 0.
2. ``t5``: ``T5Tokenizer`` + ``T5EncoderModel``; rare residues U, Z, O, B become X, residues are separated
   by spaces; a ProstT5 model (``prostt5`` in its name) gets the ``<AA2fold>`` prefix token, so its
   residues start at token 1, ProtT5's at token 0; ``</s>`` closes the input. No CLS state.
3. ``ankh``: ``AutoTokenizer`` + ``T5EncoderModel``; one pre-split word per residue
   (``is_split_into_words=True``), residues from token 0, ``</s>`` closes; bfloat16 on CUDA. No CLS state.
4. Every backend checks that the tokenizer gave exactly one token per residue (plus its special tokens),
   so an unsuitable tokenizer fails loudly instead of shifting positions.
5. Layers use reverse indexing: 0 is the last hidden layer, 1 the one before, …
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np

from services.embeddings.backends.base import EmbeddingBackend
from services.embeddings.backends.torch_runtime import import_torch, out_of_memory_as_batch_too_large
from services.embeddings.pooling import ResidueStates
from services.errors import InvalidInput

_RARE = re.compile(r"[UZOB]")
_CACHE: OrderedDict[tuple[str, str, str], tuple[Any, Any]] = OrderedDict()
_CACHE_SIZE = 2


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def cached_model(kind: str, model_name: str, device: str, loader) -> tuple[Any, Any]:
    """(tokenizer, model) loaded once per worker process; the least recently used one is dropped."""
    key = (kind, model_name, device)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    _quiet_transformers()
    try:
        pair = loader()
    except OSError as exc:
        raise InvalidInput(f"cannot load model {model_name!r} for the {kind} backend: {exc}") from exc
    _CACHE[key] = pair
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return pair


class HuggingFaceBackend(EmbeddingBackend):
    kind = "hf"
    residue_offset = 0
    special_tokens = 1  # tokens besides the residues (per sequence)

    def __init__(self, model_name: str, layer_indices: list[int], max_length: int, device: str):
        super().__init__(model_name, layer_indices, max_length)
        self.torch = import_torch()
        self.device = device
        self.tokenizer, self.model = cached_model(self.kind, model_name, device, self._load)

    # -- per family -------------------------------------------------------
    def _load(self) -> tuple[Any, Any]:
        raise NotImplementedError

    def _tokenize(self, sequences: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    # -- shared -------------------------------------------------------------
    def _dtype(self):
        return None

    def _place(self, model: Any) -> Any:
        dtype = self._dtype()
        model = model.to(self.device) if dtype is None else model.to(self.device, dtype=dtype)
        return model.eval()

    def embed(self, sequences: list[str]) -> list[ResidueStates]:
        torch = self.torch
        seqs = [self.truncate(s) for s in sequences]
        batch = self._tokenize(seqs)
        lengths = batch["attention_mask"].sum(dim=1).tolist()
        for seq, n in zip(seqs, lengths, strict=True):
            if n != len(seq) + self.special_tokens:
                raise InvalidInput(
                    f"the tokenizer of {self.model_name!r} does not give one token per residue "
                    f"({n} tokens for {len(seq)} residues)"
                )
        batch = {k: v.to(self.device) for k, v in batch.items()}
        with out_of_memory_as_batch_too_large(), torch.inference_mode():
            out = self.model(**batch, output_hidden_states=True)
            hidden = out.hidden_states
            picked = []
            for index in self.layer_indices:
                if not 0 <= index < len(hidden):
                    raise InvalidInput(
                        f"layer index {index} is out of range: {self.model_name!r} has {len(hidden) - 1} layers"
                    )
                picked.append(hidden[len(hidden) - 1 - index])
            stacked = torch.stack(picked).float().cpu().numpy()  # [layers, B, T, H]
        return [self._states(stacked[:, row], len(seq)) for row, seq in enumerate(seqs)]

    def _states(self, per_layer: np.ndarray, length: int) -> ResidueStates:
        start = self.residue_offset
        layers = [layer[start : start + length] for layer in per_layer]
        cls = [layer[0] for layer in per_layer] if self.has_cls else None
        return ResidueStates(layers=layers, cls=cls)


class EsmBackend(HuggingFaceBackend):
    name = kind = "esm"
    has_cls = True
    residue_offset = 1
    special_tokens = 2

    def _load(self):
        from transformers import AutoTokenizer, EsmModel

        tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        model = EsmModel.from_pretrained(self.model_name, add_pooling_layer=False)
        return tokenizer, self._place(model)

    def _tokenize(self, sequences):
        return self.tokenizer(sequences, padding=True, add_special_tokens=True, return_tensors="pt")


def is_prostt5(model_name: str) -> bool:
    return "prostt5" in model_name.lower()


def t5_text(sequence: str, prostt5: bool) -> str:
    spaced = " ".join(_RARE.sub("X", sequence))
    return f"<AA2fold> {spaced}" if prostt5 else spaced


class T5Backend(HuggingFaceBackend):
    name = kind = "t5"
    has_cls = False

    def __init__(self, model_name, layer_indices, max_length, device):
        self.prostt5 = is_prostt5(model_name)
        self.residue_offset = 1 if self.prostt5 else 0
        self.special_tokens = 2 if self.prostt5 else 1
        super().__init__(model_name, layer_indices, max_length, device)

    def _dtype(self):
        return self.torch.float16 if self.device == "cuda" else None

    def _load(self):
        from transformers import T5EncoderModel, T5Tokenizer

        tokenizer = T5Tokenizer.from_pretrained(self.model_name, do_lower_case=False)
        return tokenizer, self._place(T5EncoderModel.from_pretrained(self.model_name))

    def _tokenize(self, sequences):
        texts = [t5_text(s, self.prostt5) for s in sequences]
        return self.tokenizer(texts, padding=True, add_special_tokens=True, return_tensors="pt")


class AnkhBackend(HuggingFaceBackend):
    name = kind = "ankh"
    has_cls = False

    def _dtype(self):
        return self.torch.bfloat16 if self.device == "cuda" else None

    def _load(self):
        from transformers import AutoTokenizer, T5EncoderModel

        tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        return tokenizer, self._place(T5EncoderModel.from_pretrained(self.model_name))

    def _tokenize(self, sequences):
        words = [list(_RARE.sub("X", s)) for s in sequences]
        return self.tokenizer(
            words, is_split_into_words=True, add_special_tokens=True, padding=True, return_tensors="pt"
        )
