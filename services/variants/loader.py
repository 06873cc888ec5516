"""Loading one VCF file into the variant store: all or nothing, fast, audited.

Contract:
1. ``load_vcf`` first hashes the file. The same content already ``completed`` for the genome build is not
   loaded again (result ``skipped_duplicate``, an audit row pointing at the live load) unless ``force``.
2. Every attempt leaves one ``variant_load_audit`` row: ``running`` (committed first, so a crash is visible),
   then ``completed`` in the same transaction as the variants, or ``failed`` with the file, line and reason
   after that transaction rolled back — nothing of a failed file is visible, earlier loads are intact.
3. ``force`` replaces the live load of the same content in the load's own transaction: its variants are
   deleted and its audit row marked ``replaced`` at the same commit that makes the new rows visible (no moment
   without them); the new row records ``is_reload`` and ``previous_load_id``.
4. The file is decompressed once, in this process; blocks of its lines go round-robin to parser processes
   (``parse_pipeline``) and come back in file order as binary COPY rows that this process streams to
   PostgreSQL, so parsing and ingestion use every core. The parsers never touch the database; the transaction
   belongs to this process.
5. Alleles of the file are staged and inserted (``services.alleles.keys``) before commit, chunk by chunk:
   the variants go in one COPY statement per ``ALLELE_CHUNK_RECORDS`` records, each followed by that chunk's
   alleles, so that the server inserts alleles while the parsers go on (no allele tail at the end).
6. Liveness: the loading process holds the load's lease (``services.jobs.leases``, key ``load_lease_key``)
   from before its audit row is written ``running`` until its outcome is committed. A load whose process died
   (SIGKILL, crash, database outage) — run from the CLI or by a worker — is ended ``failed`` with the reason by
   the sweep (``sweep_dead_loads``; workers run it at start-up and every minute, ``workbench jobs sweep`` now).
7. The genome build must be a known one (``genomes.known_build``); a header that names another build
   (``##reference``, ``##contig`` assembly or lengths) fails the load unless ``force_genome``. Records on
   unknown contigs or past a contig's end fail it unless ``allow_unknown_contigs`` / ``allow_out_of_range``;
   allowed ones are counted in the audit's ``warnings`` (one entry per kind and contig) and ``LoadResult``.
8. A failure to record the failure (the database went away) is logged, never raised over the load's own
   error: the caller still gets one sentence.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services import config
from services.alleles.genomes import header_build, known_build
from services.alleles.hashing import file_sha256
from services.alleles.keys import STAGING_COLUMNS
from services.alleles.vcf_header import Header, VcfFormatError, open_text, read_header
from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import database_url, get_engine
from services.db.errors import domain_error
from services.db.identifiers import quote_identifier, quote_list
from services.errors import InputFileError, InvalidInput, WorkbenchError
from services.jobs import leases
from services.jobs.errors import JobCancelled
from services.jobs.progress import ProgressReporter
from services.variants import copy_binary as cb
from services.variants.columns import VARIANT_COPY_COLUMNS
from services.variants.parse_pipeline import BlockResult, ParsedBlocks, ParseSummary
from services.variants.records import RecordPolicy

ALLELE_CHUNK_RECORDS = 250_000  # records per COPY statement; each chunk's alleles are inserted after it
_log = logging.getLogger(__name__)
ALLELE_STAGING = "allele_staging"
Q = sql_blocks.load(__file__)


@dataclass
class LoadResult:
    load_batch_id: str | None
    status: str
    records: int = 0
    variants_loaded: int = 0
    variants_skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    samples: int = 0
    seconds: float = 0.0
    error: str | None = None
    previous_load_id: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def warning_sentences(self) -> list[str]:
        """One sentence per warning entry, for people."""
        return [warning_sentence(w) for w in self.warnings]

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("previous_load_id")
        return d


_WARNING_TEXT = {
    "unknown_contig": "{records:,} record{s} on {contig}, a contig not known for the build, loaded because "
    "unknown contigs were allowed",
    "beyond_contig_end": "{records:,} record{s} past the end of {contig} loaded because out-of-range positions "
    "were allowed",
}


def warning_sentence(warning: dict[str, Any]) -> str:
    """The sentence of one audit ``warnings`` entry (``{"kind", "contig", "records"}``)."""
    template = _WARNING_TEXT.get(str(warning.get("kind")), "{records:,} record{s}: {kind} on {contig}")
    records = int(warning.get("records", 0))
    return template.format(
        records=records, s="" if records == 1 else "s", contig=warning.get("contig"), kind=warning.get("kind")
    )


def _warning_entries(counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    return [{"kind": kind, "contig": contig, "records": n} for (kind, contig), n in sorted(counts.items())]


def read_ped(path: str | Path) -> dict[str, dict[str, str | None]]:
    """PED columns: family, individual, father, mother, sex (1 male, 2 female), phenotype (2 affected).

    A missing or unreadable file, or a line that is not UTF-8, raises ``InputFileError`` naming it."""
    out: dict[str, dict[str, str | None]] = {}
    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), None, "no such file (--sample-map)")
    try:
        with open(path, "rb") as fh:
            raw_lines = fh.read().split(b"\n")
    except OSError as exc:
        raise InputFileError(str(path), None, f"cannot be read ({exc.strerror})") from None
    for n, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputFileError(str(path), n, "not UTF-8 text") from None
        if "\x00" in line:
            raise InputFileError(str(path), n, "the line contains a NUL byte")
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split()
        if len(cols) < 6:
            raise InputFileError(str(path), n, "a PED line needs 6 columns")
        fam, ind, father, mother, sex, pheno = cols[:6]
        out[ind] = {
            "family_id": fam,
            "paternal_id": None if father in ("0", ".") else father,
            "maternal_id": None if mother in ("0", ".") else mother,
            "sex": {"1": "male", "2": "female"}.get(sex),
            "phenotype": {"1": "unaffected", "2": "affected"}.get(pheno),
        }
    return out


def parser_processes() -> int:
    """How many parser processes a load uses (``config.load_parsers``: ``$WORKBENCH_LOAD_PARSERS``, default 2)."""
    return config.load_parsers()


def load_vcf(
    path: str | Path,
    identity: Identity,
    *,
    genome_build: str = "GRCh38",
    reference_fasta: str | None = None,
    sample_map: str | None = None,
    force: bool = False,
    force_genome: bool = False,
    allow_unknown_contigs: bool = False,
    allow_out_of_range: bool = False,
    progress: ProgressReporter | None = None,
    job_id: uuid.UUID | None = None,
    url: str | None = None,
) -> LoadResult:
    """Load one VCF (plain or bgzipped) — see the module contract."""
    require(identity, Role.CURATOR, "load VCF files")
    progress = progress or ProgressReporter(None)
    started = time.monotonic()
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    build = known_build(genome_build)
    policy = RecordPolicy(allow_unknown_contigs=allow_unknown_contigs, allow_out_of_range=allow_out_of_range)
    url = url or database_url()
    ped = read_ped(sample_map) if sample_map else {}
    digest = file_sha256(path)
    batch_id = uuid.uuid4()
    with leases.holding(load_lease_key(batch_id), url):  # contract 6: the load is alive while this is held
        with psycopg.connect(url, autocommit=True) as admin:
            live = admin.execute(Q.driver_sql("live_load"), {"file_hash": digest, "genome_build": build}).fetchone()
            previous = live[0] if live else None
            status = "skipped_duplicate" if previous and not force else "running"
            admin.execute(
                Q.driver_sql("insert_load_audit"),
                {
                    "load_batch_id": batch_id,
                    "file_path": str(path.resolve()),
                    "file_name": path.name,
                    "file_hash": digest,
                    "file_size": path.stat().st_size,
                    "genome_build": build,
                    "status": status,
                    "is_reload": bool(previous and force),
                    "previous_load_id": previous,
                    "reference_fasta": reference_fasta,
                    "job_id": job_id,
                    "loaded_by": identity.user,
                },
            )
        if status == "skipped_duplicate":
            return LoadResult(
                str(batch_id),
                status,
                seconds=round(time.monotonic() - started, 3),
                previous_load_id=str(previous),
            )

        try:
            result = _load(
                path,
                build,
                batch_id,
                previous if force else None,
                reference_fasta,
                ped,
                progress,
                url,
                policy,
                force_genome,
            )
        except JobCancelled:
            _mark_failed(url, batch_id, "cancelled at the user's request", None, time.monotonic() - started)
            raise
        except WorkbenchError as exc:
            line = getattr(exc, "line", None)
            _mark_failed(url, batch_id, str(exc), line, time.monotonic() - started)
            return LoadResult(str(batch_id), "failed", seconds=round(time.monotonic() - started, 3), error=str(exc))
        except psycopg.Error as exc:
            message = _database_message(exc)
            _mark_failed(url, batch_id, message, None, time.monotonic() - started)
            return LoadResult(str(batch_id), "failed", seconds=round(time.monotonic() - started, 3), error=message)
        except BaseException as exc:
            _mark_failed(url, batch_id, f"interrupted: {type(exc).__name__}: {exc}", None, time.monotonic() - started)
            raise
        result.seconds = round(time.monotonic() - started, 3)
        progress.finish()
        return result


def _database_message(exc: psycopg.Error) -> str:
    translated = domain_error(exc)  # a declared constraint's violation, in words (services.db.errors)
    if translated is not None:
        return str(translated)
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return f"the database connection was lost: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return f"the database refused the load: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"


def _mark_failed(url: str, batch_id: uuid.UUID, message: str, line: int | None, seconds: float) -> None:
    """Record the failure; when the database is gone too, log that instead of raising over the load's error."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                Q.driver_sql("mark_load_failed"),
                {"message": message, "line": line, "seconds": seconds, "load_batch_id": batch_id},
            )
    except psycopg.Error as exc:
        _log.error("load %s failed (%s) and the failure could not be recorded: %s", batch_id, message, exc)


def mark_job_loads_failed(job_id: uuid.UUID, url: str | None = None) -> int:
    """``on_lost``: loads of a dead worker's job stay ``running`` forever unless marked failed here."""
    with psycopg.connect(url or database_url(), autocommit=True) as conn:
        return conn.execute(Q.driver_sql("fail_job_loads"), {"job_id": job_id}).rowcount


DEAD_LOAD_MESSAGE = (
    "the process loading this file stopped (killed, crashed or cut off from the database) before it "
    "finished; nothing of the file was kept"
)


def load_lease_key(batch_id: uuid.UUID | str) -> str:
    return f"variant_load:{batch_id}"


def sweep_dead_loads(url: str | None = None) -> int:
    """Contract 6: ``running`` loads whose lease nobody holds end ``failed`` with the reason; returns how many."""
    ended = 0
    with get_engine(url).begin() as conn:
        for (batch_id,) in conn.execute(Q.running_loads).all():
            if not leases.is_held(conn, load_lease_key(batch_id)):
                ended += conn.execute(Q.fail_dead_load, {"id": batch_id, "why": DEAD_LOAD_MESSAGE}).rowcount
    return ended


def _read_header(path: Path) -> Header:
    with open_text(path) as stream:
        header, _ = read_header(str(path), stream)
    return header


def _upsert_samples(conn: psycopg.Connection, names: list[str], ped: dict[str, dict[str, str | None]]) -> list[int]:
    ids = []
    upsert = Q.driver_sql("upsert_sample")
    for name in names:
        facts = ped.get(name, {})
        row = conn.execute(
            upsert,
            {
                "external_id": name,
                **{k: facts.get(k) for k in ("sex", "phenotype", "family_id", "paternal_id", "maternal_id")},
            },
        ).fetchone()
        ids.append(row[0])
    return ids


def _load(
    path: Path,
    build: str,
    batch_id: uuid.UUID,
    replaces: uuid.UUID | None,
    fasta: str | None,
    ped: dict,
    progress: ProgressReporter,
    url: str,
    policy: RecordPolicy,
    force_genome: bool,
) -> LoadResult:
    header = _read_header(path)
    if len(set(header.samples)) != len(header.samples):
        raise VcfFormatError(str(path), header.lines, "sample names in the #CHROM line are not unique")
    named = header_build(header)
    if named is not None and named[0] != build and not force_genome:
        raise VcfFormatError(
            str(path),
            None,
            f"the header names {named[0]} ({named[1]}) but the load is for {build}: pass --genome with the "
            "file's build, or --force-genome to load it as " + build,
        )
    t_start = time.monotonic()
    with psycopg.connect(url) as conn:  # one transaction: commits at the end of the block, else rolls back
        sample_ids = _upsert_samples(conn, header.samples, ped)
        if replaces is not None:
            conn.execute(Q.driver_sql("delete_load_variants"), {"load_batch_id": replaces})
            conn.execute(Q.driver_sql("mark_load_replaced"), {"load_batch_id": replaces})
        summary = ParseSummary()
        copy_sql = Q.sql("copy_variants").format(cols=quote_list(VARIANT_COPY_COLUMNS))
        _create_allele_staging(conn)
        seconds = {"variants": 0.0, "alleles": 0.0, "waiting for parsers": 0.0}
        with ParsedBlocks(
            str(path), header.lines, build, batch_id, sample_ids, fasta, parser_processes(), policy
        ) as blocks:
            stream = _timed(iter(blocks), seconds)
            finished = False
            while not finished:  # one COPY per chunk of records, then that chunk's alleles (parsing goes on)
                t = time.monotonic()
                allele_parts: list[bytes] = []
                chunk_end = summary.records + ALLELE_CHUNK_RECORDS
                with conn.cursor().copy(copy_sql) as copy:
                    copy.write(cb.HEADER)
                    for block in stream:
                        copy.write(block.variant_rows)
                        allele_parts.append(block.allele_rows)
                        summary.add(block)
                        progress.set(summary.records)
                        progress.check_cancelled()
                        if summary.records >= chunk_end:
                            break
                    else:
                        finished = True
                    copy.write(cb.TRAILER)
                seconds["variants"] += time.monotonic() - t
                t = time.monotonic()
                _insert_alleles(conn, allele_parts)
                seconds["alleles"] += time.monotonic() - t
        _log.info(
            "variants copied in %.1fs (%.1fs of it waiting for parsed rows), alleles staged and inserted in %.1fs "
            "(%.1fs in all)",
            seconds["variants"],
            seconds["waiting for parsers"],
            seconds["alleles"],
            time.monotonic() - t_start,
        )
        warnings = _warning_entries(summary.warnings)
        conn.execute(
            Q.driver_sql("complete_load"),
            {
                "reference_genome": header.assembly,
                "tool_versions": Jsonb(header.tool_versions),
                "consequence_fields": Jsonb(_consequence_fields(header)),
                "records_total": summary.records,
                "variants_loaded": summary.rows,
                "variants_skipped": summary.skipped,
                "skip_reasons": Jsonb(dict(summary.skip_reasons)),
                "samples_count": len(header.samples),
                "warnings": Jsonb(warnings),
                "load_batch_id": batch_id,
            },
        )
    return LoadResult(
        str(batch_id),
        "completed",
        records=summary.records,
        variants_loaded=summary.rows,
        variants_skipped=summary.skipped,
        skip_reasons=dict(summary.skip_reasons),
        samples=len(header.samples),
        previous_load_id=str(replaces) if replaces else None,
        warnings=warnings,
    )


def _timed(blocks: Iterator[BlockResult], seconds: dict[str, float]) -> Iterator[BlockResult]:
    """``blocks``, adding the time spent waiting for each to ``seconds["waiting for parsers"]``."""
    while True:
        t = time.monotonic()
        block = next(blocks, None)
        seconds["waiting for parsers"] += time.monotonic() - t
        if block is None:
            return
        yield block


def _create_allele_staging(conn: psycopg.Connection) -> None:
    """The session's allele staging table; ``temp_buffers`` first, so that it stays in memory."""
    conn.execute(Q.sql("allele_staging_memory"))
    conn.execute(Q.sql("create_allele_staging").format(staging=quote_identifier(ALLELE_STAGING)))


def _insert_alleles(conn: psycopg.Connection, parts: list[bytes]) -> None:
    """Stage one chunk's alleles and insert the new ones; an existing id with a different key (a 64-bit
    collision) raises. The cheap plain INSERT is tried first (``insert_new_sql``); when another load inserted
    some of the same alleles meanwhile, the chunk is merged with ``upsert_sql`` instead."""
    from services.alleles.keys import AlleleKeyCollision, insert_new_sql, upsert_sql

    staging = quote_identifier(ALLELE_STAGING)
    conn.execute(Q.sql("empty_allele_staging").format(staging=staging))
    copy_sql = Q.sql("copy_allele_staging").format(staging=staging, cols=quote_list(STAGING_COLUMNS))
    with conn.cursor().copy(copy_sql) as copy:
        copy.write(cb.HEADER)
        for part in parts:
            copy.write(part)
        copy.write(cb.TRAILER)
    try:
        with conn.transaction():  # a savepoint: a concurrent load's new alleles make the plain INSERT fail
            clash = conn.execute(insert_new_sql(ALLELE_STAGING)).fetchone()
    except psycopg.errors.UniqueViolation:
        _log.info("alleles inserted concurrently by another load: merging them")
        clash = conn.execute(upsert_sql(ALLELE_STAGING)).fetchone()
    if clash:
        raise AlleleKeyCollision(
            f"allele {clash[0]}:{clash[1]} {clash[2]}>{clash[3]} collides with another "
            "allele's 64-bit key; it cannot be stored"
        )


def _consequence_fields(header: Header) -> dict[str, list[str]]:
    from services.alleles.consequences import EFF_FIELDS

    out: dict[str, list[str]] = {}
    if header.csq_fields:
        out["CSQ"] = header.csq_fields
    if header.ann_fields:
        out["ANN"] = header.ann_fields
    if header.has_eff:
        out["EFF"] = EFF_FIELDS
    return out
