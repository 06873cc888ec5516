"""The parse pipeline: blocks of whole lines with their first line numbers, errors in file order with the
right line from any parser, and unreadable files reported through the same path."""

from __future__ import annotations

import gzip
import time
import uuid

import pytest

from bench.vcf_fixture import write_vcf
from services.alleles.vcf_header import VcfFormatError, open_text, read_header
from services.variants import parse_pipeline
from services.variants.loader import load_vcf
from services.variants.parse_pipeline import ParsedBlocks, read_blocks
from tests.support.vcf_files import CURATOR

HEADER = ["##fileformat=VCFv4.2\n", "##source=test\n", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"]


@pytest.mark.parametrize("block_bytes", [1, 7, 40, 1 << 20])
@pytest.mark.parametrize("final_newline", [True, False])
def test_blocks_hold_whole_lines_numbered_from_the_file(tmp_path, block_bytes, final_newline) -> None:
    body = [f"chr1\t{i}\t.\tA\tG\t.\tPASS\tDP={i}\n" for i in range(1, 30)]
    text = "".join(HEADER + body)
    path = tmp_path / "b.vcf.gz"
    path.write_bytes(gzip.compress((text if final_newline else text[:-1]).encode()))
    seen: list[tuple[int, str]] = []
    for first, block in read_blocks(str(path), len(HEADER), block_bytes):
        lines = block.decode().split("\n")
        if lines[-1] == "":
            lines.pop()
        else:
            assert not final_newline and block is not None  # only the last block may lack its newline
        seen += [(first + k, line) for k, line in enumerate(lines)]
    expected = [(len(HEADER) + 1 + k, line.rstrip("\n")) for k, line in enumerate(body)]
    assert seen == expected


def _header_lines(path) -> int:
    with open_text(path) as stream:
        header, _ = read_header(str(path), stream)
    return header.lines


@pytest.mark.parametrize("workers", [1, 3])
def test_a_bad_line_deep_in_the_file_is_reported_with_its_line(tmp_path, monkeypatch, workers) -> None:
    good = write_vcf(tmp_path / "good.vcf.gz", records=900, seed=3)
    with gzip.open(good, "rt") as fh:
        lines = fh.read().splitlines(keepends=True)
    bad_line_no = len(lines) - 100
    lines[bad_line_no - 1] = "chr2\tnot-a-number\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n"
    path = tmp_path / "bad.vcf.gz"
    path.write_bytes(gzip.compress("".join(lines).encode()))
    monkeypatch.setattr(parse_pipeline, "BLOCK_BYTES", 16 << 10)
    with pytest.raises(VcfFormatError) as err:
        with ParsedBlocks(str(path), _header_lines(path), "GRCh38", uuid.uuid4(), [1], None, workers) as blocks:
            records = sum(block.records for block in blocks)
    assert err.value.line == bad_line_no and "POS 'not-a-number' is not a number" in err.value.reason
    assert "records" not in locals()


def test_truncated_file_fails_in_file_order_and_loads_nothing(db_url, rows, tmp_path, monkeypatch) -> None:
    good = write_vcf(tmp_path / "good.vcf.gz", records=1500, seed=4)
    data = good.read_bytes()
    path = tmp_path / "cut.vcf.gz"
    path.write_bytes(data[: len(data) // 2])
    monkeypatch.setattr(parse_pipeline, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setenv("WORKBENCH_LOAD_PARSERS", "2")
    result = load_vcf(path, CURATOR)
    assert result.status == "failed"
    assert str(path) in result.error and "truncated or corrupt" in result.error
    assert rows("SELECT count(*) AS n FROM variants") == [{"n": 0}]
    assert rows("SELECT count(*) AS n FROM alleles") == [{"n": 0}]


@pytest.mark.parametrize("data", [b"", b"x", b"\n", b"a\nb", b"a\nb\n", b"\n\n\n", b"line\n" * 1000 + b"tail"])
def test_count_lines_counts_every_newline(data) -> None:
    assert parse_pipeline.count_lines(data) == data.count(b"\n")


def test_rows_waiting_for_a_busy_caller_stay_within_ready_bytes(tmp_path, monkeypatch) -> None:
    """A caller that does not read (a long statement on the server) holds at most READY_BYTES of parsed rows plus
    one block, however long the file; every record still arrives once it reads again."""
    path = write_vcf(tmp_path / "long.vcf.gz", records=4000, seed=5)
    monkeypatch.setattr(parse_pipeline, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(parse_pipeline, "READY_BYTES", 64 << 10)
    with ParsedBlocks(str(path), _header_lines(path), "GRCh38", uuid.uuid4(), [1], None, 2) as blocks:
        deadline = time.monotonic() + 30
        while blocks._ready_bytes < 64 << 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the parsers had time to go on, had the bound not held them
        held, waiting = blocks._ready_bytes, blocks._ready.qsize()
        results = list(blocks)
    largest = max(len(b.variant_rows) + len(b.allele_rows) for b in results)
    assert 64 << 10 <= held < (64 << 10) + largest
    assert waiting < len(results) // 2  # the rows of most blocks were not yet parsed or sent
    assert sum(b.records for b in results) == 4000
