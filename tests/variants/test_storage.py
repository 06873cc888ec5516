"""How variant rows are stored (issue 18, migration 0020): a real VEP record's INFO and consequences arrive
compressed (``packed_json``) and stay in the row, no index serves a query nobody runs, and a store loaded before
0020 reads back the same after it (and after a downgrade)."""

from __future__ import annotations

from pathlib import Path

import orjson
import psycopg
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql

from services.db import migrate
from services.db.engine import session_scope
from services.variants import browse, filter_query
from services.variants.loader import load_vcf
from services.variants.packed_json import unpack
from tests.support.vcf_files import CURATOR, DATA

_CSQ_FORMAT = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL|gnomADe_AF"


def _wide_vcf(path: Path, records: int = 5) -> Path:
    """Records shaped like real VEP + genmod output: a dozen transcripts each and a long Compounds INFO value,
    rows of about 3 kB before compression."""
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr1,length=248956422>",
        '##INFO=<ID=AF,Number=A,Type=Float,Description="AF">',
        '##INFO=<ID=Compounds,Number=.,Type=String,Description="Compound pairs">',
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        f'Format: {_CSQ_FORMAT}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
    ]
    lines = []
    for r in range(records):
        pos = 10_000 + 100 * r
        csq = ",".join(
            f"G|intron_variant&NMD_transcript_variant|MODIFIER|GENE{r}|ENSG0000010{r:04d}|Transcript|"
            f"ENST000004{t:05d}|nonsense_mediated_decay|ENST000004{t:05d}.5:c.{249 + t}-172A>G||{'YES' if t else ''}|"
            f"0.00{t}"
            for t in range(12)
        )
        compounds = "|".join(f"chr1_{pos + 37 * k}_C_T>{k % 7}.0" for k in range(40))
        info = f"AF=0.5;Compounds=FAM:{compounds};CSQ={csq}"
        lines.append(f"chr1\t{pos}\t.\tA\tG\t50\tPASS\t{info}\tGT\t0/1")
    path.write_text("\n".join(header + lines) + "\n")
    return path


def _stored(url: str) -> list[tuple]:
    """Every row's identity and its INFO and consequences as values (whatever their stored form)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT chrom, pos, ref, alt, gene, info, vep_annotations, allele_id FROM variants "
            "ORDER BY chrom, pos, alt, variant_id"
        ).fetchall()
    return [(*r[:5], *(v if isinstance(v, dict) or v is None else unpack(v) for v in r[5:7]), r[7]) for r in rows]


def _before_0020(url: str) -> str:
    return str(ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision("0020").down_revision)


def test_wide_rows_arrive_compressed_and_stay_in_line(db_url, tmp_path) -> None:
    result = load_vcf(_wide_vcf(tmp_path / "wide.vcf"), CURATOR)
    assert result.status == "completed", result.error
    with psycopg.connect(db_url) as conn:
        sizes = conn.execute(
            "SELECT info, vep_annotations, pg_column_compression(vep_annotations), pg_column_size(v.*) FROM variants v"
        ).fetchall()
        toasted = conn.execute(
            "SELECT coalesce(sum(pg_relation_size(c.reltoastrelid)), 0) FROM pg_class c "
            "JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = 'variants'::regclass "
            "AND c.reltoastrelid <> 0"
        ).fetchone()[0]
    assert len(sizes) == 5
    for info, vep, server_method, row_bytes in sizes:
        text = len(orjson.dumps(unpack(info))) + len(orjson.dumps(unpack(vep)))
        assert text > 2500  # a row as wide as a real VEP record's
        assert bytes(info)[:4] == bytes(vep)[:4] == b"\x28\xb5\x2f\xfd"  # Zstandard frames
        assert server_method is None  # the server did not compress again
        assert row_bytes < text / 2
    assert toasted == 0  # nothing moved out of line

    with session_scope(db_url) as session:
        (first,) = browse.variant_page(session, browse.VariantFilter(region="chr1:10000-10000")).rows["variant_id"]
        detail = browse.variant_detail(session, int(first))
    csq = detail["consequences"]["CSQ"]
    assert len(csq) == 12 and list(csq["Feature"])[:2] == ["ENST00000400000", "ENST00000400001"]
    assert detail["fields"]["info"]["Compounds"].startswith("FAM:chr1_10000_C_T>0.0|chr1_10037_C_T>1.0|")
    assert detail["fields"]["info"]["AF"] == 0.5


def test_no_unused_rs_id_index_and_partitions_use_the_default_toast_target(db_url) -> None:
    with psycopg.connect(db_url) as conn:
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'variants'")}
        options = conn.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid "
            "WHERE i.inhparent = 'variants'::regclass"
        ).fetchall()
    assert "ix_variants_rs_id" not in indexes
    assert {
        "ix_variants_chrom_pos",
        "ix_variants_allele_id",
        "ix_variants_gene_position",
        "ix_variants_sample_id",
        "ix_variants_impact",
        "ix_variants_consequence_terms",
    } <= indexes
    assert len(options) == 26 and all(not opts for _, opts in options)


def test_a_store_loaded_before_0020_reads_the_same_after_it_and_back(db_url, tmp_path) -> None:
    for path in (DATA / "vep_cases.vcf", _wide_vcf(tmp_path / "wide.vcf")):
        assert load_vcf(path, CURATOR).status == "completed"
    loaded = _stored(db_url)
    # Down to the revision before: the rows are jsonb again, exactly as a load before 0020 left them.
    migrate.downgrade(db_url, _before_0020(db_url))
    with psycopg.connect(db_url) as conn:
        types = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'variants'::regclass "
            "AND attname IN ('info', 'vep_annotations')"
        ).fetchall()
    assert types == [("jsonb",), ("jsonb",)]
    assert _stored(db_url) == loaded

    migrate.upgrade(db_url)
    assert _stored(db_url) == loaded
    with psycopg.connect(db_url) as conn:  # converted to plain JSON text, not compressed by the loader
        assert conn.execute("SELECT count(*) FROM variants WHERE info LIKE '{%'").fetchone()[0] == len(loaded)
    with session_scope(db_url) as session:  # the detail card reads a converted row
        (first,) = browse.variant_page(session, browse.VariantFilter(region="chr1:10000-10000")).rows["variant_id"]
        assert browse.variant_detail(session, int(first))["fields"]["info"]["Compounds"].startswith("FAM:chr1_")

    # A load after the upgrade (compressed rows) beside the converted ones.
    assert load_vcf(DATA / "snpeff.vcf", CURATOR).status == "completed"
    both = _stored(db_url)
    assert len(both) > len(loaded)
    migrate.downgrade(db_url, _before_0020(db_url))
    assert _stored(db_url) == both
    migrate.upgrade(db_url)
    assert _stored(db_url) == both


def _plan(url: str, f: browse.VariantFilter) -> str:
    """The server's plan of the Variants page's row query for ``f`` (sequential scans switched off, so that the
    plan shows whether an index can serve the filter at all, whatever the tiny table's statistics say)."""
    query = filter_query.rows_query(f, browse.SORTS["position"], None, 51)
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute("EXPLAIN " + str(compiled), compiled.params).fetchall()
    return "\n".join(r[0] for r in plan)


def test_each_filter_has_an_index_and_a_term_is_a_whole_term(db_url) -> None:
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"
    with session_scope(db_url) as session:

        def genes(**kw) -> list[str]:
            return sorted(set(browse.variant_page(session, browse.VariantFilter(**kw)).rows["gene"].dropna()))

        assert genes(consequence="MISSENSE_VARIANT") == genes(consequence="missense_variant") != []
        assert genes(consequence="missense") == []  # a term, not a substring
        assert genes(gene="gene1") == ["GENE1"]
        assert browse.gene_suggestions(session, "gEnE") == sorted(genes())
    # Each partition's copy of the parent's index (named after the partition) answers the filter's condition.
    assert "Index Cond: (string_to_array(lower(consequence), '&'::text) @> " in _plan(
        db_url, browse.VariantFilter(consequence="stop_gained")
    )
    assert "Index Cond: ((lower(gene) ~>=~ 'gene1'::text)" in _plan(db_url, browse.VariantFilter(gene="GENE1"))
    assert "Index Cond: (impact = 'HIGH'::text)" in _plan(db_url, browse.VariantFilter(impact="HIGH"))
