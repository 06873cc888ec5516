"""Suspicious records: refused (naming the file and line, or the argument) or, where the user explicitly allows
them, loaded and counted as warnings — never silently stored. README: "What happens with bad input".

The corpus is generated here (small files in ``tmp_path``). Each refusal asserts the exit code, one sentence
with the file and line (or the argument), no traceback, and that no table gained a row (the load audit's one
``failed`` row per attempt aside).
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from services.alleles.vcf_header import VcfFormatError, open_text, read_header
from services.variants import fastpath
from services.variants.records import RecordConverter, RecordPolicy
from tests.hardening.conftest import DATA, without_audit
from tests.support.ontology_fixtures import MINI_GO

HEAD = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=248956422>\n"
    '##INFO=<ID=END,Number=1,Type=Integer,Description="end">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)
BAD_LINE = 8  # two good records on lines 6 and 7, then the suspicious one
GOOD = "chr1\t1000\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\nchr1\t1001\t.\tC\tT\t50\tPASS\t.\tGT\t1/1\n"


def _vcf(tmp_path, name: str, record: str | bytes, head: str = HEAD) -> str:
    path = tmp_path / name
    body = record if isinstance(record, bytes) else record.encode()
    path.write_bytes((head + GOOD).encode() + body)
    return str(path)


def _refused(result, path: str, line: int | None, reason: str) -> None:
    assert "Traceback" not in result.text
    assert result.code == 1, result.text
    where = f"{path}, line {line}" if line else path
    lines = [x for x in result.text.splitlines() if x.strip()]
    assert len(lines) == 1 and where in lines[0] and reason in lines[0], result.text


REFUSED = [
    ("bad_ref.vcf", "chr1\t1002\t.\tAXZ!\tG\t50\tPASS\t.\tGT\t0/1\n", "REF 'AXZ!' is not a DNA sequence"),
    ("bad_alt.vcf", "chr1\t1002\t.\tA\tQ9#\t50\tPASS\t.\tGT\t0/1\n", "ALT 'Q9#' is not a DNA sequence"),
    ("negative_pos.vcf", "chr1\t-7\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n", "POS must be ≥ 0"),
    ("banana.vcf", "banana\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n", "contig 'banana' is neither a GRCh38 contig"),
    ("past_end.vcf", "chr1\t300000000\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n", "POS 300,000,000 is past the end of chr1"),
    ("pos_3e9.vcf", "chr2\t3000000000\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n", "POS 3,000,000,000 is past the end of chr2"),
    ("gt_0_7.vcf", "chr1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/7\n", "GT '0/7' of sample S1 names allele 7"),
    ("gt_text.vcf", "chr1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\tA/B\n", "GT 'A/B' of sample S1 is not a genotype"),
    ("end_before.vcf", "chr1\t1002\t.\tA\t<DEL>\t50\tPASS\tEND=900\tGT\t0/1\n", "INFO END 900 is before POS 1002"),
    (
        "latin1.vcf",
        "chr1\t1002\t.\tA\tG\t50\tPASS\tNOTE=caf\xe9\tGT\t0/1\n".encode("latin-1"),
        "byte 0xe9 is not UTF-8",
    ),
]


@pytest.mark.parametrize(("name", "record", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_suspicious_records_are_refused_naming_the_line(cli, table_counts, tmp_path, name, record, reason) -> None:
    path = _vcf(tmp_path, name, record)
    before = table_counts()
    result = cli("load-vcf", path)
    _refused(result, path, BAD_LINE, reason)
    assert without_audit(table_counts()) == without_audit(before)


@pytest.mark.parametrize("fast", ["1", "0"])
def test_refusals_hold_on_both_converters(cli, table_counts, tmp_path, monkeypatch, fast) -> None:
    """The same file, parsed by the compiled converter (when built) and by the Python one only."""
    monkeypatch.setenv("WORKBENCH_FAST_CONVERT", fast)
    for name, record, reason in REFUSED:
        path = _vcf(tmp_path, f"{fast}_{name}", record)
        before = table_counts()
        _refused(cli("load-vcf", path), path, BAD_LINE, reason)
        assert without_audit(table_counts()) == without_audit(before)


def test_latin1_in_the_header_is_refused(cli, table_counts, tmp_path) -> None:
    head = HEAD.replace("##contig", "##source=caf\xe9\n##contig")
    path = tmp_path / "latin1_header.vcf"
    path.write_bytes((head + GOOD).encode("latin-1"))
    before = table_counts()
    _refused(cli("load-vcf", path), str(path), 2, "byte 0xe9 is not UTF-8")
    assert without_audit(table_counts()) == without_audit(before)


def _audit(db_url, batch_id):
    with psycopg.connect(db_url) as conn:
        return conn.execute(
            "SELECT status, warnings, variants_loaded FROM variant_load_audit WHERE load_batch_id = %s", (batch_id,)
        ).fetchone()


@pytest.mark.parametrize(
    ("flag", "records", "warning"),
    [
        (
            "--allow-unknown-contigs",
            "banana\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\nbanana\t1003\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n",
            {"kind": "unknown_contig", "contig": "banana", "records": 2},
        ),
        (
            "--allow-out-of-range",
            "chr1\t300000000\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n",
            {"kind": "beyond_contig_end", "contig": "chr1", "records": 1},
        ),
    ],
)
def test_allowed_records_are_loaded_and_counted_as_warnings(cli, db_url, tmp_path, flag, records, warning) -> None:
    path = _vcf(tmp_path, "allowed.vcf", records)
    result = cli("load-vcf", path, flag, "--json")
    assert result.code == 0, result.text
    import json

    out = json.loads(result.out)
    assert out["warnings"] == [warning]
    status, warnings, loaded = _audit(db_url, out["load_batch_id"])
    assert (status, warnings, loaded) == ("completed", [warning], 2 + warning["records"])
    plain = cli("load-vcf", path, flag, "--force")
    assert plain.code == 0 and f"warning: {warning['records']} record" in plain.out
    from services.db.engine import session_scope
    from services.variants.browse import list_loads

    with session_scope() as session:
        shown = list_loads(session)["warnings"].tolist()  # the Variants page's loads table, in words
    assert shown[0].startswith(f"{warning['records']} record") and warning["contig"] in shown[0]


@pytest.mark.parametrize("genome", ["banana'; --", "GRCh39", ""])
def test_unknown_genome_builds_are_refused(cli, table_counts, tmp_path, genome) -> None:
    path = _vcf(tmp_path, "ok.vcf", "")
    before = table_counts()
    result = cli("load-vcf", path, "--genome", genome)
    assert "Traceback" not in result.text and result.code == 1
    assert f"error: --genome {genome!r} is not a known genome build" in result.err
    assert table_counts() == before


def test_genome_aliases_are_one_build(cli, db_url, tmp_path) -> None:
    head37 = HEAD.replace("##contig=<ID=chr1,length=248956422>", "##reference=file:///refs/hg19.fa")
    path = _vcf(tmp_path, "hg19.vcf", "", head=head37)
    result = cli("load-vcf", path, "--genome", "hg19", "--json")
    assert result.code == 0, result.text
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT DISTINCT genome_build FROM alleles").fetchall() == [("GRCh37",)]


@pytest.mark.parametrize(
    ("header_line", "genome", "named"),
    [
        ("##reference=file:///refs/human_g1k_v37.fasta", "GRCh38", "GRCh37"),
        ("##contig=<ID=chr1,length=249250621>", "GRCh38", "GRCh37"),
        ("##contig=<ID=chr1,length=248956422,assembly=GRCh38>", "hg19", "GRCh38"),
    ],
)
def test_a_header_that_names_another_build_is_refused_unless_forced(
    cli, db_url, table_counts, tmp_path, header_line, genome, named
) -> None:
    head = HEAD.replace("##contig=<ID=chr1,length=248956422>", header_line)
    path = _vcf(tmp_path, "other_build.vcf", "", head=head)
    before = table_counts()
    result = cli("load-vcf", path, "--genome", genome)
    _refused(result, path, None, f"the header names {named}")
    assert "--force-genome" in result.text
    assert without_audit(table_counts()) == without_audit(before)
    forced = cli("load-vcf", path, "--genome", genome, "--force-genome")
    assert forced.code == 0, forced.text


def test_clinvar_record_at_a_negative_position_is_refused(cli, table_counts, tmp_path) -> None:
    text = (DATA / "clinvar_20261103.vcf").read_text()
    path = tmp_path / "clinvar_neg.vcf"
    path.write_text(text + "1\t-7\t1009\tA\tG\t.\t.\tALLELEID=16;CLNSIG=Benign\n")
    before = table_counts()
    result = cli("source", "add", "clinvar", path, "--kind", "clinvar", "--version", "v1")
    _refused(result, str(path), text.count("\n") + 1, "POS -7 is not a position on a genome")
    assert table_counts() == before


def test_clinvar_invalid_alleles_are_refused(cli, table_counts, tmp_path) -> None:
    text = (DATA / "clinvar_20261103.vcf").read_text()
    path = tmp_path / "clinvar_alt.vcf"
    path.write_text(text + "1\t7000\t1009\tA\tQ9#\t.\t.\tALLELEID=16;CLNSIG=Benign\n")
    before = table_counts()
    result = cli("source", "add", "clinvar", path, "--kind", "clinvar", "--version", "v1", "--genome", "banana")
    assert result.code == 1 and "--genome 'banana' is not a known genome build" in result.err
    result = cli("source", "add", "clinvar", path, "--kind", "clinvar", "--version", "v1")
    _refused(result, str(path), text.count("\n") + 1, "ALT 'Q9#' is not an allele")
    assert table_counts() == before


def test_a_source_release_whose_header_names_another_build_is_refused(cli, table_counts, tmp_path) -> None:
    text = (DATA / "clinvar_20261103.vcf").read_text().replace("##reference=GRCh38", "##reference=GRCh37")
    path = tmp_path / "clinvar_grch37.vcf"
    path.write_text(text)
    before = table_counts()
    result = cli("source", "add", "clinvar", path, "--kind", "clinvar", "--version", "v1")
    _refused(result, str(path), None, "the header names GRCh37 (##reference=GRCh37) but the release is for GRCh38")
    assert table_counts() == before
    assert cli("source", "add", "clinvar", path, "--kind", "clinvar", "--version", "v1", "--force-genome").code == 0


# -- FASTA: a changed sequence is a new version ---------------------------------------------------------

FASTA_V1 = ">sp|P11111|ONE_TEST One OS=Testus OX=9999 PE=1 SV=1\nMKVLAAGIVA\n"
FASTA_V2 = ">sp|P11111|ONE_TEST One OS=Testus OX=9999 PE=1 SV=2\nMKVLAAGIVAW\n"


def test_a_changed_sequence_is_a_new_version_with_a_warning(cli, db_url, tmp_path) -> None:
    (tmp_path / "v1.fasta").write_text(FASTA_V1)
    (tmp_path / "v2.fasta").write_text(FASTA_V2)
    assert cli("load-fasta", tmp_path / "v1.fasta").code == 0
    again = cli("load-fasta", tmp_path / "v1.fasta")
    assert again.code == 0 and "warning" not in again.out  # same sequence: nothing to say
    result = cli("load-fasta", tmp_path / "v2.fasta")
    assert result.code == 0
    assert "warning: P11111: the sequence changed; it is now version 2 and the previous one is kept as version 1" in (
        result.out
    )
    with psycopg.connect(db_url) as conn:
        versions = conn.execute(
            "SELECT v.version, s.sequence, v.uniprot_sequence_version, v.replaced_at IS NULL "
            "FROM protein_sequence_version v JOIN sequence s ON s.id = v.sequence_id "
            "WHERE v.accession = 'P11111' ORDER BY v.version"
        ).fetchall()
        current = conn.execute(
            "SELECT s.sequence FROM protein p JOIN sequence s ON s.id = p.sequence_id WHERE p.accession = 'P11111'"
        ).fetchone()
    assert versions == [(1, "MKVLAAGIVA", 1, False), (2, "MKVLAAGIVAW", 2, True)]
    assert current == ("MKVLAAGIVAW",)


def test_one_live_sequence_version_per_accession_is_guarded_by_the_schema(cli, db_url, tmp_path) -> None:
    (tmp_path / "v1.fasta").write_text(FASTA_V1)
    assert cli("load-fasta", tmp_path / "v1.fasta").code == 0
    with psycopg.connect(db_url) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO protein_sequence_version (accession, version, sequence_id) "
            "SELECT accession, 2, sequence_id FROM protein WHERE accession = 'P11111'"
        )


# -- OBO: cycles and unknown namespaces -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "edit", "term", "reason"),
    [
        (
            "cycle.obo",
            lambda t: t.replace(
                "id: GO:0000001\nname: biological_process\n", "id: GO:0000001\nname: bp\nis_a: GO:0000011\n"
            ),
            "GO:0000001",
            "is_a/part_of cycle: GO:0000001 → GO:0000011 → GO:0000010 → GO:0000001",
        ),
        (
            "namespace.obo",
            lambda t: t.replace("name: binding\nnamespace: molecular_function", "name: binding\nnamespace: banana"),
            "GO:0000031",
            "term GO:0000031 has namespace 'banana'",
        ),
    ],
)
def test_obo_cycles_and_unknown_namespaces_are_refused(cli, table_counts, tmp_path, name, edit, term, reason) -> None:
    text = edit(MINI_GO)
    assert text != MINI_GO
    path = tmp_path / name
    path.write_text(text)
    id_line = text.splitlines().index(f"id: {term}") + 1
    before = table_counts()
    result = cli("load-obo", path)
    _refused(result, str(path), id_line, reason)
    assert table_counts() == before


# -- the compiled converter hands every suspicious line to Python -----------------------------------------


def _converters(tmp_path, policy):
    path = tmp_path / "h.vcf"
    path.write_text(HEAD)
    with open_text(str(path)) as stream:
        header, _ = read_header(str(path), stream)
    make = lambda: RecordConverter(str(path), header, "GRCh38", uuid.UUID(int=1), [7], policy=policy)  # noqa: E731
    return str(path), header, make(), make()


def _outcome(call):
    rows, alleles = bytearray(), bytearray()
    try:
        call(rows, alleles)
    except VcfFormatError as exc:
        return bytes(rows), bytes(alleles), (exc.line, exc.reason)
    return bytes(rows), bytes(alleles), None


SUSPICIOUS_LINES = [
    "banana\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",
    "chr1\t300000000\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",
    f"chr1\t{(1 << 40) + 1}\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",
    "chrUn_KI270302v1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",
    "chr1\t1002\t.\tA\tG\t50\tPASS\tEND=900\tGT\t0/1",
    "chr1\t1002\t.\tA\tG\t50\tPASS\tEND=+900\tGT\t0/1",
    "chr1\t1002\t.\tA\tG\t50\tPASS\tEND=1002\tGT\t0/1",
    "chr1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/2",
    "chr1\t1002\t.\tA\tG,T\t50\tPASS\t.\tGT\t0/2",
    "chr1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t00/1",
    "chr1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t./.",
    "chr1\t1002\t.\tA\tG\t50\tPASS\t.\tGT\t0/\x00",
    "chr1\t1002\t.\tAXZ!\tG\t50\tPASS\t.\tGT\t0/1",
    "chr1\t1002\t.\tM\tG\t50\tPASS\t.\tGT\t0/1",
]


@pytest.mark.skipif(not fastpath.available(), reason="the compiled converter is not built")
@pytest.mark.parametrize("allow", [False, True])
def test_compiled_and_python_converters_agree_on_suspicious_lines(tmp_path, allow) -> None:
    policy = RecordPolicy(allow_unknown_contigs=allow, allow_out_of_range=allow)
    _, _, slow, fast = _converters(tmp_path, policy)
    kept = 0
    for n, line in enumerate(SUSPICIOUS_LINES, start=10):
        expected = _outcome(lambda r, a, line=line, n=n: slow.convert(line, n, r, a))
        handed: list[int] = []
        got = _outcome(
            lambda r, a, line=line, n=n, handed=handed: handed.append(
                fastpath.convert_block(fast, line.encode(), n, r, a)
            )
        )
        assert got == expected, line
        kept += handed == [0]
        assert dict(fast.stats.warnings) == dict(slow.stats.warnings), line
    assert kept == 3  # only chrUn_… (known, no length), END=1002 and 0/2 with two ALTs stay in C
    if allow:
        assert dict(slow.stats.warnings) == {("unknown_contig", "banana"): 1, ("beyond_contig_end", "chr1"): 1}


@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_latin1_line_inside_a_block_is_named(tmp_path, monkeypatch, fast) -> None:
    monkeypatch.setenv("WORKBENCH_FAST_CONVERT", fast)
    _, _, conv, _ = _converters(tmp_path, None)
    block = GOOD.encode() + "chr1\t1002\t.\tA\tG\t50\tPASS\tX=\xe9\tGT\t0/1\n".encode("latin-1") + GOOD.encode()
    rows = bytearray()
    with pytest.raises(VcfFormatError) as err:
        fastpath.convert_block(conv, block, 20, rows, bytearray())
    assert err.value.line == 22 and "byte 0xe9 is not UTF-8" in err.value.reason
    assert conv.stats.records == 2  # the lines before it were converted, in order
