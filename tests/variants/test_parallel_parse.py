"""Several parser processes give exactly the rows of one, in file order (a bgzipped, multi-block file), and
loading in several COPY chunks gives the same variants and alleles as one."""

from __future__ import annotations

from bench.vcf_fixture import write_vcf
from services.variants import loader, parse_pipeline
from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR

RECORDS = 2300


def _rows(rows):
    return rows(
        "SELECT chrom, pos, ref, alt, gene, consequence, ad, info, vep_annotations, allele_id "
        "FROM variants ORDER BY variant_id"
    )


def test_parsers_split_blocks_and_keep_file_order(db_url, rows, tmp_path, monkeypatch) -> None:
    vcf = write_vcf(tmp_path / "multi.vcf.gz", records=RECORDS, seed=5)
    monkeypatch.setattr(parse_pipeline, "BLOCK_BYTES", 64 << 10)  # dozens of blocks, not all whole lines
    monkeypatch.setenv("WORKBENCH_LOAD_PARSERS", "1")
    one = load_vcf(vcf, CURATOR)
    assert one.status == "completed", one.error
    single = _rows(rows)

    alleles = rows("SELECT id, genome_build, chrom, pos, ref, alt, end_pos, variant_type FROM alleles ORDER BY id")
    monkeypatch.setenv("WORKBENCH_LOAD_PARSERS", "3")
    monkeypatch.setattr(loader, "ALLELE_CHUNK_RECORDS", 500)  # five COPY statements, each with its alleles
    three = load_vcf(vcf, CURATOR, force=True)
    assert three.status == "completed", three.error
    assert (three.records, three.variants_loaded) == (one.records, one.variants_loaded) == (RECORDS, len(single))
    assert _rows(rows) == single
    assert (
        rows("SELECT id, genome_build, chrom, pos, ref, alt, end_pos, variant_type FROM alleles ORDER BY id") == alleles
    )
