"""The compiled record converter gives exactly the Python converter's bytes, counts and errors.

Every line is converted twice — by ``RecordConverter.convert`` and by ``fastpath.convert_block`` — and the rows,
the allele rows, the error (if any) and the running counts must be identical. The lines are the test fixtures,
a synthetic VEP file, and many random lines mixing plain and unusual shapes; the tests also check that the
compiled path really converted the common lines itself (it must not pass by handing everything to Python).
"""

from __future__ import annotations

import gzip
import random
import uuid
from pathlib import Path

import orjson
import pytest

from services.alleles.keys import allele_id
from services.alleles.vcf_header import VcfFormatError, open_text, read_header
from services.variants import fastpath
from services.variants.records import RecordConverter
from tests.support.vcf_files import DATA

pytestmark = pytest.mark.skipif(not fastpath.available(), reason="the compiled converter is not built")

HEADER = """##fileformat=VCFv4.2
##INFO=<ID=DP,Number=1,Type=Integer,Description="d">
##INFO=<ID=AF,Number=A,Type=Float,Description="a">
##INFO=<ID=AC,Number=A,Type=Integer,Description="c">
##INFO=<ID=AD_R,Number=R,Type=Integer,Description="r">
##INFO=<ID=PLG,Number=G,Type=Integer,Description="g">
##INFO=<ID=MQ,Number=1,Type=Float,Description="m">
##INFO=<ID=TAGS,Number=.,Type=String,Description="t">
##INFO=<ID=NUMS,Number=.,Type=Integer,Description="n">
##INFO=<ID=PAIR,Number=2,Type=Float,Description="p">
##INFO=<ID=DB,Number=0,Type=Flag,Description="f">
##INFO=<ID=CH,Number=1,Type=Character,Description="ch">
##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="g">
##INFO=<ID=gnomad_popmax,Number=1,Type=String,Description="p">
##INFO=<ID=CADD,Number=1,Type=Float,Description="c">
##INFO=<ID=CLNSIG,Number=.,Type=String,Description="s">
##INFO=<ID=CLNREVSTAT,Number=1,Type=Integer,Description="r">
##INFO=<ID=END,Number=1,Type=Integer,Description="e">
@CSQ@
@ANN@
##contig=<ID=scaffold_7>
##FORMAT=<ID=GT,Number=1,Type=String,Description="g">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="q">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">
##FORMAT=<ID=PL,Number=G,Type=Integer,Description="p">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	S1	S2
""".replace(
    "@CSQ@",
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|HGVSc|HGVSp|"
    'CANONICAL|MANE_SELECT|PICK|ALLELE_NUM|gnomADe_AF|AF|CLIN_SIG|CADD_PHRED">',
).replace(
    "@ANN@",
    '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: '
    "'Allele | Annotation | Annotation_Impact | Gene_Name"
    " | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p'\">",
)

CHROMS = ["1", "chr2", "X", "MT", "chrUn_gl000220", "2", "scaffold_7"]
REFS = ["A", "C", "G", "T", "N", "AC", "ACGT", "TTT", "GA", "a", "ac"]
ALTS = ["G", "T", "A", "ACG", "C", "AG", "TTTA", "GTC", "T,C", "A,ACG", "*", "<DEL>", ".", "g", "N", "A,<NON_REF>"]
QUALS = ["50", ".", "12.5", "1e3", "0", "nan", "-3", "7.25E+2", "x"]
FILTERS = ["PASS", ".", "q10;s50", "", "LowQual;"]
IDS = [".", "rs123", "COSV1;rs77", "id1;id2", "rs1;rs2"]
CSQ_TERMS = [
    "missense_variant",
    "intron_variant&splice_region_variant",
    "3_prime_UTR_variant",
    "stop_gained",
    "frameshift_variant",
    "unknown_term",
    "Synonymous_Variant",
    "",
]
FLOATS = [
    "0.5",
    "1e-05",
    "2.5e-7",
    "1e16",
    "0.0001",
    "-0.25",
    ".",
    "12",
    "1.0E-5",
    "3.14159265358979",
    "inf",
    "abc",
    "",
]
INTS = ["1", "-4", "007", ".", "2147483648", "99999999999999999999", "+3", "1.5", ""]
TEXTS = ["benign", "Pathogenic,Benign", "a\\b", 'q"uote', "x y", ".", "", "1_0", "é"]


def _csq_entry(rng: random.Random, alts: list[str]) -> str:
    fields = [
        rng.choice(alts + ["-", "X"]),
        rng.choice(CSQ_TERMS),
        rng.choice(["HIGH", "MODERATE", "LOW", "MODIFIER", ""]),
        rng.choice(["GENE1", "", "BRCA2"]),
        rng.choice(["ENSG1", ""]),
        rng.choice(["ENST1", "ENST2", ""]),
        rng.choice(["ENST1.1:c.1A>G", ""]),
        rng.choice(["ENSP1.1:p.Met1Val", ""]),
        rng.choice(["YES", ""]),
        rng.choice(["NM_1.1", ""]),
        rng.choice(["1", "", ""]),
        rng.choice(["1", "2", ""]),
        rng.choice(["0.001", "", "0.1&0.2", ".", "1e-05", "x", "1_0"]),
        rng.choice(["0.3", ""]),
        rng.choice(["benign", "", "likely_pathogenic&benign"]),
        rng.choice(["25.1", ""]),
    ]
    return "|".join(fields[: rng.choice([16, 16, 16, 12, 17])] + ([] if rng.random() < 0.9 else ["extra"]))


def _info(rng: random.Random, alts: list[str]) -> str:
    items = []
    pool = [
        lambda: f"DP={rng.choice(INTS)}",
        lambda: f"AF={','.join(rng.choice(FLOATS) for _ in range(rng.choice([1, len(alts), 3])))}",
        lambda: f"AC={','.join(rng.choice(INTS[:4]) for _ in range(rng.choice([1, len(alts)])))}",
        lambda: f"AD_R={','.join(rng.choice(INTS[:4]) for _ in range(rng.choice([1, len(alts) + 1])))}",
        lambda: f"PLG={','.join(rng.choice(INTS[:4]) for _ in range(rng.choice([1, 3, 6])))}",
        lambda: f"MQ={rng.choice(FLOATS)}",
        lambda: f"TAGS={rng.choice(TEXTS)}",
        lambda: f"NUMS={rng.choice(['1,2', '3', '.', '1,.'])}",
        lambda: f"PAIR={rng.choice(['0.5,1e-05', '2', '.'])}",
        lambda: "DB",
        lambda: f"CH={rng.choice(['A', '.'])}",
        lambda: f"gnomAD_AF={rng.choice(FLOATS)}",
        lambda: f"gnomad_popmax={rng.choice(FLOATS + ['0.1&0.2'])}",
        lambda: f"CADD={rng.choice(FLOATS)}",
        lambda: f"CLNSIG={rng.choice(TEXTS)}",
        lambda: f"CLNREVSTAT={rng.choice(INTS)}",
        lambda: f"UNDECLARED={rng.choice(TEXTS + ['1,2'])}",
        lambda: "FLAGX",
        lambda: f"END={rng.choice(['5000', '.', '20000', '+20000'])}",
        lambda: "CSQ=" + ",".join(_csq_entry(rng, alts) for _ in range(rng.randint(1, 4))),
        lambda: (
            "ANN="
            + ",".join(
                f"{rng.choice(alts)}|{rng.choice(CSQ_TERMS)}|HIGH|G2|ENSG2|transcript|T2|protein_coding|1/2|c.1A>G|"
                for _ in range(rng.randint(1, 2))
            )
        ),
    ]
    for make in rng.sample(pool, rng.randint(0, 9)):
        items.append(make())
    if rng.random() < 0.05 and items:
        items.append(items[0])  # a repeated key
    if rng.random() < 0.03:
        items.append("=bad")
    if rng.random() < 0.03:
        items.append("")
    rng.shuffle(items)
    return ";".join(items) if items else rng.choice([".", ""])


def _sample(rng: random.Random, fmt: list[str]) -> str:
    values = {
        "GT": rng.choice(["0/1", "1/1", "0/0", "./.", "1|0", "0|2", "1", ".", "1/2", "0"]),
        "GQ": rng.choice(INTS[:6] + ["x"]),
        "DP": rng.choice(INTS[:5]),
        "AD": rng.choice(["10,5", ".", "3,.", "1,2,3", "", "9999999999,1", "a,1"]),
        "PL": rng.choice(["0,10,100", "."]),
        "PS": "123",
    }
    out = [values.get(k, "x") for k in fmt]
    if rng.random() < 0.1:
        out = out[: rng.randint(0, len(out))]
    return ":".join(out) if out else "."


def random_lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        alt = rng.choice(ALTS) if rng.random() < 0.5 else rng.choice(ALTS[:8])
        alts = alt.split(",")
        cols = [
            rng.choice(CHROMS),
            rng.choice(["100", "2500", "0", "-5", "x1", "123456789"])
            if rng.random() < 0.2
            else str(rng.randint(1, 16_000)),  # within every contig (chrM has 16,569 bases)
            rng.choice(IDS),
            rng.choice(REFS),
            alt,
            rng.choice(QUALS),
            rng.choice(FILTERS),
            _info(rng, alts),
        ]
        shape = rng.random()
        if shape < 0.7:
            fmt = rng.choice(
                [
                    ["GT", "GQ", "DP", "AD"],
                    ["GT", "AD"],
                    ["GT", "GQ", "DP", "AD", "PL", "PS"],
                    ["DP", "AD"],
                    ["GT", "GT"],
                ]
            )
            cols += [":".join(fmt), _sample(rng, fmt), _sample(rng, fmt)]
            if rng.random() < 0.03:
                cols.append(_sample(rng, fmt))  # more samples than the header names
        elif shape < 0.75:
            cols += ["GT"]
        line = "\t".join(cols)
        if rng.random() < 0.03:
            line = line[: rng.randint(1, len(line))]  # a truncated line
        if rng.random() < 0.03:
            line += "\r"
        if rng.random() < 0.01:
            line = line.replace("\t", " ", 1)
        lines.append(line)
    return lines


def _converters(path: str, header) -> tuple[RecordConverter, RecordConverter]:
    batch = uuid.UUID(int=42)
    ids = list(range(7, 7 + len(header.samples)))
    return (RecordConverter(path, header, "GRCh38", batch, ids), RecordConverter(path, header, "GRCh38", batch, ids))


def _outcome(call) -> tuple[bytes, bytes, str | None]:
    rows, alleles = bytearray(), bytearray()
    try:
        call(rows, alleles)
    except VcfFormatError as exc:
        return bytes(rows), bytes(alleles), f"{exc.line}: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - compared, not swallowed: both paths must fail alike
        return bytes(rows), bytes(alleles), f"{type(exc).__name__}: {exc}"
    return bytes(rows), bytes(alleles), None


def _stats(conv: RecordConverter) -> tuple:
    s = conv.stats
    return s.records, s.rows, s.skipped, dict(s.skip_reasons), set(s.contigs)


def assert_same(path: str, header, lines: list[str]) -> int:
    """Each line through both converters: identical results; returns how many the compiled path kept."""
    slow, fast = _converters(path, header)
    kept = 0
    for n, line in enumerate(lines, start=header.lines + 1):
        expected = _outcome(lambda r, a, line=line, n=n: slow.convert(line, n, r, a))
        fallbacks: list[int] = []

        def fast_call(r, a, line=line, n=n, fallbacks=fallbacks):
            fallbacks.append(fastpath.convert_block(fast, line.encode() + b"\n", n, r, a))

        got = _outcome(fast_call)
        assert got == expected, f"line {n}: {line!r}"
        kept += fallbacks == [0]
        if expected[2] is None:
            assert _stats(fast) == _stats(slow), f"counts after line {n}: {line!r}"
    return kept


def _header(text: str, tmp_path: Path):
    path = tmp_path / "h.vcf"
    path.write_text(text)
    with open_text(str(path)) as stream:
        header, _ = read_header(str(path), stream)
    return str(path), header


def test_random_lines_convert_identically(tmp_path):
    path, header = _header(HEADER, tmp_path)
    lines = random_lines(seed=11, n=6000)
    kept = assert_same(path, header, lines)
    assert kept > 600, f"the compiled path converted only {kept} of {len(lines)} lines itself"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.vcf")))
def test_fixture_files_convert_identically(name):
    path = str(DATA / name)
    with open_text(path) as stream:
        header, _ = read_header(path, stream)
    lines = [line for line in Path(path).read_text().split("\n")[header.lines :] if line]
    assert_same(path, header, lines)


def test_synthetic_vep_file_converts_identically_and_mostly_in_c(tmp_path):
    from bench.vcf_fixture import write_vcf

    path = tmp_path / "bench.vcf.gz"
    write_vcf(path, 3000)
    with open_text(str(path)) as stream:
        header, _ = read_header(str(path), stream)
    lines = [line for line in gzip.open(path, "rt").read().split("\n")[header.lines :] if line]
    kept = assert_same(str(path), header, lines)
    assert kept == len(lines)  # multi-allelic records (with ALLELE_NUM) included


def test_multi_allelic_lines_are_split_in_c(tmp_path):
    """Per-ALT INFO values (A, R, G), consequences by VEP allele string, AD per ALT, carriers per ALT."""
    path, header = _header(HEADER, tmp_path)
    csq = "T|missense_variant|MODERATE|G1|E1|T1||||||||||,TTA|intron_variant|MODIFIER|G2|E2|T2|||YES|||||||"
    lines = [
        "1\t100\t.\tC\tT,CTTA\t50\tPASS\tAF=0.1,0.2;AC=1,2;AD_R=5,3,2;PLG=0,1,2,3,4,5;"
        f"gnomAD_AF=0.01,0.02;CSQ={csq}\tGT:GQ:DP:AD\t1/2:30:10:5,3,2\t0/2:20:8:4,0,4",
        "chr2\t200\trs9\tAG\tA,T\t.\tq10\tAF=0.5,.;DP=7\tGT:AD\t0/1:1,2,3\t0/0:4,0,0",
    ]
    kept = assert_same(path, header, lines)
    assert kept == len(lines)


def test_whole_block_equals_line_by_line(tmp_path):
    """A block mixing compiled and Python lines keeps file order, line numbers and counts."""
    path, header = _header(HEADER, tmp_path)
    lines = [line for line in random_lines(seed=5, n=3000) if "\r" not in line]
    slow, fast = _converters(path, header)
    good = []
    for n, line in enumerate(lines, start=header.lines + 1):
        try:
            slow.convert(line, n, bytearray(), bytearray())
            good.append(line)
        except VcfFormatError:
            pass  # a malformed line stops a load: left out of the block
    slow, fast = _converters(path, header)
    expected_rows, expected_alleles = bytearray(), bytearray()
    for n, line in enumerate(good, start=header.lines + 1):
        slow.convert(line, n, expected_rows, expected_alleles)
    rows, alleles = bytearray(), bytearray()
    fallbacks = fastpath.convert_block(fast, ("\n".join(good) + "\n").encode(), header.lines + 1, rows, alleles)
    assert (rows, alleles) == (expected_rows, expected_alleles)
    assert _stats(fast) == _stats(slow)
    assert 0 < fallbacks < len(good)


def test_an_error_names_the_right_line_inside_a_block(tmp_path):
    path, header = _header(HEADER, tmp_path)
    ok = "1\t100\t.\tA\tG\t50\tPASS\tDP=3\tGT\t0/1\t0/0"
    block = "\n".join([ok, ok, "1\tnot_a_number\t.\tA\tG\t50\tPASS\t.", ok]).encode()
    _, fast = _converters(path, header)
    with pytest.raises(VcfFormatError) as err:
        fastpath.convert_block(fast, block, 40, bytearray(), bytearray())
    assert err.value.line == 42 and "POS" in err.value.reason


def test_float_text_matches_orjson():
    rng = random.Random(3)
    values = [0.1, 1e-05, 1.5e-05, -2.5e-05, 1e-06, 1e-07, 9.99e-05, 1e16, 1.234e16, 1e15, 100.0, 0.0, -0.0, 5e-324]
    values += [rng.random() * 10 ** rng.randint(-30, 30) for _ in range(20000)]
    values += [round(rng.random(), rng.randint(1, 8)) for _ in range(5000)]
    for v in values:
        assert fastpath._fastconvert.float_json(v) == orjson.dumps(v), v


def test_allele_hash_matches_python():
    rng = random.Random(9)
    for _ in range(2000):
        key = (
            "GRCh38",
            rng.choice(["chr1", "chrX"]),
            rng.randint(1, 10**9),
            "A" * rng.randint(1, 80),
            "C" * rng.randint(1, 70),
        )
        text = "\t".join(map(str, key)).encode()
        assert fastpath._fastconvert.md5_head64(text) == allele_id(*key)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_FAST_CONVERT", "0")
    assert not fastpath.available()
