"""The layers hold: ``lint-imports`` keeps every contract of ``[tool.importlinter]`` in pyproject.toml.

Run as a test so a new import that breaks a layer (a domain importing another undeclared, the foundation
importing a domain, services importing Streamlit) fails the suite with the chain that breaks it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's packages, not an installed copy
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
