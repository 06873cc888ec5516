"""Tiny random ESM-2 and T5 models written to a directory, loaded by path like a hub name (no network).

The ESM vocabulary is ESM-2's own; the T5 vocabulary mimics ProtT5's sentencepiece pieces (``▁M`` …) and
carries ProstT5's ``<AA2fold>`` token, so both tokenisation rules are exercised for real.
"""

from __future__ import annotations

from pathlib import Path

ESM2_VOCAB = [
    "<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N",
    "F", "Y", "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>",
]  # fmt: skip
T5_RESIDUES = "ACDEFGHIKLMNPQRSTVWYX"


def build_esm(
    directory: Path,
    hidden: int = 16,
    layers: int = 2,
    seed: int = 0,
    heads: int = 2,
    intermediate: int | None = None,
) -> Path:
    import torch
    from transformers import EsmConfig, EsmModel, EsmTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.txt").write_text("\n".join(ESM2_VOCAB))
    EsmTokenizer(str(directory / "vocab.txt")).save_pretrained(directory)
    torch.manual_seed(seed)
    config = EsmConfig(
        vocab_size=len(ESM2_VOCAB),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate or 2 * hidden,
        pad_token_id=1,
        mask_token_id=32,
        max_position_embeddings=1026,
        position_embedding_type="rotary",
        token_dropout=True,
    )
    EsmModel(config, add_pooling_layer=False).save_pretrained(directory)
    return directory


def build_t5(directory: Path, hidden: int = 16, layers: int = 2, seed: int = 0) -> Path:
    import torch
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    directory.mkdir(parents=True, exist_ok=True)
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [("\u2581" + aa, -1.0) for aa in T5_RESIDUES] + [(aa, -2.0) for aa in T5_RESIDUES]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0, additional_special_tokens=["<AA2fold>"])
    tokenizer.save_pretrained(directory)
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tokenizer), d_model=hidden, d_ff=2 * hidden, num_layers=layers, num_heads=2, d_kv=8
    )
    T5EncoderModel(config).save_pretrained(directory)
    return directory
