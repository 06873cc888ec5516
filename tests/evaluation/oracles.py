"""The reference CAFA evaluators, loaded side by side as test and benchmark oracles (never used by services/).

cafaeval 1.3.0 and cafaeval-protea 0.1.0 are GPLv3 and both install the import name ``cafaeval``, so one
environment holds at most one of them on its path. ``load_oracle`` imports each one in isolation: from the
environment when the files there are that distribution's own (checked against its RECORD hashes), else from a
private copy installed with ``pip install --no-deps --target`` under ``$CAFA_ORACLES_DIR`` (default
``.venv/oracles`` in the repo, filled by ``make test``). Returns None (callers skip with the reason) when neither works.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import os
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType

import pandas as pd

ORACLES = {"cafaeval": "1.3.0", "cafaeval-protea": "0.1.0"}
REPO = Path(__file__).resolve().parents[2]


def _shared_go() -> Path:
    """``shared/data/go`` beside the clone (as in CI), inside it, or under ``$WORKBENCH_SHARED``."""
    candidates = [REPO.parent / "shared", REPO / "shared"]
    if os.environ.get("WORKBENCH_SHARED"):
        candidates.insert(0, Path(os.environ["WORKBENCH_SHARED"]))
    for base in candidates:
        if (base / "data" / "go").is_dir():
            return base / "data" / "go"
    return candidates[0] / "data" / "go"


GO_DATA = _shared_go()


def _cache_dir() -> Path:
    return Path(os.environ.get("CAFA_ORACLES_DIR", REPO / ".venv" / "oracles"))


def _installed_root(dist: str, version: str) -> Path | None:
    """The site-packages folder holding ``dist``'s own files, or None (absent, other version, overwritten)."""
    try:
        meta = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
    if meta.version != version:
        return None
    for entry in meta.files or []:
        if entry.as_posix() == "cafaeval/evaluation.py" and entry.hash is not None:
            full = Path(meta.locate_file(entry))
            if not full.exists():
                return None
            digest = base64.urlsafe_b64encode(hashlib.sha256(full.read_bytes()).digest()).rstrip(b"=").decode()
            return full.parent.parent if digest == entry.hash.value else None
    return None


def _private_root(dist: str, version: str) -> Path | None:
    target = _cache_dir() / f"{dist}-{version}"
    if not (target / "cafaeval" / "evaluation.py").exists():
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
        done = subprocess.run([*cmd, f"{dist}=={version}"], capture_output=True, text=True)
        if done.returncode != 0:
            return None
    return target


@cache
def load_oracle(dist: str) -> ModuleType | None:
    """``cafaeval.evaluation`` of the named distribution (pinned version), imported in isolation."""
    version = ORACLES[dist]
    root = _installed_root(dist, version) or _private_root(dist, version)
    if root is None:
        return None
    saved = {k: v for k, v in sys.modules.items() if k == "cafaeval" or k.startswith("cafaeval.")}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module("cafaeval.evaluation")
    finally:
        sys.path.remove(str(root))
        for k in [k for k in sys.modules if k == "cafaeval" or k.startswith("cafaeval.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    return module


def oracle_best(
    dist: str,
    obo: Path,
    predictions: Path,
    ground_truth: Path,
    *,
    ia: Path | None = None,
    toi: Path | None = None,
    known: Path | None = None,
    norm: str = "cafa",
    prop: str = "max",
    no_orphans: bool = False,
    th_step: float = 0.01,
) -> pd.DataFrame:
    """The oracle's best rows as one frame: filename, namespace (its OBO name), metric and its columns."""
    module = load_oracle(dist)
    assert module is not None, f"{dist} is not available"
    kwargs = dict(ia=str(ia) if ia else None, no_orphans=no_orphans, norm=norm, prop=prop, th_step=th_step)
    if dist == "cafaeval-protea":
        kwargs.update(exclude=str(known) if known else None, toi_file=str(toi) if toi else None, n_cpu=1)
    else:
        assert known is None and toi is None, "cafaeval 1.3.0 has no known terms or terms of interest"
        kwargs.update(n_cpu=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, best = module.cafa_eval(str(obo), str(predictions), str(ground_truth), **kwargs)
    frames = []
    for metric, frame in best.items():
        frame = frame.reset_index()
        frame["metric"] = metric
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["filename", "ns", "metric"])
    return pd.concat(frames, ignore_index=True)
