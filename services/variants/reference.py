"""Reference bases for normalisation: ``fasta_fetcher(path, build)`` returns ``fetch(chrom, start0, end0)``.

Contract: contig names are matched as written in the FASTA or after the build's contig normalisation; an
unknown contig or a negative start gives ``""`` (the caller then cannot left-align or check REF there).
Without a path there is no fetcher (``None``).
"""

from __future__ import annotations

from collections.abc import Callable


def fasta_fetcher(fasta_path: str | None, build: str) -> Callable[[str, int, int], str] | None:
    if not fasta_path:
        return None
    from pyfaidx import Fasta

    from services.alleles.normalize import contig_normaliser

    fasta = Fasta(fasta_path, as_raw=True, sequence_always_upper=True)
    norm = contig_normaliser(build)
    names: dict[str, str] = {}
    for name in fasta.keys():
        names.setdefault(name, name)
        names.setdefault(norm(name), name)

    def fetch(chrom: str, start0: int, end0: int) -> str:
        name = names.get(chrom) or names.get(norm(chrom))
        if name is None or start0 < 0:
            return ""
        return str(fasta[name][start0:end0])

    return fetch
