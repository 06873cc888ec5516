"""Artifact files of the re-ranking domain (datasets, boosters): where they live, their hashes, provenance.

Invariants: an artifact is written into a temporary folder beside its final one and renamed into place, so a
reader never sees half a dataset; every file is named in its manifest with its sha256, and ``verify_files``
refuses a folder whose bytes changed since.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from services.config import REPO_ROOT, artifact_dir
from services.errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class ArtifactChanged(InvalidInput):
    """An artifact's bytes differ from the hash recorded when it was written."""


def check_name(name: str, what: str) -> str:
    """A dataset or re-ranker name doubles as a folder name: letters, digits, ``_ . -`` (1–100)."""
    if not _NAME.match(name or ""):
        raise InvalidInput(f"{what} name {name!r} must be 1–100 letters, digits, '_', '.' or '-'")
    return name


def folder(kind: str, name: str) -> Path:
    return artifact_dir() / kind / name


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


def path_of(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme not in ("", "file"):
        raise InvalidInput(f"artifact {uri} is not a local file (only file:// artifacts are supported)")
    return Path(unquote(parsed.path))


def replace_folder(tmp: Path, final: Path) -> None:
    """Move the freshly written ``tmp`` folder into ``final`` (any older folder there goes)."""
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def remove_folder(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


def verify_files(base: Path, files: dict[str, dict], what: str) -> None:
    """Every file named in ``files`` (name → {"sha256": …}) exists under ``base`` with that hash."""
    for name, info in sorted(files.items()):
        path = base / name
        if not path.is_file():
            raise ArtifactChanged(f"{what}: {path} is missing")
        if sha256_file(path) != info["sha256"]:
            raise ArtifactChanged(f"{what}: {path} was changed on disk since it was written (sha256 differs)")


@lru_cache(maxsize=1)
def producer() -> dict[str, str]:
    """This code's name, version and git commit (``unknown`` outside a git checkout)."""
    try:
        version = metadata.version("curation-workbench")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = "unknown"
    return {"name": "curation-workbench", "version": version, "git_sha": sha or "unknown"}
