"""The VCF fixture files (tests/variants/data) and the curator who loads them."""

from __future__ import annotations

from pathlib import Path

from services.auth.identity import Identity, Role

DATA = Path(__file__).resolve().parent.parent / "variants" / "data"
CURATOR = Identity("curator1", Role.CURATOR)
