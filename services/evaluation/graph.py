"""One ontology as index arrays: the term graph the CAFA evaluator propagates over.

The rules follow the reference CAFA evaluator (cafaeval 1.3.0) so that scores computed here equal its scores:

1. Only ``is_a`` and ``part_of`` relations are kept (the relations CAFA propagates over).
2. Obsolete terms, terms without a namespace and terms of the ``external`` namespace are left out, with their
   alternative ids.
3. An edge to a parent outside the child's namespace (or to a term left out) is dropped, so every namespace is
   its own graph and a term whose parents all lie elsewhere is a root (an orphan) of its namespace.
4. An alternative id may name several primary terms; it stands for all of them.
5. The graph must be acyclic; a cycle is an error.

Namespaces of the Gene Ontology are labelled ``BPO``, ``MFO`` and ``CCO``; other ontologies keep their own
namespace names.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from services.errors import InputFileError, InvalidInput

GO_NAMESPACES: Mapping[str, str] = {
    "biological_process": "BPO",
    "molecular_function": "MFO",
    "cellular_component": "CCO",
}
NAMESPACE_ORDER: tuple[str, ...] = ("BPO", "MFO", "CCO")


def namespace_label(name: str) -> str:
    """``biological_process`` -> ``BPO`` (and so on); a label or another ontology's namespace stays as it is."""
    return GO_NAMESPACES.get(name, name)


@dataclass(frozen=True, eq=False)
class TermGraph:
    """One ontology (all namespaces) as index arrays.

    Invariants: ``ids[i]`` is a primary id; ``namespace[i]`` its namespace label; ``parents`` row i marks the
    direct is_a/part_of parents of i inside its namespace; ``ancestors`` row i holds i itself and every ancestor
    of i (the reflexive transitive closure of ``parents``), so propagating a term set is one sparse product.
    ``index`` maps every primary id, and every alternative id that names exactly one term, to its index;
    ``alternatives`` maps every alternative id to all the terms that list it.
    """

    ids: tuple[str, ...]
    namespace: np.ndarray
    index: Mapping[str, int]
    alternatives: Mapping[str, tuple[int, ...]]
    parents: sp.csr_matrix
    ancestors: sp.csr_matrix

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def primary(self) -> Mapping[str, int]:
        """Primary id -> index (alternative ids excluded)."""
        return {term: i for i, term in enumerate(self.ids)}

    @cached_property
    def namespaces(self) -> tuple[str, ...]:
        """The namespace labels present, GO's in the order BPO, MFO, CCO, then others as first seen."""
        seen = list(dict.fromkeys(self.namespace.tolist()))
        return tuple(sorted(seen, key=lambda ns: NAMESPACE_ORDER.index(ns) if ns in NAMESPACE_ORDER else 3))

    @cached_property
    def has_parent(self) -> np.ndarray:
        """Per index: whether the term has a parent in its namespace (False for roots and orphans)."""
        return np.diff(self.parents.indptr) > 0

    def resolve(self, term: str) -> tuple[int, ...]:
        """The indices a term id stands for: itself when primary, every term listing it when an alt_id, else ()."""
        i = self.primary.get(term)
        if i is not None:
            return (i,)
        return self.alternatives.get(term, ())

    def propagate_terms(self, rows: np.ndarray, cols: np.ndarray, n_rows: int) -> sp.csr_matrix:
        """Boolean (n_rows, len(self)) matrix of the given (row, term) pairs and all their ancestors."""
        raw = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n_rows, len(self.ids)))
        closed = (raw @ self.ancestors).tocsr()
        closed.data[:] = 1.0
        return closed.astype(bool)


def build_graph(terms: Sequence[tuple[str, str, Sequence[str]]], edges: Iterable[tuple[str, str]]) -> TermGraph:
    """A TermGraph from (primary id, namespace, alt_ids) triples and (child, parent) is_a/part_of edges.

    Terms keep the order given. Edges to unknown terms or across namespaces are dropped (rule 3).
    Raises InvalidInput when two terms share a primary id or the edges form a cycle.
    """
    ids = tuple(t[0] for t in terms)
    labels = np.array([namespace_label(t[1]) for t in terms], dtype=object)
    primary = {term: i for i, term in enumerate(ids)}
    if len(primary) != len(ids):
        raise InvalidInput("the ontology lists a term id twice")
    alt_sets: dict[str, list[int]] = {}
    for i, (_, _, alts) in enumerate(terms):
        for alt in alts:
            targets = alt_sets.setdefault(alt, [])
            if i not in targets:
                targets.append(i)
    alternatives = {alt: tuple(targets) for alt, targets in alt_sets.items()}
    index: dict[str, int] = {alt: t[0] for alt, t in alternatives.items() if len(t) == 1}
    index.update(primary)

    child_idx: list[int] = []
    parent_idx: list[int] = []
    for child, parent in edges:
        c, p = primary.get(child), primary.get(parent)
        if c is None or p is None or labels[c] != labels[p]:
            continue
        child_idx.append(c)
        parent_idx.append(p)
    n = len(ids)
    parents = sp.csr_matrix((np.ones(len(child_idx), dtype=np.float64), (child_idx, parent_idx)), shape=(n, n))
    parents.sum_duplicates()
    parents.data[:] = 1.0
    ancestors = _closure(parents, ids)
    return TermGraph(
        ids=ids,
        namespace=labels,
        index=index,
        alternatives=alternatives,
        parents=parents.astype(bool).tocsr(),
        ancestors=ancestors,
    )


def graph_from_edges(terms: Iterable[tuple[str, str, Sequence[str]]], edges: Iterable[tuple[str, str]]) -> TermGraph:
    """Build a TermGraph from in-memory terms (id, namespace name or BPO/MFO/CCO, alt_ids) and edges."""
    return build_graph([(t[0], t[1], tuple(t[2])) for t in terms], edges)


def _closure(parents: sp.csr_matrix, ids: Sequence[str]) -> sp.csr_matrix:
    """Reflexive transitive closure of the parent relation, by repeated squaring (log2(depth) products)."""
    n = parents.shape[0]
    reach = (sp.identity(n, dtype=np.float64, format="csr") + parents).tocsr()
    reach.data[:] = 1.0
    while True:
        nxt = (reach @ reach).tocsr()
        nxt.data[:] = 1.0
        if nxt.nnz == reach.nnz:
            break
        reach = nxt
    reach.sort_indices()
    # A cycle makes two distinct terms each other's ancestor.
    mutual = reach.multiply(reach.T).tocsr()
    if mutual.nnz != n:
        rows = np.repeat(np.arange(n), np.diff(mutual.indptr))
        where = rows[rows != mutual.indices]
        raise InvalidInput(f"the ontology has a cycle through term {ids[int(where[0])]}")
    return reach.astype(bool).tocsr()


# The lines the parser reads: after stripping, the key before the first ": " and the rest (the value).
_OBO_LINE = re.compile(r"^[^\S\n]*(id|alt_id|namespace|is_obsolete|is_a|relationship): (.*)$", re.MULTILINE)


def _read_text(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        return handle.read()


def graph_from_obo(path: str | Path) -> TermGraph:
    """Parse an OBO file (plain or .gz) the way the reference CAFA evaluator parses it.

    A record is taken at each ``id:`` line and closed by the next one (or the end of the file); it counts when
    it has a namespace other than ``external`` and no ``is_obsolete`` line. Parents come from ``is_a:`` lines
    (the text before ``!``) and ``relationship: part_of X`` lines. Lines are read as the reference reads them:
    stripped, then split at the first ``": "``; only the six keys above matter, so one regular expression
    finds them.
    Raises InputFileError when the file cannot be read or holds no term.
    """
    path = Path(path)
    records: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    term_id: str | None = None
    namespace: str | None = None
    obsolete = True
    alt_ids: list[str] = []
    rels: list[str] = []

    def close() -> None:
        if term_id is not None and not obsolete and namespace is not None:
            # A second record with one id replaces the first, as in the reference's dictionary.
            records[term_id] = (namespace, tuple(alt_ids), tuple(rels))

    try:
        text = _read_text(path)
    except OSError as exc:
        raise InputFileError(str(path), None, f"cannot be read ({exc.strerror or exc})") from exc
    for key, raw in _OBO_LINE.findall(text):
        value = raw.rstrip()
        if not value:
            continue  # "key:" alone: no ": " once stripped
        if key == "id":
            close()
            term_id, namespace, obsolete, alt_ids, rels = value, None, False, [], []
        elif key == "alt_id":
            alt_ids.append(value)
        elif key == "namespace":
            if value != "external":
                namespace = value
        elif key == "is_obsolete":
            obsolete = True
        elif key == "is_a":
            rels.append(value.split("!")[0].strip())
        elif value.startswith("part_of"):
            fields = value.split()
            if len(fields) > 1:
                rels.append(fields[1].strip())
    close()
    if not records:
        raise InputFileError(str(path), None, "holds no ontology term (is it an OBO file?)")
    terms = [(term, ns, alts) for term, (ns, alts, _) in records.items()]
    edges = [(term, parent) for term, (_, _, rels) in records.items() for parent in rels]
    try:
        return build_graph(terms, edges)
    except InvalidInput as exc:
        raise InputFileError(str(path), None, str(exc)) from exc
