"""NCBI taxonomy features from a taxdump's ``nodes.dmp``: lowest common ancestor, distance, relation.

Contract:
1. ``Taxonomy.load(path)`` reads ``nodes.dmp`` (a file, or a directory holding it) once; lines are
   ``tax_id | parent tax_id | rank | …`` with ``\\t|\\t`` separators. The root is its own parent.
   A malformed line is an ``InputFileError`` naming the line.
2. ``compare(query, ref)``: ``lca`` is the deepest shared ancestor (a taxon counts as its own ancestor);
   ``distance`` the number of edges from each taxon up to it, summed; ``common_ancestors`` how many taxa
   the two lineages share (root included); ``relation`` is ``same``, ``ancestor`` (the reference is an
   ancestor of the query), ``descendant``, or ``related`` (neither lineage contains the other).
   Unknown taxa give ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.errors import InputFileError


@dataclass(frozen=True)
class TaxonomyFeatures:
    lca: int
    distance: int
    common_ancestors: int
    relation: str


class Taxonomy:
    def __init__(self, parents: dict[int, int]):
        self.parents = parents

    @classmethod
    def load(cls, path: str | Path) -> Taxonomy:
        nodes = Path(path)
        if nodes.is_dir():
            nodes = nodes / "nodes.dmp"
        if not nodes.is_file():
            raise InputFileError(str(nodes), None, "no NCBI taxdump nodes.dmp here")
        parents: dict[int, int] = {}
        with nodes.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                fields = line.rstrip("\n").removesuffix("\t|").split("\t|\t")
                try:
                    parents[int(fields[0])] = int(fields[1])
                except (IndexError, ValueError):
                    raise InputFileError(str(nodes), number, "not a nodes.dmp line (tax_id | parent | …)") from None
        return cls(parents)

    def lineage(self, taxon: int) -> list[int] | None:
        """The taxon and its ancestors up to the root, nearest first; ``None`` for an unknown taxon."""
        if taxon not in self.parents:
            return None
        path = [taxon]
        seen = {taxon}
        while True:
            parent = self.parents.get(path[-1])
            if parent is None or parent == path[-1] or parent in seen:
                return path
            path.append(parent)
            seen.add(parent)

    def compare(self, query: int | None, ref: int | None) -> TaxonomyFeatures | None:
        if query is None or ref is None:
            return None
        q, r = self.lineage(query), self.lineage(ref)
        if q is None or r is None:
            return None
        in_r = {t: i for i, t in enumerate(r)}
        for up_q, taxon in enumerate(q):
            if taxon in in_r:
                up_r = in_r[taxon]
                common = len(q) - up_q
                if query == ref:
                    relation = "same"
                elif taxon == ref:
                    relation = "ancestor"
                elif taxon == query:
                    relation = "descendant"
                else:
                    relation = "related"
                return TaxonomyFeatures(taxon, up_q + up_r, common, relation)
        return None


@lru_cache(maxsize=4)
def load_taxonomy(path: str) -> Taxonomy:
    """A parsed taxdump, cached per process and path."""
    return Taxonomy.load(path)
