"""Reading an OBO 1.2/1.4 file with ``fastobo`` (a maintained OBO parser) into plain term records.

Contract:
1. ``read_obo`` returns the header facts (``data-version``, ``format-version``, ``ontology``), every
   ``[Term]`` frame as an ``OboTerm`` (typedefs and instances are not terms), and the SHA-256 of the
   decompressed text, computed in the same single pass the parser reads.
2. A syntax error (a broken stanza) raises ``InputFileError`` with the parser's line number.
3. Relationships of the types in ``RELATION_TYPES`` are kept; other relations (has_part, occurs_in, …) are
   counted in ``ignored_relations``. A kept parent that is not a term of the file (a dangling parent)
   raises ``InputFileError`` naming the child, the relation and the parent.
4. A term stanza that appears twice is merged (OBO semantics): the first name/definition wins, lists unite.
5. fastobo is strict; one common slip is tolerated: a ``def: "…"`` line without its ``[…]`` xref list (as
   in the CAFA-evaluator's IDPO example) is read as having an empty one. Line numbers and the content hash
   are those of the file as stored.
6. A term whose namespace (own or the header's ``default-namespace``) is not one of the three GO namespaces
   (``ASPECTS``), and a cycle of ``is_a``/``part_of`` edges (the relations closures follow), are refused
   with ``InputFileError`` naming the term and the line of its ``id:``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import BinaryIO

import fastobo

from services.errors import InputFileError
from services.input_files import InputFile
from services.ontology.models import ASPECTS, PROPAGATING_RELATIONS, RELATION_TYPES


@dataclass
class OboTerm:
    go_id: str
    name: str | None = None
    namespace: str | None = None
    definition: str | None = None
    is_obsolete: bool = False
    alt_ids: list[str] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    consider: list[str] = field(default_factory=list)
    parents: list[tuple[str, str]] = field(default_factory=list)  # (relation_type, parent id)

    @property
    def aspect(self) -> str | None:
        return ASPECTS.get(self.namespace or "")


@dataclass(frozen=True)
class OboDocument:
    obo_version: str | None
    format_version: str | None
    ontology: str | None
    content_hash: str
    terms: dict[str, OboTerm]
    ignored_relations: int

    def relationships(self) -> list[tuple[str, str, str]]:
        """``(child, parent, relation_type)`` for every kept edge, each once."""
        edges = {(t.go_id, p, rel) for t in self.terms.values() for rel, p in t.parents}
        return sorted(edges)


class _HashingReader:
    """A binary stream that hashes what the parser reads from it."""

    def __init__(self, raw: BinaryIO, on_read=None):
        self._raw, self.sha256, self._on_read = raw, hashlib.sha256(), on_read
        self.failure: InputFileError | None = None  # fastobo hides what a read raised: kept here

    def read(self, size: int = -1) -> bytes:
        try:
            chunk = self._raw.read(size)
        except InputFileError as exc:  # e.g. a truncated gzip file
            self.failure = exc
            raise
        self.sha256.update(chunk)
        if self._on_read is not None:
            self._on_read()
        return chunk


class _MissingXrefFixer:
    """Appends `` []`` to ``def: "…"`` lines that end at the closing quote (no xref list).

    Whole lines are fixed a chunk at a time; ``read(n)`` serves exactly ``n`` bytes until the end, as
    fastobo expects of a binary stream. On the way it notes the line of each ``id:`` (``id_lines``).
    """

    _DEF = re.compile(rb'(?m)^(def:[ \t]*".*")[ \t]*(\r?)$')
    _ID = re.compile(rb"(?m)^id:[ \t]*(\S+)")

    def __init__(self, raw) -> None:
        self._raw, self._partial, self._out, self._eof = raw, b"", bytearray(), False
        self.id_lines: dict[str, int] = {}
        self._lines = 0

    def _note_ids(self, data: bytes) -> None:
        start = 0
        for m in self._ID.finditer(data):
            self._lines += data.count(b"\n", start, m.start())
            start = m.start()
            self.id_lines.setdefault(m.group(1).decode("utf-8", "replace"), self._lines + 1)
        self._lines += data.count(b"\n", start)

    def _fill(self, want: int) -> None:
        while len(self._out) < want and not self._eof:
            chunk = self._raw.read(1 << 20)
            if not chunk:
                self._eof = True
                data, self._partial = self._partial, b""
            else:
                data = self._partial + chunk
                cut = data.rfind(b"\n") + 1
                data, self._partial = data[:cut], data[cut:]
            self._note_ids(data)
            self._out += self._DEF.sub(rb"\1 []\2", data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            self._fill(1 << 62)
            size = len(self._out)
        self._fill(size)
        out = bytes(self._out[:size])
        del self._out[:size]
        return out


def read_obo(infile: InputFile, on_read=None) -> OboDocument:
    hashing = _HashingReader(infile.binary(), on_read)
    reader = _MissingXrefFixer(hashing)
    terms: dict[str, OboTerm] = {}
    header: dict[str, str] = {}
    ignored = 0
    try:
        frames = fastobo.iter(reader, ordered=True, threads=1)
        default_namespace: str | None = None
        for clause in frames.header():
            kind = type(clause).__name__
            if kind == "DataVersionClause":
                header["data-version"] = str(clause.version)
            elif kind == "FormatVersionClause":
                header["format-version"] = str(clause.version)
            elif kind == "OntologyClause":
                header["ontology"] = str(clause.raw_value())
            elif kind == "DefaultNamespaceClause":
                default_namespace = str(clause.namespace)
        for frame in frames:
            if not isinstance(frame, fastobo.term.TermFrame):
                continue
            ignored += _read_term(frame, terms, default_namespace)
    except SyntaxError as exc:
        if hashing.failure is not None:
            raise hashing.failure from None
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise InputFileError(infile.name, line, f"malformed OBO: {exc.msg}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        if hashing.failure is not None:
            raise hashing.failure from None
        raise InputFileError(infile.name, None, f"malformed OBO: {exc}") from exc
    except (TypeError, OSError):
        if hashing.failure is not None:
            raise hashing.failure from None
        raise
    # Drain what the parser did not need to read, so the hash covers the whole file.
    while hashing.read(1 << 20):
        pass
    if not terms:
        raise InputFileError(infile.name, None, "no [Term] stanzas found: not an OBO ontology")
    for term in terms.values():
        for rel, parent in term.parents:
            if parent not in terms:
                raise InputFileError(
                    infile.name,
                    reader.id_lines.get(term.go_id),
                    f"dangling parent: {term.go_id} has {rel} {parent}, which is not a term of this file",
                )
        if term.aspect is None:
            shown = "no namespace" if not term.namespace else f"namespace {term.namespace!r}"
            raise InputFileError(
                infile.name,
                reader.id_lines.get(term.go_id),
                f"term {term.go_id} has {shown}; a GO term's namespace is one of {', '.join(ASPECTS)}",
            )
    cycle = find_cycle(terms)
    if cycle:
        raise InputFileError(
            infile.name,
            reader.id_lines.get(cycle[0]),
            f"is_a/part_of cycle: {' → '.join([*cycle, cycle[0]])}; an ontology's is_a and part_of edges must not loop",
        )
    return OboDocument(
        obo_version=header.get("data-version"),
        format_version=header.get("format-version"),
        ontology=header.get("ontology"),
        content_hash=hashing.sha256.hexdigest(),
        terms=terms,
        ignored_relations=ignored,
    )


def find_cycle(terms: dict[str, OboTerm]) -> list[str] | None:
    """A cycle of ``is_a``/``part_of`` edges (child → parent), as the list of its terms, or None."""
    parents = {
        go_id: [p for rel, p in t.parents if rel in PROPAGATING_RELATIONS and p in terms and p != go_id]
        for go_id, t in terms.items()
    }
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in sorted(parents):
        if state.get(root):
            continue
        path: list[str] = [root]
        stack = [iter(parents[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            seen = state.get(nxt)
            if seen == 1:
                return path[path.index(nxt) :]
            if seen is None:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(parents[nxt]))
    return None


def _read_term(frame, terms: dict[str, OboTerm], default_namespace: str | None) -> int:
    go_id = str(frame.id)
    term = terms.get(go_id)
    if term is None:
        term = terms[go_id] = OboTerm(go_id)
    ignored = 0
    for clause in frame:
        kind = type(clause).__name__
        if kind == "IsAClause":
            term.parents.append(("is_a", str(clause.term)))
        elif kind == "RelationshipClause":
            rel = str(clause.typedef)
            if rel in RELATION_TYPES:
                term.parents.append((rel, str(clause.term)))
            else:
                ignored += 1
        elif kind == "NameClause":
            term.name = term.name or clause.name
        elif kind == "NamespaceClause":
            term.namespace = term.namespace or str(clause.namespace)
        elif kind == "DefClause":
            term.definition = term.definition or clause.definition
        elif kind == "AltIdClause":
            term.alt_ids.append(str(clause.alt_id))
        elif kind == "IsObsoleteClause":
            term.is_obsolete = term.is_obsolete or bool(clause.obsolete)
        elif kind == "ReplacedByClause":
            term.replaced_by.append(str(clause.term))
        elif kind == "ConsiderClause":
            term.consider.append(str(clause.term))
    if term.namespace is None and default_namespace:
        term.namespace = default_namespace
    return ignored
