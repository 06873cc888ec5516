"""No traceback, ever: every bad input and fault of issue 12 ends in one sentence naming the file and line (or the
argument), a non-zero exit code, no ``Traceback`` on the terminal, and no row written anywhere.

The bad-input corpus is generated here in ``tmp_path`` (small files, no shared data).
"""

from __future__ import annotations

import gzip
import random
import threading
from urllib.parse import urlsplit

import psycopg
import pytest

from services.variants import loader
from tests.hardening.conftest import DATA, without_audit
from tests.support.go_annotation_fixtures import gaf_line, seed_catalog
from tests.support.ontology_fixtures import MINI_GO

VCF_HEAD = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=248956422>\n"
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)
FIRST = 6  # the line number of the first data line after VCF_HEAD
GOOD_LINE = "chr1\t1000\t.\tA\tG\t50\tPASS\tDP=3\tGT\t0/1\n"


def _vcf(tmp_path, name: str, bad_line: str) -> str:
    path = tmp_path / name
    path.write_bytes((VCF_HEAD + GOOD_LINE + GOOD_LINE.replace("1000", "1001")).encode() + bad_line.encode())
    return str(path)


def _truncated_gzip(path, text: str) -> str:
    data = gzip.compress(text.encode())
    path.write_bytes(data[: len(data) // 2])
    return str(path)


def _random_fasta(entries: int) -> str:
    rng = random.Random(7)
    out = []
    for i in range(entries):
        seq = "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(120))
        out.append(f">sp|P{i:05d}|T{i}_TEST Protein {i} OS=Testus OX=9999 PE=1 SV=1\n{seq}\n")
    return "".join(out)


# -- truncated gzip: FASTA, OBO, GAF --------------------------------------------------------------------


def test_truncated_gzip_fasta(cli, table_counts, tmp_path) -> None:
    path = _truncated_gzip(tmp_path / "ref.fasta.gz", _random_fasta(300))
    before = table_counts()
    result = cli("load-fasta", path)
    line = result.one_error_line()
    assert result.code == 1
    assert path in line and ", line " in line and "truncated or corrupt" in line
    assert table_counts() == before


def test_truncated_gzip_obo(cli, table_counts, tmp_path) -> None:
    text = MINI_GO + "".join(
        f"\n[Term]\nid: GO:{9000000 + i:07d}\nname: term {i} {random.Random(i).random()}\n"
        f"namespace: biological_process\nis_a: GO:0000001\n"
        for i in range(400)
    )
    path = _truncated_gzip(tmp_path / "go.obo.gz", text)
    before = table_counts()
    result = cli("load-obo", path)
    line = result.one_error_line()
    assert result.code == 1
    assert path in line and "truncated or corrupt" in line
    assert table_counts() == before


def test_truncated_gzip_gaf(cli, table_counts, tmp_path) -> None:
    snapshot = seed_catalog(tmp_path)
    rng = random.Random(3)
    body = "".join(gaf_line("P12345", "GO:0000011", reference=f"PMID:{rng.randint(1, 10**9)}") for _ in range(400))
    path = _truncated_gzip(tmp_path / "goa.gaf.gz", "!gaf-version: 2.2\n" + body)
    before = table_counts()
    result = cli("load-gaf", path, "--ontology", snapshot, "--source", "goa", "--version", "v1")
    line = result.one_error_line()
    assert result.code == 1
    assert path in line and ", line " in line and "truncated or corrupt" in line
    assert table_counts() == before


# -- VCF loads ------------------------------------------------------------------------------------------


def test_missing_sample_map(cli, table_counts, tmp_path) -> None:
    vcf = _vcf(tmp_path, "ok.vcf", "")
    missing = tmp_path / "no" / "such.ped"
    before = table_counts()
    result = cli("load-vcf", vcf, "--sample-map", missing)
    line = result.one_error_line()
    assert result.code == 1
    assert str(missing) in line and "no such file" in line  # the file named (sec: one resolver, one wording)
    assert table_counts() == before


@pytest.mark.parametrize(
    ("name", "bad", "reason"),
    [
        ("nul.vcf", "chr1\t1002\t.\tA\tG\t50\tPASS\tDP=3\x00\tGT\t0/1\n", "NUL byte"),
        ("huge_pos.vcf", "chr1\t100000000000000000000000\t.\tA\tG\t50\tPASS\tDP=3\tGT\t0/1\n", "beyond the end"),
    ],
)
def test_vcf_line_errors(cli, table_counts, tmp_path, name, bad, reason) -> None:
    vcf = _vcf(tmp_path, name, bad)
    before = table_counts()
    result = cli("load-vcf", vcf)
    assert "Traceback" not in result.text
    assert result.code == 1
    assert f"{vcf}, line {FIRST + 2}" in result.out and reason in result.out
    assert without_audit(table_counts()) == without_audit(before)


# -- ClinVar releases -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("1\t5000\t1009\tA\tG\t.\t.\tALLELEID=99999999999999999999;CLNSIG=Benign\n", "beyond a 64-bit integer"),
        ("1\t5000\t1009\tA\tG\t.\t.\tALLELEID=16;CLNDN=Dis\x00ease;CLNSIG=Benign\n", "NUL byte"),
        ("1\t-7\t1009\tA\tG\t.\t.\tALLELEID=16;CLNSIG=Benign\n", "POS -7 is not a position"),
    ],
)
def test_clinvar_record_errors(cli, table_counts, tmp_path, bad, reason) -> None:
    path = tmp_path / "clinvar_bad.vcf"
    text = (DATA / "clinvar_20261103.vcf").read_text()
    path.write_bytes(text.encode() + bad.encode())
    bad_line = text.count("\n") + 1
    before = table_counts()
    result = cli("source", "add", "clinvar", path, "--kind", "clinvar", "--version", "2026-11-03")
    line = result.one_error_line()
    assert result.code == 1
    assert f"{path}, line {bad_line}" in line and reason in line
    assert table_counts() == before


# -- jobs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (("jobs", "submit", "maintenance.analyze", "--payload", "{not json"), 2, "argument --payload: not valid JSON"),
        (("jobs", "submit", "maintenance.analyze", "--payload", "[1]"), 2, "argument --payload: must be a JSON object"),
        (("jobs", "submit", "banana.split"), 1, "unknown operation 'banana.split'"),
        (("jobs", "show", "not-a-uuid"), 2, "argument job_id: 'not-a-uuid' is not a job id"),
        (("jobs", "cancel", "42"), 2, "argument job_id: '42' is not a job id"),
        (("jobs", "list", "--limit", "-1"), 2, "argument --limit: -1 must be at least 1"),
        (("jobs", "list", "--limit", "ten"), 2, "argument --limit: 'ten' is not a whole number"),
    ],
)
def test_jobs_arguments(cli, table_counts, args, code, expected) -> None:
    before = table_counts()
    result = cli(*args)
    line = result.one_error_line()
    assert result.code == code
    assert expected in line
    assert table_counts() == before


def test_jobs_arguments_in_a_real_process(cli_process) -> None:
    result = cli_process("jobs", "show", "not-a-uuid")
    assert result.code == 2 and "Traceback" not in result.text
    assert "argument job_id: 'not-a-uuid' is not a job id" in result.err


# -- concurrent source adds -----------------------------------------------------------------------------


def _add_clinvar_concurrently(db_url, tmp_path, versions: list[str]) -> list[tuple[str, object]]:
    from services.annotations.sources import add_source
    from tests.support.vcf_files import CURATOR

    path = DATA / "clinvar_20261103.vcf"
    start = threading.Barrier(len(versions))
    outcomes: list[tuple[str, object]] = []

    def add(version: str) -> None:
        start.wait()
        try:
            outcomes.append(("ok", add_source(path, CURATOR, name="clinvar", kind="clinvar", version=version)))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes.append(("error", exc))

    threads = [threading.Thread(target=add, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_two_adds_of_the_same_release_at_once(db_url, tmp_path, table_counts) -> None:
    from services.errors import InvalidInput

    outcomes = _add_clinvar_concurrently(db_url, tmp_path, ["2026-11-03", "2026-11-03"])
    kinds = sorted(k for k, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    loser = next(v for k, v in outcomes if k == "error")
    assert isinstance(loser, InvalidInput) and str(loser) == "clinvar 2026-11-03 (GRCh38) is already loaded"
    assert table_counts()["annotation_sources"] == 1


def test_two_releases_of_a_new_source_at_once(db_url, tmp_path, table_counts) -> None:
    outcomes = _add_clinvar_concurrently(db_url, tmp_path, ["2026-11-03", "2026-12-01"])
    assert sorted(k for k, _ in outcomes) == ["ok", "ok"], outcomes  # serialised: no race on the new table
    assert table_counts()["annotation_sources"] == 2


def test_concurrent_adds_from_the_command_line(cli_process, table_counts) -> None:
    """Two real ``workbench source add`` processes of one release: one loads it, the other answers in one line."""
    args = ["source", "add", "clinvar", str(DATA / "clinvar_20261103.vcf"), "--kind", "clinvar", "--version", "v1"]
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(cli_process(*args))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert sorted(r.code for r in results) == [0, 1], [r.text for r in results]
    loser = next(r for r in results if r.code == 1)
    assert loser.one_error_line() == "error: clinvar v1 (GRCh38) is already loaded"
    assert table_counts()["annotation_sources"] == 1


# -- the database goes away during a load ---------------------------------------------------------------


def test_database_gone_during_a_load(cli, db_url, server_url, table_counts, tmp_path, monkeypatch) -> None:
    """Like ``workbench db stop`` during a load: the load's connection is cut and no new one is accepted; the
    command still ends in one line (before: a psycopg traceback from inside ``_mark_failed``)."""
    vcf = _vcf(tmp_path, "ok.vcf", "".join(GOOD_LINE.replace("1000", str(2000 + i)) for i in range(50)))
    before = table_counts()
    name = urlsplit(db_url).path.lstrip("/")
    real = loader.ProgressReporter

    class CutOff(real):
        def set(self, current):  # the first block has been copied: take the database away
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    (name,),
                )
            return super().set(current)

    monkeypatch.setattr(loader, "ProgressReporter", CutOff)
    try:
        result = cli("load-vcf", vcf)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert "Traceback" not in result.text
    assert result.code == 1
    lines = [line for line in result.text.splitlines() if line.strip()]
    assert len(lines) == 1 and "the database connection was lost" in lines[0], result.text
    assert without_audit(table_counts()) == without_audit(before)


def test_database_unreachable(cli_process, tmp_path) -> None:
    result = cli_process("jobs", "list", env={"DATABASE_URL": f"postgresql://nobody@/none?host={tmp_path}"})
    line = result.one_error_line()
    assert result.code == 1
    assert line.startswith("error: the database is not reachable: ")


# -- anything unexpected --------------------------------------------------------------------------------


def test_unexpected_error_is_one_line_and_a_log_entry(cli, tmp_path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(loader, "load_vcf", boom)
    result = cli("load-vcf", _vcf(tmp_path, "ok.vcf", ""))
    line = result.one_error_line()
    log = tmp_path / "logs" / "workbench.log"
    assert result.code == 1
    assert line == f"error: unexpected RuntimeError: boom (details in {log})"
    logged = log.read_text()
    assert "workbench load-vcf: unexpected RuntimeError: boom" in logged and "Traceback" in logged


def test_app_renders_an_unexpected_error_as_one_line(app, tmp_path, monkeypatch) -> None:
    """The app's boundary (pages/ui/errors.py around the router's run()): an error in a page is one sentence."""
    from services import overview

    monkeypatch.setenv("WORKBENCH_LOG_FILE", str(tmp_path / "app.log"))

    def boom(*args, **kwargs):
        raise RuntimeError("the overview broke")

    monkeypatch.setattr(overview, "holdings", boom)
    at = app("pages/home.py")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [f"unexpected RuntimeError: the overview broke (details in {tmp_path / 'app.log'})"]
    assert "Traceback" in (tmp_path / "app.log").read_text()
