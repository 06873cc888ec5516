"""Tiny random models built once per test session (torch is part of the ``models`` extra CI installs)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_esm(tmp_path_factory) -> str:
    pytest.importorskip("torch")
    from tests.support.tiny_models import build_esm

    return str(build_esm(tmp_path_factory.mktemp("models") / "esm2_tiny"))


@pytest.fixture(scope="session")
def tiny_t5_dir(tmp_path_factory):
    pytest.importorskip("torch")

    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_prott5(tiny_t5_dir) -> str:
    from tests.support.tiny_models import build_t5

    return str(build_t5(tiny_t5_dir / "prot_t5_tiny"))


@pytest.fixture(scope="session")
def tiny_prostt5(tiny_t5_dir) -> str:
    from tests.support.tiny_models import build_t5

    return str(build_t5(tiny_t5_dir / "ProstT5_tiny"))
