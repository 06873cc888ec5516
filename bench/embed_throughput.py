"""Embedding throughput (sequences/s): a randomly initialised ESM-2-sized model built on the fly, and the
weight-free composition backend, through the same backend, batching and pooling code the compute job runs
(the database write is not included).

    python bench/embed_throughput.py --device cuda            # ESM-2 35M shape (480 x 12 layers)
    python bench/embed_throughput.py --device cpu -n 64 --size 8M
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.embeddings.backends.registry import backend_for  # noqa: E402
from services.embeddings.batching import SplitCounter, embed_with_split, length_batches  # noqa: E402
from services.embeddings.pooling import PoolingRecipe, pool_sequence  # noqa: E402

# hidden, layers, heads, intermediate — the shapes of the public ESM-2 checkpoints
SIZES = {"8M": (320, 6, 20, 1280), "35M": (480, 12, 20, 1920), "150M": (640, 30, 20, 2560)}
AA = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", dtype=np.uint8)


def random_sequences(n: int, seed: int, low: int = 50, high: int = 500) -> list[str]:
    rng = np.random.default_rng(seed)
    return [AA[rng.integers(0, 20, int(length))].tobytes().decode() for length in rng.integers(low, high, n)]


def run(backend, sequences: list[str], batch_size: int, max_tokens: int) -> tuple[float, int]:
    recipe = PoolingRecipe(pooling="mean", normalize=True)
    counter = SplitCounter()
    items = list(enumerate(sequences))
    t0 = time.perf_counter()
    vectors = 0
    for batch in length_batches(items, batch_size, max_tokens):
        for state in embed_with_split(backend, [s for _, s in batch], counter):
            vectors += len(pool_sequence(state, recipe))
    if backend.device == "cuda":
        backend.torch.cuda.synchronize()
    return time.perf_counter() - t0, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--size", choices=SIZES, default="35M")
    parser.add_argument("-n", type=int, default=2000, help="sequences (lengths 50-500)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=32768)
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args()
    sequences = random_sequences(args.n, seed=0)
    print(f"{args.n} random sequences, mean length {np.mean([len(s) for s in sequences]):.0f}")

    comp = backend_for("composition", "composition", [0], 1022)
    t, n = run(comp, sequences, args.batch_size, args.max_tokens)
    print(f"composition (numpy, weight-free): {args.n / t:10.1f} sequences/s ({t:.2f} s)")

    if args.skip_model:
        return
    from transformers.utils import logging as hf_logging

    from tests.support.tiny_models import build_esm

    hf_logging.disable_progress_bar()

    hidden, layers, heads, inter = SIZES[args.size]
    with tempfile.TemporaryDirectory() as tmp:
        path = build_esm(Path(tmp) / f"esm2_{args.size}", hidden, layers, heads=heads, intermediate=inter)
        backend = backend_for("esm", str(path), [0], 1022, args.device)
        params = sum(p.numel() for p in backend.model.parameters())
        run(backend, sequences[: min(64, args.n)], args.batch_size, args.max_tokens)  # warm-up
        t, n = run(backend, sequences, args.batch_size, args.max_tokens)
        name = backend.torch.cuda.get_device_name() if backend.device == "cuda" else backend.device
        print(
            f"esm {args.size} shape ({params / 1e6:.1f} M params, random weights) on {name}: "
            f"{args.n / t:10.1f} sequences/s ({t:.2f} s, batch_size {args.batch_size}, "
            f"max_tokens {args.max_tokens})"
        )


if __name__ == "__main__":
    main()
