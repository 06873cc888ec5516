"""How command handlers print results on the terminal: ``print_json`` for ``--json`` output.

A neutral module below every domain, so a domain's ``commands.py`` never imports ``services.cli`` (which imports
every domain's commands).
"""

from __future__ import annotations

import json
from typing import Any


def print_json(data: Any) -> None:
    """``data`` as indented JSON; values JSON does not know (dates, UUIDs, paths) print as their ``str``."""
    print(json.dumps(data, indent=2, default=str))
