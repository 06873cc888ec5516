"""``workbench source add``: releases side by side, keys normalised like variants, identifiers validated."""

from __future__ import annotations

import json
import shutil

import pytest

from services.annotations.sources import add_source
from services.auth.identity import Identity, Role
from services.cli import main
from services.errors import InvalidInput, PermissionDenied
from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR, DATA

CLINVAR = DATA / "clinvar_20261103.vcf"


def test_clinvar_keys_meet_variants_and_releases_live_side_by_side(db_url, rows, tmp_path) -> None:
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"
    first = add_source(CLINVAR, CURATOR, name="clinvar", kind="clinvar", version="2026-11-03")
    assert (first.records, first.alleles, first.duplicates) == (5, 4, 1)
    assert first.contigs == ["chr1", "chrM"] and first.table == "anno_clinvar"

    # 1:1000 A>G (ClinVar style) meets chr1:1000 A>G of the loaded VCF through the same allele id; the first
    # record of a repeated allele wins; ACGT>ACTT is trimmed to G>T at 11002 like the loader does.
    joined = rows(
        "SELECT v.chrom, v.pos, v.ref, v.alt, c.record_id, c.clinvar_sig, c.clinvar_allele_id "
        "FROM variants v JOIN anno_clinvar c ON c.allele_id = v.allele_id AND c.release_id = %s "
        "ORDER BY v.chrom, v.pos",
        first.release_id,
    )
    assert [(r["chrom"], r["pos"], r["record_id"], r["clinvar_sig"]) for r in joined] == [
        ("chr1", 1000, "1001", "Pathogenic"),
        ("chr1", 4000, "1002", "Likely_pathogenic"),
        ("chr1", 11002, "1005", "Benign"),
        ("chrM", 100, "1003", "Benign"),
    ]

    second_file = tmp_path / "clinvar_20261201.vcf"
    shutil.copy(CLINVAR, second_file)
    second = add_source(second_file, CURATOR, name="clinvar", kind="clinvar", version="2026-12-01")
    assert second.release_id != first.release_id
    releases = rows(
        "SELECT version, record_count, allele_count, duplicate_count, contigs, table_name "
        "FROM annotation_sources ORDER BY version"
    )
    assert [(r["version"], r["allele_count"], r["table_name"]) for r in releases] == [
        ("2026-11-03", 4, "anno_clinvar"),
        ("2026-12-01", 4, "anno_clinvar"),
    ]
    assert rows("SELECT count(*) AS n FROM anno_clinvar") == [{"n": 8}]

    with pytest.raises(InvalidInput, match="already loaded"):
        add_source(CLINVAR, CURATOR, name="clinvar", kind="clinvar", version="2026-11-03")


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ('x"; DROP TABLE alleles; --', None, "source name"),
        ("custom1", [{"field": "DP", "alias": "dp); DROP TABLE alleles; --", "type": "integer"}], "alias"),
        ("custom1", [{"field": "DP", "alias": "allele_id", "type": "integer"}], "alias"),
        ("custom1", [{"field": "DP", "alias": "dp", "type": "money"}], "type"),
        ("custom1", None, "needs --fields"),
    ],
)
def test_identifiers_are_validated(db_url, rows, name, fields, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        add_source(CLINVAR, CURATOR, name=name, kind="custom", version="1", field_config=fields)
    assert rows("SELECT count(*) AS n FROM annotation_sources") == [{"n": 0}]


def test_custom_fields_and_viewer_refused(db_url, rows) -> None:
    fields = [
        {"field": "ALLELEID", "alias": "aid", "type": "integer"},
        {"field": "CLNVC", "alias": "kind_of"},
    ]
    release = add_source(CLINVAR, CURATOR, name="mine", kind="custom", version="v1", field_config=fields)
    got = rows("SELECT aid, kind_of FROM anno_mine WHERE release_id = %s ORDER BY aid", release.release_id)
    assert got[0] == {"aid": 11, "kind_of": "single_nucleotide_variant"}
    with pytest.raises(PermissionDenied):
        add_source(CLINVAR, Identity("v", Role.VIEWER), name="mine", kind="custom", version="v2", field_config=fields)


def test_cli_source_add_json(db_url, capsys) -> None:
    code = main(["source", "add", "clinvar", str(CLINVAR), "--kind", "clinvar", "--version", "2026-11-03", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "source": "clinvar",
        "version": "2026-11-03",
        "genome": "GRCh38",
        "records": 5,
        "contigs": ["chr1", "chrM"],
        "table": "anno_clinvar",
    }
