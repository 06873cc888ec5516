"""Fixtures shared by the prediction tests."""

from __future__ import annotations

import pytest

from services.db.engine import session_scope
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.embeddings.configs import add_config
from tests.support.prediction_seed import CURATOR, Seeded, seed_catalog


@pytest.fixture
def catalog(db_url, tmp_path) -> Seeded:
    """The seeded catalog with every protein embedded under the weight-free config ``comp`` (composition)."""
    seeded = seed_catalog(tmp_path)
    with session_scope() as s:
        add_config(s, CURATOR, "comp", "composition")
    compute_embeddings("comp", EmbedTarget(annotation_set_id=seeded.annotation_set_id), CURATOR)
    return seeded
