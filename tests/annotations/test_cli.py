"""``workbench refresh`` (JSON and exit codes) and ``workbench allele`` (current under the display setting)."""

from __future__ import annotations

import json

from services.cli import main
from tests.support.annotation_releases import COLUMNS, add_alleles, add_release, record, value

KEYS = {
    "run_id",
    "source",
    "release",
    "genome",
    "health",
    "expected",
    "processed",
    "source_errors",
    "applied",
    "counts",
}


def cli(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("{") else {}


def test_refresh_exit_codes_and_json(conn, capsys) -> None:
    with conn.begin():
        a, b = add_alleles(conn, 2)
        add_release(conn, "clinvar", "r1", {a: record("clinvar", 1), b: record("clinvar", 2)})
        add_release(conn, "clinvar", "r2", {a: record("clinvar", 3)}, record_count=500)
        add_release(conn, "clinvar", "r3", {a: record("clinvar", 3)})
    code, out = cli(capsys, "refresh", "clinvar", "--release", "r1", "--json")
    assert code == 0 and KEYS <= set(out) and out["applied"] is True
    assert out["counts"] == {
        "linked": 2,
        "unchanged": 0,
        "superseded": 0,
        "absent": 0,
        "retired": 0,
        "relinked": 0,
        "held": 0,
    }
    code, out = cli(capsys, "refresh", "clinvar", "--release", "r1", "--json")
    assert code == 4 and out["code"] == "already_applied"
    code, out = cli(capsys, "refresh", "clinvar", "--release", "r2", "--json")  # 50 % fewer records: degraded
    assert code == 3 and out["health"] == "degraded" and out["counts"]["held"] == 2
    code, out = cli(capsys, "refresh", "clinvar", "--release", "r3", "--dry-run", "--json")
    assert code == 0 and out["run_id"] is None and out["counts"]["superseded"] == 1
    assert out["changes"][0]["transition"] in ("superseded", "retired")
    code, out = cli(capsys, "refresh", "clinvar", "--release", "nope", "--json")
    assert code == 1 and out["code"] == "not_found"


def test_errored_refresh_exits_1(conn, capsys) -> None:
    with conn.begin():
        (a,) = add_alleles(conn, 1)
        add_release(conn, "vepx", "r1", {a: {"gene": "X"}}, kind="vep", columns={"gene": "text"})
    code, out = cli(capsys, "refresh", "vepx", "--release", "r1", "--json")
    assert code == 1 and out["health"] == "errored" and "consequence" in out["error"]


def test_allele_json_follows_the_display_setting(conn, capsys) -> None:
    with conn.begin():
        a, b = add_alleles(conn, 2)
        add_release(conn, "gnomad", "v4.0", {a: record("gnomad", 1), b: record("gnomad", 2)})
        add_release(conn, "gnomad", "v4.1", {b: record("gnomad", 2)}, columns=COLUMNS["gnomad"])
    assert cli(capsys, "refresh", "gnomad", "--release", "v4.0")[0] == 0
    assert cli(capsys, "refresh", "gnomad", "--release", "v4.1")[0] == 0
    code, out = cli(capsys, "allele", "1-1000-a-g", "--json")  # contig and case normalised
    assert code == 0 and out["allele"] == "chr1-1000-A-G"
    assert out["current"]["gnomad"] is None
    assert [e["kind"] for e in out["events"]] == ["LINKED", "ABSENT", "RETIRED"]
    assert out["links"][0]["valid_to"] is not None
    assert main(["settings", "set", "retired-link-display", "last-known"]) == 0
    capsys.readouterr()
    code, out = cli(capsys, "allele", str(a), "--json")
    current = out["current"]["gnomad"]
    assert current["retired"] is True and current["source_version"] == "v4.0"
    assert current["value"] == value("gnomad", 1) and current["retired_at"] == out["links"][0]["valid_to"]
    first_event = out["events"][0]["at"]
    code, out = cli(capsys, "allele", "chr1-1000-A-G", "--as-of", first_event, "--json")
    assert out["current"]["gnomad"] == {
        "value": value("gnomad", 1),
        "source_version": "v4.0",
        "retired": False,
        "retired_at": None,
    }
    assert [e["kind"] for e in out["events"]] == ["LINKED"]
    assert main(["allele", "chr9-1-A-T"]) == 1
