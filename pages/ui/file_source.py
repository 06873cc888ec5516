"""A file chooser for loads: a server path inside the import folders, or an uploaded file.

Owns the session-state keys prefixed with its ``key``. ``chosen_file`` returns the server path to give a
job (an upload is saved under the first import folder), or None when nothing was chosen; refusals
(outside the import folders, missing file) raise domain errors for ``shown_errors``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.ui.queued import show_queued
from services import config
from services.auth.identity import Identity
from services.db.engine import session_scope
from services.input_files import resolve_input_path, save_upload
from services.jobs import service as jobs


def file_inputs(key: str, label: str, types: list[str] | None = None):
    folders = ", ".join(str(f) for f in config.import_folders())
    upload = st.file_uploader(f"Upload a {label}", type=types, key=f"{key}_upload")
    path = st.text_input(f"…or a {label} path on the server (inside {folders})", key=f"{key}_path")
    return upload, path


def chosen_file(upload, path: str, identity: Identity) -> tuple[Path, str] | None:
    """(server path, display name) for the job, or None when neither was given. The page refuses a path
    outside the import folders at once; the worker checks it again (``resolve_input_path``)."""
    if upload is not None:
        return save_upload(upload.name, upload.getvalue(), identity), upload.name
    if path and path.strip():
        resolved = resolve_input_path(path, "file", confined=True)
        return resolved, resolved.name
    return None


def submit_file_job(
    upload, path: str, operation: str, identity: Identity, extra: dict | None = None, *, with_name: bool = True
) -> None:
    """Queue ``operation`` on the chosen file (payload ``path``, ``source_name`` unless ``with_name`` is
    False, plus ``extra``) and show it queued; a warning when no file was chosen. Call inside ``shown_errors``."""
    chosen = chosen_file(upload, path, identity)
    if chosen is None:
        st.warning("Choose a file to load.")
        return
    payload = {"path": str(chosen[0]), **({"source_name": chosen[1]} if with_name else {}), **(extra or {})}
    with session_scope() as session:
        job = jobs.submit(session, operation, payload, identity)
    show_queued(job)
