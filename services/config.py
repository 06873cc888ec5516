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


def trusted_proxies() -> str:
    """Addresses of reverse proxies whose ``X-Forwarded-For`` may name the client (``$WORKBENCH_TRUSTED_PROXIES``,
    ``,``-separated; default none: the client address is always the connection's own)."""
    return os.environ.get("WORKBENCH_TRUSTED_PROXIES", "").strip()
