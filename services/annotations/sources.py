"""Adding a release of an annotation source: ``annotation_sources`` row + its values in ``anno_<name>``.

Contract (see ``services.annotations.source_models`` for the table layout):
1. ``add_source`` is one transaction: the release row, the new alleles and the release's values appear
   together or not at all. (name, version, genome build) already present is refused with ``InvalidInput``.
2. Names, aliases and types are validated before any SQL is built, and identifiers are quoted
   (``services.db.identifiers``) into the named blocks of ``sources.sql``; reserved columns (release_id,
   allele_id, record_id) cannot be aliases.
3. Records are normalised exactly like the VCF loader (``services.alleles.normalize``): contig names per
   build, split per ALT with Number=A/R/G values per allele, trimming; non-sequence ALTs are skipped.
4. A field ``CSQ:<name>`` reads that field of the ALT's VEP consequence chosen like the loader does (PICK,
   MANE Select, CANONICAL, severity); other fields are INFO keys.
5. One row per (release, allele): the first record for an allele wins, the rest count as duplicates.
6. Bad records fail the whole release with the file and line (nothing is written): a NUL byte or bytes that
   are not UTF-8, a negative POS or one beyond any genome, a REF or ALT that is not an allele, an integer value
   beyond 64 bits. The genome build must be a known one (``genomes.known_build``), and a header that names
   another build (``##reference``, ``##contig`` assembly or lengths) is refused unless ``force_genome``.
7. Releases of one source are added one at a time: a transaction-level advisory lock on the source name is
   taken first, so two concurrent adds of the same release give one release and one "already loaded"
   sentence, and two releases of a new source do not race to create its table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from services.alleles.consequences import ConsequenceFormat
from services.alleles.genomes import MAX_POSITION, header_build, known_build
from services.alleles.hashing import file_sha256
from services.alleles.keys import allele_id, upsert_sql
from services.alleles.normalize import (
    contig_normaliser,
    is_sequence_allele,
    split_values,
    trim,
    valid_alt,
)
from services.alleles.normalize import variant_type as classify
from services.alleles.vcf_header import VcfFormatError, check_text, open_text, read_header
from services.annotations.source_models import SOURCE_KINDS
from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import database_url
from services.db.errors import translated
from services.db.identifiers import quote_identifier, quote_list
from services.errors import InputFileError, InvalidInput

Q = sql_blocks.load(__file__, "sources.sql")

_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1  # a PostgreSQL bigint
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ALIAS_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED = {"release_id", "allele_id", "record_id"}
_IUPAC = "ACGTNRYSWKMBDHV"
_SOURCE_LOCK = 0x50C0  # first key of the advisory lock that serialises the releases of one source
SQL_TYPES = {"text": "text", "integer": "bigint", "float": "double precision", "boolean": "boolean"}

DEFAULT_FIELDS: dict[str, list[dict[str, str]]] = {
    "clinvar": [
        {"field": "CLNSIG", "alias": "clinvar_sig", "type": "text"},
        {"field": "CLNREVSTAT", "alias": "clinvar_review", "type": "text"},
        {"field": "CLNDN", "alias": "disease", "type": "text"},
        {"field": "CLNVC", "alias": "variant_class", "type": "text"},
        {"field": "GENEINFO", "alias": "gene_info", "type": "text"},
        {"field": "ALLELEID", "alias": "clinvar_allele_id", "type": "integer"},
    ],
    "gnomad": [
        {"field": "AF", "alias": "af", "type": "float"},
        {"field": "AC", "alias": "ac", "type": "integer"},
        {"field": "AN", "alias": "an", "type": "integer"},
        {"field": "nhomalt", "alias": "nhomalt", "type": "integer"},
        {"field": "AF_grpmax", "alias": "af_grpmax", "type": "float"},
        {"field": "AF_popmax", "alias": "af_popmax", "type": "float"},
    ],
    "dbsnp": [{"field": "RS", "alias": "rs", "type": "integer"}],
    "vep": [
        {"field": "CSQ:SYMBOL", "alias": "gene", "type": "text"},
        {"field": "CSQ:Feature", "alias": "transcript", "type": "text"},
        {"field": "CSQ:Consequence", "alias": "consequence", "type": "text"},
        {"field": "CSQ:IMPACT", "alias": "impact", "type": "text"},
        {"field": "CSQ:HGVSc", "alias": "hgvs_c", "type": "text"},
        {"field": "CSQ:HGVSp", "alias": "hgvs_p", "type": "text"},
    ],
}


@dataclass(frozen=True)
class SourceRelease:
    source: str
    version: str
    genome: str
    records: int
    contigs: list[str]
    table: str
    release_id: int
    alleles: int
    duplicates: int

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version": self.version,
            "genome": self.genome,
            "records": self.records,
            "contigs": self.contigs,
            "table": self.table,
        }


def validate_field_config(config: Any) -> list[dict[str, str]]:
    """The field configuration, checked: a list of {field, alias, type, missing?}; aliases safe and unique."""
    if not isinstance(config, list) or not config:
        raise InvalidInput("the field configuration must be a non-empty JSON list of {field, alias, type}")
    out, seen = [], set()
    for item in config:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str) or not item["field"]:
            raise InvalidInput(f"field configuration entry {item!r} needs a 'field'")
        alias = item.get("alias") or item["field"].split(":")[-1].lower()
        kind = item.get("type", "text")
        if not isinstance(alias, str) or not ALIAS_RE.match(alias) or alias in RESERVED:
            raise InvalidInput(
                f"alias {alias!r} is not allowed: use lower-case letters, digits and _ "
                "(not release_id, allele_id or record_id)"
            )
        if alias in seen:
            raise InvalidInput(f"alias {alias!r} is used twice")
        if kind not in SQL_TYPES:
            raise InvalidInput(f"type {kind!r} of {alias!r} is not one of {', '.join(SQL_TYPES)}")
        missing = item.get("missing", ".")
        seen.add(alias)
        out.append({"field": item["field"], "alias": alias, "type": kind, "missing": str(missing)})
    return out


def _convert(kind: str, raw: object, missing: str, where: str) -> object:
    if raw is None or raw == missing or raw == "" or raw == ".":
        return None
    if kind == "boolean":
        return raw is True or str(raw).lower() in ("1", "true", "yes", "y")
    if raw is True:
        return None if kind != "text" else "true"
    text = str(raw)
    try:
        if kind == "integer":
            value = int(text)
            if not _BIGINT_MIN <= value <= _BIGINT_MAX:
                raise InvalidInput(f"{where}: value {text} is beyond a 64-bit integer")
            return value
        if kind == "float":
            f = float(text)
            return f if f == f else None
    except ValueError:
        raise InvalidInput(f"{where}: value {text!r} is not a valid {kind}") from None
    return text


def add_source(
    path: str | Path,
    identity: Identity,
    *,
    name: str,
    kind: str,
    version: str,
    genome_build: str = "GRCh38",
    field_config: list[dict[str, Any]] | None = None,
    force_genome: bool = False,
    url: str | None = None,
) -> SourceRelease:
    """Load one release of an annotation source from a VCF (plain or bgzipped) — see the module contract."""
    require(identity, Role.CURATOR, "add annotation sources")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InvalidInput(f"source name {name!r} is not allowed: use ^[a-z][a-z0-9_]{{0,39}}$")
    if kind not in SOURCE_KINDS:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    if not version or not str(version).strip():
        raise InvalidInput("a version is required")
    if field_config is None:
        if kind == "custom":
            raise InvalidInput("a custom source needs --fields (a JSON field configuration)")
        field_config = DEFAULT_FIELDS[kind]
    fields = validate_field_config(field_config)
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    build = known_build(genome_build)
    table = f"anno_{name}"
    digest = file_sha256(path)

    with translated(), psycopg.connect(url or database_url()) as conn:
        conn.execute(Q.sql("lock_source"), {"lock": _SOURCE_LOCK, "name": name})
        if conn.execute(Q.sql("release_exists"), {"name": name, "version": version, "genome": build}).fetchone():
            raise InvalidInput(f"{name} {version} ({build}) is already loaded")
        _ensure_table(conn, table, fields)
        release_id = conn.execute(
            Q.sql("insert_release"),
            {
                "name": name,
                "kind": kind,
                "version": version,
                "genome": build,
                "path": str(path.resolve()),
                "hash": digest,
                "fields": json.dumps(fields),
                "table": table,
                "who": identity.user,
            },
        ).fetchone()[0]
        records, staged, contigs = _stage(conn, path, build, fields, force_genome)
        conn.execute(upsert_sql("source_staging"))
        columns = quote_list(f["alias"] for f in fields)
        inserted = conn.execute(
            Q.sql("insert_release_values").format(table=quote_identifier(table), columns=columns),
            {"release_id": release_id},
        ).rowcount
        conn.execute(
            Q.sql("finish_release"),
            {
                "records": records,
                "alleles": inserted,
                "duplicates": staged - inserted,
                "contigs": sorted(contigs),
                "id": release_id,
            },
        )
    return SourceRelease(name, version, build, records, sorted(contigs), table, release_id, inserted, staged - inserted)


def _ensure_table(conn: psycopg.Connection, table: str, fields: list[dict[str, str]]) -> None:
    quoted = quote_identifier(table)
    conn.execute(Q.sql("create_release_table").format(table=quoted))
    conn.execute(Q.sql("create_release_index").format(index=quote_identifier(f"{table}_allele_id"), table=quoted))
    existing = dict(conn.execute(Q.sql("table_columns"), {"table": table}).fetchall())
    for f in fields:
        have = existing.get(f["alias"])
        want = SQL_TYPES[f["type"]]
        if have is None:
            _add_column(conn, table, f["alias"], f["type"])
        elif have != want:
            raise InvalidInput(f"{table}.{f['alias']} is {have}; this release configures it as {f['type']}")


def _add_column(conn: psycopg.Connection, table: str, column: str, kind: str) -> None:
    """Add column ``column`` of field type ``kind`` (a key of ``SQL_TYPES``) to ``table``."""
    block = Q.sql("add_column")
    conn.execute(block.format(table=quote_identifier(table), column=quote_identifier(column), type=SQL_TYPES[kind]))


def _stage(
    conn: psycopg.Connection, path: Path, build: str, fields: list[dict[str, str]], force_genome: bool = False
) -> tuple[int, int, set]:
    aliases = [f["alias"] for f in fields]
    conn.execute(Q.sql("create_source_staging"))
    for f in fields:
        _add_column(conn, "source_staging", f["alias"], f["type"])
    norm = contig_normaliser(build)
    records = staged = 0
    contigs: set[str] = set()
    with open_text(path) as stream:
        header, first = read_header(str(path), stream)
        named = header_build(header)
        if named is not None and named[0] != build and not force_genome:
            raise VcfFormatError(
                str(path),
                None,
                f"the header names {named[0]} ({named[1]}) but the release is for {build}: pass --genome with the "
                "file's build, or --force-genome to add it as " + build,
            )
        numbers = {k: d.number for k, d in header.info.items()}
        csq = ConsequenceFormat(header.csq_fields, "CSQ") if header.csq_fields else None
        line_no = header.lines
        cols = [
            "ord",
            "id",
            "genome_build",
            "chrom",
            "pos",
            "ref",
            "alt",
            "end_pos",
            "variant_type",
            "record_id",
            *aliases,
        ]
        copy_sql = Q.sql("copy_source_staging").format(columns=quote_list(cols))
        with conn.cursor().copy(copy_sql) as copy:
            lines = [first] if first is not None else []
            for line in _chain(lines, stream):
                line_no += 1
                if len(line) <= 1:
                    continue
                records += 1
                check_text(str(path), line_no, line)
                c = line.rstrip("\r\n").split("\t")
                if len(c) < 8:
                    raise VcfFormatError(str(path), line_no, f"expected 8 columns, found {len(c)}")
                try:
                    pos0 = int(c[1])
                except ValueError:
                    raise VcfFormatError(str(path), line_no, f"POS {c[1]!r} is not a number") from None
                if not 0 <= pos0 <= MAX_POSITION:
                    raise VcfFormatError(str(path), line_no, f"POS {c[1]} is not a position on a genome")
                chrom = norm(c[0])
                ref, alts = c[3].upper(), c[4].split(",")
                if not ref or (ref.strip("ACGTN") and ref.strip(_IUPAC)):
                    raise VcfFormatError(str(path), line_no, f"REF {c[3][:40]!r} is not a DNA sequence")
                for alt in alts:
                    if not valid_alt(alt):
                        raise VcfFormatError(str(path), line_no, f"ALT {alt[:40]!r} is not an allele")
                info: dict[str, object] = {}
                for item in c[7].split(";"):
                    k, eq, v = item.partition("=")
                    if k:
                        info[k] = v if eq else True
                per_alt = None
                if csq is not None and isinstance(info.get("CSQ"), str):
                    per_alt = csq.assign(csq.split(str(info["CSQ"])), ref, [a.upper() for a in alts])
                record_id = None if c[2] == "." else c[2]
                for i, alt in enumerate(alts, start=1):
                    alt = alt.upper()
                    if not is_sequence_allele(alt) or not is_sequence_allele(ref) or alt == ref:
                        continue
                    pos, nref, nalt = trim(pos0, ref, alt)
                    picked = csq.pick(per_alt[i - 1]) if per_alt else None
                    values = []
                    for f in fields:
                        key = f["field"]
                        if key.startswith("CSQ:"):
                            idx = csq.by_name.get(key[4:].lower()) if csq else None
                            raw = picked[idx] if picked is not None and idx is not None else None
                        else:
                            raw = info.get(key)
                            if isinstance(raw, str) and len(alts) > 1 and numbers.get(key) in ("A", "R", "G"):
                                piece = split_values(numbers[key], raw.split(","), i, len(alts))
                                raw = piece if isinstance(piece, str) else ",".join(piece)
                        values.append(_convert(f["type"], raw, f["missing"], f"{path}, line {line_no}"))
                    contigs.add(chrom)
                    staged += 1
                    copy.write_row(
                        [
                            staged,
                            allele_id(build, chrom, pos, nref, nalt),
                            build,
                            chrom,
                            pos,
                            nref,
                            nalt,
                            pos + len(nref) - 1,
                            classify(nref, nalt),
                            record_id,
                            *values,
                        ]
                    )
    return records, staged, contigs


def _chain(first: list[str], rest):
    yield from first
    yield from rest


__all__ = ["InputFileError", "SourceRelease", "add_source", "validate_field_config"]
