"""Bad input: each case gives a clear error (or the documented behaviour), nothing partial is visible, and
earlier loads stay intact. Also: duplicate content is skipped, --force replaces atomically, --json output."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from services.cli import main
from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR, DATA

GOOD = DATA / "vep_cases.vcf"


@pytest.fixture
def loaded(db_url, rows):
    """The VEP fixture loaded once (an earlier load that must survive every failure)."""
    result = load_vcf(GOOD, CURATOR)
    assert result.status == "completed"
    return result


def _state(rows):
    return (
        rows("SELECT count(*) AS n FROM variants"),
        rows("SELECT count(*) AS n FROM alleles"),
        rows("SELECT count(*) AS n FROM samples"),
    )


def _header_and(lines: list[str]) -> str:
    header = [line for line in GOOD.read_text().splitlines(keepends=True) if line.startswith("#")]
    return "".join(header) + "".join(lines)


def _body(n: int) -> list[str]:
    return [line for line in GOOD.read_text().splitlines(keepends=True) if not line.startswith("#")][:n]


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        ("no_header.vcf", "1\t100\t.\tA\tG\t.\tPASS\t.\n", 1, "not a VCF file"),
        ("no_chrom_line.vcf", "##fileformat=VCFv4.2\n1\t100\t.\tA\tG\t.\tPASS\t.\n", 2, "missing #CHROM"),
        ("bad_pos.vcf", None, 20, "POS 'x12' is not a number"),
        ("short_line.vcf", None, 20, "expected at least 8 tab-separated columns"),
        ("bad_gq.vcf", None, 20, "GQ value 'high' is not an integer"),
    ],
)
def test_malformed_files_fail_cleanly(loaded, rows, tmp_path, name, content, line, reason) -> None:
    before = _state(rows)
    if content is None:  # 17 header lines, two good records, then the bad one on line 20
        bad = {
            "bad_pos.vcf": "1\tx12\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t0/1\n",
            "short_line.vcf": "1\t12\t.\tA\n",
            "bad_gq.vcf": "1\t12\t.\tA\tG\t.\tPASS\t.\tGT:GQ\t0/1:high\t0/1:3\n",
        }[name]
        content = _header_and(_body(2) + [bad])
    path = tmp_path / name
    path.write_text(content)
    result = load_vcf(path, CURATOR)
    assert result.status == "failed"
    assert f"line {line}" in result.error and reason in result.error
    assert _state(rows) == before  # nothing of the failed file is visible, the earlier load is intact
    audit = rows(
        "SELECT status, error_message, error_line FROM variant_load_audit WHERE load_batch_id = %s",
        result.load_batch_id,
    )
    assert audit == [{"status": "failed", "error_message": result.error, "error_line": line}]


def test_truncated_gzip_fails_without_partial_rows(loaded, rows, tmp_path) -> None:
    body = _body(13) * 400  # enough data that the cut lands after some rows were parsed
    data = gzip.compress(_header_and(body).encode())
    path = tmp_path / "truncated.vcf.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    before = _state(rows)
    result = load_vcf(path, CURATOR)
    assert result.status == "failed" and "truncated or corrupt" in result.error
    assert _state(rows) == before


def test_ref_that_disagrees_with_the_fasta_is_reported(db_url, rows, tmp_path) -> None:
    fasta = tmp_path / "ref.fa"
    seq = "N" * 99 + "C" + "GCACACATTG" * 10  # position 100 is C
    fasta.write_text(">chr1\n" + "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)) + "\n")
    vcf = tmp_path / "mismatch.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t100\t.\tA\tG\t.\tPASS\t.\n")
    result = load_vcf(vcf, CURATOR, reference_fasta=str(fasta))
    assert result.status == "failed"
    assert "line 3" in result.error and "REF A at 1:100 disagrees with the reference FASTA (C)" in result.error
    assert rows("SELECT count(*) AS n FROM variants") == [{"n": 0}]


def test_left_alignment_with_fasta(db_url, rows, tmp_path) -> None:
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\nGCACACATTG\n")
    vcf = tmp_path / "indel.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t5\t.\tACA\tA\t.\tPASS\t.\n"
    )
    result = load_vcf(vcf, CURATOR, reference_fasta=str(fasta))
    assert result.status == "completed", result.error
    got = rows("SELECT pos, ref, alt, info FROM variants")
    assert got == [{"pos": 1, "ref": "GCA", "alt": "G", "info": {"_orig": {"pos": 5, "ref": "ACA", "alt": "A"}}}]


def test_same_content_is_skipped_and_force_replaces_atomically(loaded, rows, tmp_path) -> None:
    copy = tmp_path / "same_content.vcf"
    shutil.copy(GOOD, copy)
    again = load_vcf(copy, CURATOR)
    assert (again.status, again.previous_load_id) == ("skipped_duplicate", loaded.load_batch_id)
    assert rows("SELECT count(*) AS n FROM variants") == [{"n": 16}]

    forced = load_vcf(copy, CURATOR, force=True)
    assert forced.status == "completed" and forced.variants_loaded == 16
    assert rows("SELECT load_batch_id::text AS b, count(*) AS n FROM variants GROUP BY 1") == [
        {"b": forced.load_batch_id, "n": 16}
    ]
    audits = {
        r["load_batch_id"]: r
        for r in rows("SELECT load_batch_id::text, status, is_reload, previous_load_id::text FROM variant_load_audit")
    }
    assert audits[loaded.load_batch_id]["status"] == "replaced"
    assert audits[again.load_batch_id]["status"] == "skipped_duplicate"
    assert (audits[forced.load_batch_id]["is_reload"], audits[forced.load_batch_id]["previous_load_id"]) == (
        True,
        loaded.load_batch_id,
    )


def test_failed_forced_reload_keeps_the_old_load(loaded, rows) -> None:
    # The parser fails (its reference FASTA is missing) after the old batch was deleted in the transaction.
    result = load_vcf(GOOD, CURATOR, force=True, reference_fasta="/nonexistent/ref.fa")
    assert result.status == "failed"
    assert rows("SELECT load_batch_id::text AS b, count(*) AS n FROM variants GROUP BY 1") == [
        {"b": loaded.load_batch_id, "n": 16}
    ]
    assert rows("SELECT status FROM variant_load_audit WHERE load_batch_id = %s", loaded.load_batch_id) == [
        {"status": "completed"}
    ]


def test_cli_json_and_exit_codes(db_url, capsys, tmp_path) -> None:
    assert main(["load-vcf", str(GOOD), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "load_batch_id",
        "status",
        "records",
        "variants_loaded",
        "variants_skipped",
        "skip_reasons",
        "samples",
        "seconds",
        "error",
        "warnings",
    }
    assert (out["status"], out["records"], out["variants_loaded"], out["samples"]) == ("completed", 13, 16, 2)
    assert main(["load-vcf", str(GOOD), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "skipped_duplicate"
    bad = tmp_path / "bad.vcf"
    bad.write_text("garbage\n")
    assert main(["load-vcf", str(bad), "--json"]) == 1
    failed = json.loads(capsys.readouterr().out)
    assert failed["status"] == "failed" and "not a VCF file" in failed["error"]


def test_cancelled_load_leaves_nothing_and_says_so(db_url, rows) -> None:
    from services.jobs.errors import JobCancelled
    from services.jobs.progress import ProgressReporter

    class CancelledAtOnce(ProgressReporter):
        def check_cancelled(self) -> None:
            raise JobCancelled("cancelled at the user's request")

    with pytest.raises(JobCancelled):
        load_vcf(GOOD, CURATOR, progress=CancelledAtOnce(None))
    assert rows("SELECT count(*) AS n FROM variants") == [{"n": 0}]
    assert rows("SELECT status, error_message FROM variant_load_audit") == [
        {"status": "failed", "error_message": "cancelled at the user's request"}
    ]
