"""The root of every domain error: one clear sentence for the page, the CLI and the job's events."""

from __future__ import annotations


class WorkbenchError(Exception):
    """A user-facing failure. ``code`` is stable (for job rows and ``--json``); ``str()`` is the sentence."""

    code = "error"


class PermissionDenied(WorkbenchError):
    code = "permission_denied"


class NotFound(WorkbenchError):
    code = "not_found"


class InvalidInput(WorkbenchError):
    code = "invalid_input"


class InputFileError(InvalidInput):
    """A malformed input file: names the file, the line (when known) and the reason."""

    code = "bad_input_file"

    def __init__(self, path: str, line: int | None, reason: str):
        self.path, self.line, self.reason = str(path), line, reason
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {reason}")
