"""A file chooser for loads: a server path inside the import folders, or an uploaded file.

Owns the session-state keys prefixed with its ``key``. ``chosen_file`` returns the server path to give a
job (an upload is saved under the first import folder), or None when nothing was chosen; refusals
(outside the import folders, missing file) raise domain errors for ``shown_errors``.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from pages.ui.queued import show_queued
from services.auth.identity import Identity
from services.db.engine import session_scope
from services.errors import InputFileError
from services.input_files import ensure_import_folders, resolve_input_path, save_upload
from services.jobs import service as jobs


def checked_server_path(raw: str) -> Path:
    """The one place the pages check a server path when a form is submitted: inside the import folders and
    readable; the worker checks it again with the same resolver."""
    path = resolve_input_path(raw, "file", confined=True)
    if not os.access(path, os.R_OK):
        raise InputFileError(str(path), None, "the app cannot read this file (check its permissions)")
    return path


def import_folders_note() -> str:
    """Where server files must lie, for the forms (the folders exist: they are created on first use)."""
    folders = ensure_import_folders()
    return "Server files must lie in an import folder: " + ", ".join(f"`{f}`" for f in folders)


def file_inputs(key: str, label: str, types: list[str] | None = None):
    folders = ", ".join(str(f) for f in ensure_import_folders())
    upload = st.file_uploader(f"Upload a {label}", type=types, key=f"{key}_upload")
    path = st.text_input(f"…or a {label} path on the server (inside {folders})", key=f"{key}_path")
    return upload, path


def chosen_file(upload, path: str, identity: Identity) -> tuple[Path, str] | None:
    """(server path, display name) for the job, or None when neither was given. The page refuses a path
    outside the import folders at once; the worker checks it again (``resolve_input_path``)."""
    if upload is not None:
        return save_upload(upload.name, upload.getvalue(), identity), upload.name
    if path and path.strip():
        resolved = checked_server_path(path)
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
