"""Parsing one VCF in parallel: the file is read and decompressed once, its lines converted by parser processes.

Contract:
1. ``read_blocks(path, skip_lines)`` yields ``(first_line_no, bytes)``: blocks of whole lines of about
   ``BLOCK_BYTES`` from a plain or gzip/BGZF file, after the first ``skip_lines`` lines (the header). The file is
   decompressed exactly once; a truncated or corrupt compressed file raises ``VcfFormatError`` naming it.
2. ``ParsedBlocks`` starts ``workers`` parser processes, feeds them the blocks round-robin from a feeder thread
   (at most ``IN_FLIGHT`` blocks per parser are queued or being parsed) and collects their results in file
   order from a receiver thread into a queue holding at most about ``READY_BYTES`` of parsed rows, so memory
   stays bounded by these constants whatever the file size, and the parsers keep working while the caller is
   busy elsewhere (e.g. a statement on the server: ``READY_BYTES`` covers a few seconds of parsing).
   Iterating yields each block's ``BlockResult`` in file order. The first error in file order — a
   malformed line found by a parser, or an unreadable file found by the feeder — is raised by the iterator as
   ``VcfFormatError`` with the file, line and reason. Leaving the ``with`` block (normally, on an error or on
   cancellation) stops the feeder and the processes.
3. Parsers never touch the database: they turn lines into binary COPY rows (``RecordConverter``), the caller
   owns the transaction.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from services.alleles.vcf_header import VcfFormatError, open_binary, open_text, read_header

BLOCK_BYTES = 2 << 20  # uncompressed bytes per block
IN_FLIGHT = 3  # blocks queued or being parsed per parser process
READY_BYTES = 128 << 20  # parsed rows waiting for the caller (a 2 MB block of real VEP records gives ~1 MB)
_END = object()


@dataclass
class BlockResult:
    """One block's binary COPY rows for ``variants`` and the allele staging, with its counts."""

    records: int
    rows: int
    skipped: int
    skip_reasons: dict[str, int]
    contigs: set[str]
    variant_rows: bytes
    allele_rows: bytes
    warnings: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class ParseSummary:
    """Counts over every block consumed so far."""

    records: int = 0
    rows: int = 0
    skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    contigs: set[str] = field(default_factory=set)
    warnings: Counter = field(default_factory=Counter)  # (kind, contig) -> records

    def add(self, block: BlockResult) -> None:
        self.records += block.records
        self.rows += block.rows
        self.skipped += block.skipped
        self.skip_reasons.update(block.skip_reasons)
        self.contigs |= block.contigs
        if block.warnings:
            self.warnings.update(block.warnings)


def count_lines(data: bytes) -> int:
    """How many newlines ``data`` holds: ``data.count(b"\\n")``, four times faster (``find`` skips with memchr
    where ``count`` of one byte compares byte by byte; the feeder counts every byte of the file)."""
    n = 0
    find = data.find
    at = find(b"\n")
    while at >= 0:
        n += 1
        at = find(b"\n", at + 1)
    return n


def read_blocks(path: str, skip_lines: int, block_bytes: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines after the first ``skip_lines`` lines (module contract, point 1)."""
    size = block_bytes or BLOCK_BYTES
    next_line = 1
    carry = b""
    with open_binary(path) as fh:
        while True:
            chunk = fh.read(size)
            if not chunk:
                break
            cut = chunk.rfind(b"\n")
            if cut < 0:
                carry += chunk
                continue
            # one copy of the block at most: the carried partial line joined to the chunk's whole lines
            if carry or cut + 1 < len(chunk):
                block = b"".join((carry, memoryview(chunk)[: cut + 1]))
            else:
                block = chunk
            carry = chunk[cut + 1 :]
            lines = count_lines(block)
            if next_line <= skip_lines:
                drop = min(skip_lines - next_line + 1, lines)
                start = 0
                for _ in range(drop):
                    start = block.index(b"\n", start) + 1
                block, next_line, lines = block[start:], next_line + drop, lines - drop
                if not block:
                    continue
            yield next_line, block
            next_line += lines
    if carry and next_line > skip_lines:
        yield next_line, carry


def _parse(
    inbox: Connection,
    outbox: Connection,
    path: str,
    build: str,
    batch: bytes,
    sample_ids: list[int],
    fasta: str | None,
    policy: Any = None,
) -> None:
    """A parser process: ("block", first_line_no) then the block's bytes (``send_bytes``) → ("rows", BlockResult
    counts…) then the variant rows and the allele rows (two ``send_bytes``, no pickled copy of the data);
    ("fail", …) and conversion errors → ("error", path, line, reason); ("end",) → ("end",) and exit."""
    from services.variants.fastpath import convert_block
    from services.variants.records import RecordConverter
    from services.variants.reference import fasta_fetcher

    line_no: int | None = None
    try:
        with open_text(path) as stream:
            header, _ = read_header(path, stream)
        conv = RecordConverter(
            path, header, build, uuid.UUID(bytes=batch), sample_ids, fasta_fetcher(fasta, build), policy
        )
        stats = conv.stats
        while True:
            msg = inbox.recv()
            if msg[0] == "end":
                outbox.send(("end",))
                return
            if msg[0] == "fail":
                outbox.send(("error", *msg[1:]))
                return
            first = msg[1]
            data = inbox.recv_bytes()
            before = (stats.records, stats.rows, stats.skipped, Counter(stats.skip_reasons))
            stats.contigs = set()
            stats.warnings = Counter()
            rows, alleles = bytearray(), bytearray()
            line_no = first  # for an unexpected error: the block's first line
            convert_block(conv, data, first, rows, alleles)
            line_no = None
            reasons = Counter(stats.skip_reasons)
            reasons.subtract(before[3])
            outbox.send(
                (
                    "rows",
                    stats.records - before[0],
                    stats.rows - before[1],
                    stats.skipped - before[2],
                    {k: v for k, v in reasons.items() if v},
                    stats.contigs,
                    dict(stats.warnings),
                )
            )
            outbox.send_bytes(rows)
            outbox.send_bytes(alleles)
    except VcfFormatError as exc:
        outbox.send(("error", exc.path, exc.line, exc.reason))
    except (EOFError, OSError, KeyboardInterrupt):  # the loader went away: nothing to report to
        return
    except Exception as exc:  # noqa: BLE001 - reported to the loader as a failed load
        outbox.send(("error", path, line_no, f"{type(exc).__name__}: {exc}"))


class ParsedBlocks:
    """Parser processes fed by a feeder thread; iterate for ``BlockResult``s in file order (module contract)."""

    def __init__(
        self,
        path: str,
        skip_lines: int,
        build: str,
        batch: uuid.UUID,
        sample_ids: list[int],
        fasta: str | None,
        workers: int,
        policy: Any = None,
    ):
        self.path = path
        self.skip_lines = skip_lines
        self.workers = max(1, workers)
        self._args = (path, build, batch.bytes, sample_ids, fasta, policy)
        self._slots = threading.Semaphore(self.workers * IN_FLIGHT)
        self._stop = threading.Event()
        self._inboxes: list[Connection] = []
        self._outboxes: list[Connection] = []
        self._processes: list[Any] = []
        self._feeder: threading.Thread | None = None
        self._receiver: threading.Thread | None = None
        self._ready: queue.Queue = queue.Queue()
        self._ready_bytes = 0  # rows in ``_ready``; the receiver waits on ``_room`` while it is READY_BYTES
        self._room = threading.Condition()

    def __enter__(self) -> ParsedBlocks:
        ctx = mp.get_context("spawn")
        try:
            for _ in range(self.workers):
                in_recv, in_send = ctx.Pipe(duplex=False)
                out_recv, out_send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_parse, args=(in_recv, out_send, *self._args), daemon=True)
                proc.start()
                in_recv.close()
                out_send.close()
                self._inboxes.append(in_send)
                self._outboxes.append(out_recv)
                self._processes.append(proc)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self._feeder = threading.Thread(target=self._feed, name="vcf-block-feeder", daemon=True)
        self._feeder.start()
        self._receiver = threading.Thread(target=self._receive, name="vcf-block-receiver", daemon=True)
        self._receiver.start()
        return self

    def _feed(self) -> None:
        """Send blocks round-robin, then one closing message to the parser whose turn is next (``fail`` if the
        file could not be read to its end) and ``end`` to the others."""
        turn = 0
        closing: tuple = ("end",)
        try:
            for first, data in read_blocks(self.path, self.skip_lines):
                self._slots.acquire()
                if self._stop.is_set():
                    return
                inbox = self._inboxes[turn % self.workers]
                inbox.send(("block", first))
                inbox.send_bytes(data)
                turn += 1
        except VcfFormatError as exc:
            closing = ("fail", exc.path, exc.line, exc.reason)
        except OSError:
            if self._stop.is_set():
                return
            closing = ("fail", self.path, None, "the file could not be read to its end")
        except Exception as exc:  # noqa: BLE001 - reported in file order through a parser
            closing = ("fail", self.path, None, f"{type(exc).__name__}: {exc}")
        try:
            for k in range(self.workers):
                self._inboxes[(turn + k) % self.workers].send(closing if k == 0 else ("end",))
        except OSError:
            return

    def _receive(self) -> None:
        """Results in file order into the ready queue; an error or the end closes it."""
        turn = 0
        item: object = _END
        try:
            while not self._stop.is_set():
                outbox = self._outboxes[turn % self.workers]
                msg = outbox.recv()
                if msg[0] == "end":
                    break
                if msg[0] == "error":
                    item = VcfFormatError(msg[1], msg[2], msg[3])
                    break
                records, rows, skipped, reasons, contigs, warnings = msg[1:]
                variant_rows, allele_rows = outbox.recv_bytes(), outbox.recv_bytes()
                self._slots.release()
                turn += 1
                block = BlockResult(records, rows, skipped, reasons, contigs, variant_rows, allele_rows, warnings)
                self._put(block, len(block.variant_rows) + len(block.allele_rows))
        except (EOFError, OSError):
            if self._stop.is_set():
                return
            item = VcfFormatError(self.path, None, "a parser process stopped unexpectedly")
        self._put(item)

    def _put(self, item: object, size: int = 0) -> None:
        """Queue ``item`` once the rows waiting leave room for it (an end or an error always goes in)."""
        with self._room:
            while size and self._ready_bytes >= READY_BYTES and not self._stop.is_set():
                self._room.wait(timeout=0.2)
            if self._stop.is_set():
                return
            self._ready_bytes += size
        self._ready.put((item, size))

    def __iter__(self) -> Iterator[BlockResult]:
        while True:
            item, size = self._ready.get()
            if size:
                with self._room:
                    self._ready_bytes -= size
                    self._room.notify()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def __exit__(self, exc_type: object, *_: object) -> None:
        """Stop without hanging: parsers still alive after a normal end get a moment to exit, after an error
        or a cancellation they are killed at once; their pipes then close, which ends the threads' waits."""
        self._stop.set()
        for _ in range(self.workers * IN_FLIGHT + 1):
            self._slots.release()
        for proc in self._processes:
            if exc_type is None:
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
            proc.join()
        for thread in (self._receiver, self._feeder):
            if thread is not None:
                thread.join(timeout=30)
        for conn in self._inboxes + self._outboxes:
            conn.close()
