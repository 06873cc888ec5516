"""ESM-2, ProtT5/ProstT5 and Ankh backends on tiny random models loaded by path (the hub-name code path).

Each check compares the backend's batched, padded output with a hand computation: the model run on the
single sequence alone, special tokens located by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from services.embeddings.backends.base import BatchTooLarge
from services.embeddings.backends.registry import available_backends, backend_for
from services.embeddings.pooling import PoolingRecipe, pool_sequence
from services.errors import InvalidInput

torch = pytest.importorskip("torch")

SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "MKV", "GAVLUB"]


def _alone(model, tokenizer, text, **kw):
    enc = tokenizer(text, return_tensors="pt", **kw)
    with torch.inference_mode():
        return model(**enc, output_hidden_states=True).hidden_states, enc


def test_esm_backend_strips_cls_and_eos_and_matches_unpadded_run(tiny_esm) -> None:
    backend = backend_for("esm", tiny_esm, [0, 1], max_length=1022, device="cpu")
    assert backend.device == "cpu"
    states = backend.embed(SEQS)
    for seq, st in zip(SEQS, states, strict=True):
        hidden, enc = _alone(backend.model, backend.tokenizer, seq)
        assert enc["input_ids"].shape[1] == len(seq) + 2
        assert st.length == len(seq)
        np.testing.assert_allclose(st.layers[0], hidden[-1][0, 1 : len(seq) + 1].numpy(), atol=1e-4)
        np.testing.assert_allclose(st.layers[1], hidden[-2][0, 1 : len(seq) + 1].numpy(), atol=1e-4)
        np.testing.assert_allclose(st.cls[0], hidden[-1][0, 0].numpy(), atol=1e-4)
    [chunk] = pool_sequence(states[0], PoolingRecipe(layer_agg="mean", pooling="mean", normalize=False))
    hidden, _ = _alone(backend.model, backend.tokenizer, SEQS[0])
    n = len(SEQS[0])
    expected = ((hidden[-1][0, 1 : n + 1] + hidden[-2][0, 1 : n + 1]) / 2).mean(0).numpy()
    np.testing.assert_allclose(chunk.vector, expected, atol=1e-4)
    # The model is cached per worker: a second backend reuses the loaded weights.
    assert backend_for("auto", tiny_esm, [0], 1022, "cpu").model is backend.model


def test_esm_truncates_to_max_length_and_refuses_missing_layers(tiny_esm) -> None:
    [st] = backend_for("esm", tiny_esm, [0], max_length=5, device="cpu").embed(["MKTAYIAKQR"])
    assert st.length == 5
    with pytest.raises(InvalidInput, match="layer index 7"):
        backend_for("esm", tiny_esm, [7], 1022, "cpu").embed(["MKV"])


def test_prott5_spaces_residues_and_maps_rare_ones_to_x(tiny_prott5) -> None:
    backend = backend_for("t5", tiny_prott5, [0], max_length=1022, device="cpu")
    assert not backend.prostt5 and backend.residue_offset == 0
    states = backend.embed(SEQS)
    for seq, st in zip(SEQS, states, strict=True):
        text = " ".join(seq.replace("U", "X").replace("B", "X"))
        hidden, enc = _alone(backend.model, backend.tokenizer, text)
        tokens = backend.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
        assert tokens[-1] == "</s>" and len(tokens) == len(seq) + 1
        np.testing.assert_allclose(st.layers[0], hidden[-1][0, : len(seq)].numpy(), atol=1e-4)
        assert st.cls is None


def test_prostt5_gets_the_aa2fold_prefix_and_it_is_stripped(tiny_prostt5) -> None:
    backend = backend_for("t5", tiny_prostt5, [0], max_length=1022, device="cpu")
    assert backend.prostt5 and backend.residue_offset == 1
    states = backend.embed(SEQS)
    for seq, st in zip(SEQS, states, strict=True):
        text = "<AA2fold> " + " ".join(seq.replace("U", "X").replace("B", "X"))
        hidden, enc = _alone(backend.model, backend.tokenizer, text)
        tokens = backend.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
        assert tokens[0] == "<AA2fold>" and len(tokens) == len(seq) + 2
        np.testing.assert_allclose(st.layers[0], hidden[-1][0, 1 : len(seq) + 1].numpy(), atol=1e-4)


def test_ankh_splits_residues_into_words(tiny_prott5) -> None:
    backend = backend_for("ankh", tiny_prott5, [0], max_length=1022, device="cpu")
    states = backend.embed(SEQS)
    for seq, st in zip(SEQS, states, strict=True):
        words = list(seq.replace("U", "X").replace("B", "X"))
        hidden, enc = _alone(backend.model, backend.tokenizer, words, is_split_into_words=True)
        assert enc["input_ids"].shape[1] == len(seq) + 1
        np.testing.assert_allclose(st.layers[0], hidden[-1][0, : len(seq)].numpy(), atol=1e-4)


def test_missing_model_is_one_clear_sentence(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="cannot load model"):
        backend_for("esm", str(tmp_path / "nowhere"), [0], 1022, "cpu")


def test_backend_availability_is_reported() -> None:
    status = {s.name: s for s in available_backends()}
    assert status["composition"].available and status["esm"].available
    assert status["esm3c"].available is False and "ESM SDK" in status["esm3c"].reason


def test_torch_out_of_memory_becomes_batch_too_large(tiny_esm, monkeypatch) -> None:
    backend = backend_for("esm", tiny_esm, [0], 1022, "cpu")

    def boom(*a, **kw):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(backend, "model", boom)
    with pytest.raises(BatchTooLarge):
        backend.embed(["MKV"])


@pytest.mark.parametrize("which", ["esm", "prostt5"])
def test_chunks_are_amino_acid_spans_after_special_tokens_are_stripped(which, tiny_esm, tiny_prostt5) -> None:
    seq = SEQS[0]  # 22 residues
    if which == "esm":
        backend = backend_for("esm", tiny_esm, [0], 1022, "cpu")
        hidden, _ = _alone(backend.model, backend.tokenizer, seq)
        residues = hidden[-1][0, 1 : len(seq) + 1].numpy()  # <cls> first, <eos> last
    else:
        backend = backend_for("t5", tiny_prostt5, [0], 1022, "cpu")
        hidden, _ = _alone(backend.model, backend.tokenizer, "<AA2fold> " + " ".join(seq))
        residues = hidden[-1][0, 1 : len(seq) + 1].numpy()  # <AA2fold> first, </s> last
    [state] = backend.embed([seq])
    recipe = PoolingRecipe(pooling="mean", normalize=False, use_chunking=True, chunk_size=10, chunk_overlap=4)
    chunks = pool_sequence(state, recipe)
    assert [(c.start, c.end) for c in chunks] == [(0, 10), (6, 16), (12, 22)]
    for c in chunks:
        np.testing.assert_allclose(c.vector, residues[c.start : c.end].mean(0), atol=1e-4)


def test_backends_say_whether_the_weights_can_be_had(tmp_path, monkeypatch) -> None:
    """Issue 17: the list says which backends can actually run here (weights present or downloadable)."""
    from services.embeddings.backends.registry import SUGGESTED_MODELS, weights_status

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ok, words = weights_status("facebook/esm2_t6_8M_UR50D")
    assert not ok and "HF_HUB_OFFLINE" in words
    status = {s.name: s for s in available_backends()}
    assert status["esm"].available is False and "not cached" in status["esm"].reason
    assert status["composition"].available and status["composition"].weights == "no weights needed"

    (tmp_path / "hub" / ("models--" + SUGGESTED_MODELS["esm"].replace("/", "--"))).mkdir(parents=True)
    assert weights_status(SUGGESTED_MODELS["esm"]) == (True, f"{SUGGESTED_MODELS['esm']} weights are cached here")
    assert weights_status(str(tmp_path))[1].startswith("local weights in")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert "downloads from the Hugging Face hub" in weights_status("org/not-cached")[1]
