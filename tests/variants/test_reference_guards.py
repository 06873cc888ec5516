"""Variants name their sample and load without per-row foreign keys; the parents refuse to go away or be
re-keyed while variants name them (revision 0006), as a foreign key would."""

from __future__ import annotations

import psycopg
import pytest

from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR, DATA


@pytest.fixture
def loaded(db_url):
    result = load_vcf(DATA / "vep_cases.vcf", CURATOR)
    assert result.status == "completed", result.error
    return result


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM samples WHERE id = (SELECT min(sample_id) FROM variants)",
        "UPDATE samples SET id = id + 1000 WHERE id = (SELECT min(sample_id) FROM variants)",
        "DELETE FROM variant_load_audit WHERE load_batch_id = %(batch)s",
        "UPDATE variant_load_audit SET load_batch_id = gen_random_uuid() WHERE load_batch_id = %(batch)s",
    ],
)
def test_referenced_parents_cannot_be_deleted_or_rekeyed(db_url, loaded, statement) -> None:
    with psycopg.connect(db_url) as conn:
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="still referenced by variants"):
            conn.execute(statement, {"batch": loaded.load_batch_id})


def test_unreferenced_parents_and_other_updates_are_free(db_url, loaded) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO samples (external_id) VALUES ('unused')")
        assert conn.execute("DELETE FROM samples WHERE external_id = 'unused'").rowcount == 1
        updated = conn.execute(
            "UPDATE variant_load_audit SET error_message = 'note' WHERE load_batch_id = %s", (loaded.load_batch_id,)
        ).rowcount
        assert updated == 1
        conn.execute("DELETE FROM variants WHERE load_batch_id = %s", (loaded.load_batch_id,))
        assert (
            conn.execute("DELETE FROM variant_load_audit WHERE load_batch_id = %s", (loaded.load_batch_id,)).rowcount
            == 1
        )
