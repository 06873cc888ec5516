"""Process-wide configuration read from the environment, in one place.

Every setting here is read lazily (functions, not module constants) so tests can
point the process at another database or data directory with ``monkeypatch.setenv``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder of the embedded PostgreSQL cluster: ``$WORKBENCH_DATA_DIR`` or ``.data/`` in the repo."""
    return Path(os.environ.get("WORKBENCH_DATA_DIR") or REPO_ROOT / ".data").resolve()


def external_database_url() -> str | None:
    """``$DATABASE_URL`` when set: an external PostgreSQL (>= 16 with pgvector) replaces the embedded one."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or None


def artifact_dir() -> Path:
    """Folder of exported datasets and re-ranker boosters: ``$WORKBENCH_ARTIFACT_DIR`` or ``artifacts/`` beside
    the data dir. A plain folder serves one machine; an object-store path is a documented follow-up."""
    raw = os.environ.get("WORKBENCH_ARTIFACT_DIR", "").strip()
    return Path(raw).resolve() if raw else data_dir().parent / "artifacts"


def import_folders() -> list[Path]:
    """Server-side folders whose files may be loaded by path from the UI (``$WORKBENCH_IMPORT_DIRS``, ':'-separated)."""
    raw = os.environ.get("WORKBENCH_IMPORT_DIRS", "")
    folders = [Path(p).resolve() for p in raw.split(os.pathsep) if p.strip()]
    return folders or [data_dir().parent / "imports"]


DEFAULT_OUTBOUND_HOSTS = ("rest.uniprot.org", "www.ebi.ac.uk")


def outbound_hosts() -> list[str]:
    """Hosts the workers may fetch from (``$WORKBENCH_OUTBOUND_HOSTS``, ','-separated ``host`` or ``host:port``).

    Default: UniProt REST and EBI (QuickGO). A ``base_url`` naming any other host is refused.
    """
    raw = os.environ.get("WORKBENCH_OUTBOUND_HOSTS")
    if raw is None:
        return list(DEFAULT_OUTBOUND_HOSTS)
    return [h.strip().lower() for h in raw.split(",") if h.strip()]


def local_user() -> str:
    """The single local user of an install without OIDC (``$WORKBENCH_USER``, default ``local``)."""
    return os.environ.get("WORKBENCH_USER", "local")


def local_role() -> str:
    """The local user's role (``$WORKBENCH_ROLE``); a single-user install defaults to ``lead``."""
    return os.environ.get("WORKBENCH_ROLE", "lead")


def worker_heartbeat_seconds() -> float:
    """How often a worker proves it is alive (``$WORKBENCH_HEARTBEAT_SECONDS``, default 10)."""
    return float(os.environ.get("WORKBENCH_HEARTBEAT_SECONDS", "10"))


def stalled_worker_seconds() -> float:
    """After how long without a heartbeat a worker counts as dead (``$WORKBENCH_STALLED_SECONDS``, default 30)."""
    return float(os.environ.get("WORKBENCH_STALLED_SECONDS", "30"))


def load_parsers() -> int:
    """Parser processes per VCF load (``$WORKBENCH_LOAD_PARSERS``, default 2; at least 1; not a number: 2)."""
    try:
        return max(1, int(os.environ.get("WORKBENCH_LOAD_PARSERS", "2")))
    except ValueError:
        return 2


def fast_convert() -> bool:
    """Whether VCF parsers may use the compiled record converter (``$WORKBENCH_FAST_CONVERT``; ``0`` switches
    it off, default on)."""
    return os.environ.get("WORKBENCH_FAST_CONVERT", "1") != "0"


def worker_reconnect_seconds() -> float:
    """How long a worker whose database went away keeps trying to reconnect before it exits
    (``$WORKBENCH_WORKER_RECONNECT_SECONDS``, default 120); ``workbench serve`` then starts a new one."""
    return float(os.environ.get("WORKBENCH_WORKER_RECONNECT_SECONDS", "120"))


def trusted_proxies() -> str:
    """Addresses of reverse proxies whose ``X-Forwarded-For`` may name the client (``$WORKBENCH_TRUSTED_PROXIES``,
    ``,``-separated; default none: the client address is always the connection's own)."""
    return os.environ.get("WORKBENCH_TRUSTED_PROXIES", "").strip()


def log_file() -> Path:
    """Where unexpected errors are logged with their traceback (``$WORKBENCH_LOG_FILE``, default
    ``logs/workbench.log`` beside the data folder)."""
    raw = os.environ.get("WORKBENCH_LOG_FILE", "").strip()
    return Path(raw).expanduser().resolve() if raw else data_dir().parent / "logs" / "workbench.log"


def hf_hub_cache() -> Path:
    """Where Hugging Face keeps downloaded weights: ``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
    ``~/.cache/huggingface/hub`` (the hub library's own rule; read here so the backends list can say whether a
    model's weights are present)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(home) / "hub"


def hf_hub_offline() -> bool:
    """``$HF_HUB_OFFLINE`` set (not empty, not 0): weights that are not cached cannot be had."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip() not in ("", "0")
