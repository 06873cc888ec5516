"""Real-record VCF for the load benchmark (issue 18): the records of a real annotated VCF tiled to N.

``tile(source, path, records)`` keeps every header line of ``source`` except its ``##contig`` lines (replaced by
GRCh38's chr1–22 and chrX), and writes ``records`` data lines whose REF, ALT, QUAL, FILTER, INFO (with its
VEP ``CSQ``), FORMAT and sample columns are the source's records verbatim, taken in a fixed shuffled cycle;
only CHROM, POS and ID are rewritten: positions spread over the contigs in proportion to their length, strictly
increasing within a contig (at least one record span apart, so no two tiled records overlap), in contig order,
written as BGZF. Deterministic for a given source, ``records`` and ``seed``.

    PYTHONPATH=. .venv/bin/python -m bench.real_vcf 1000000 bench/out/real_1000000.vcf.gz
"""

from __future__ import annotations

import gzip
import random
import sys
from pathlib import Path

from bench.vcf_fixture import CONTIGS, BgzfWriter

SOURCE = Path("/work/shared/data/vcf/annotated_ranked.vcf.gz")


def _read(source: Path) -> tuple[list[str], str, list[list[str]]]:
    meta, columns, records = [], "", []
    with gzip.open(source, "rt") as fh:
        for line in fh:
            if line.startswith("##"):
                if not line.startswith("##contig="):
                    meta.append(line.rstrip("\n"))
            elif line.startswith("#"):
                columns = line.rstrip("\n")
            elif line.strip():
                records.append(line.rstrip("\n").split("\t"))
    if not records:
        raise SystemExit(f"{source}: no records to tile")
    return meta, columns, records


def tile(source: Path, path: Path, records: int, seed: int = 18) -> dict[str, float]:
    """Write the tiled file; returns its size figures (records, bytes, bytes per record, source records)."""
    meta, columns, rows = _read(source)
    rng = random.Random(seed)
    cycle = rows[:]
    rng.shuffle(cycle)
    total = sum(n for _, n in CONTIGS)
    per_contig = [max(1, round(records * n / total)) for _, n in CONTIGS]
    per_contig[0] += records - sum(per_contig)  # rounding lands on chr1
    header = [meta[0]] + [f"##contig=<ID={c},length={n},assembly=GRCh38>" for c, n in CONTIGS] + meta[1:]
    out = BgzfWriter(path)
    out.write(("\n".join(header + [columns]) + "\n").encode())
    written = 0
    for (chrom, length), count in zip(CONTIGS, per_contig, strict=True):
        step = (length - 1_000) // count
        lines = []
        for i in range(count):
            rec = cycle[written % len(cycle)]
            pos = 1_000 + i * step + rng.randrange(max(1, step - len(rec[3]) - 1))
            lines.append("\t".join([chrom, str(pos), f"{chrom}_{pos}_{rec[3]}_{rec[4]}", *rec[3:]]))
            written += 1
        out.write(("\n".join(lines) + "\n").encode())
    out.close()
    size = path.stat().st_size
    return {"records": written, "bytes": size, "bytes_per_record": size / written, "source_records": len(rows)}


def main() -> None:
    records, path = int(sys.argv[1]), Path(sys.argv[2])
    figures = tile(SOURCE, path, records)
    print(
        f"{path}: {figures['records']:,} records tiled from {figures['source_records']} real ones, "
        f"{figures['bytes'] / 1e6:.1f} MB ({figures['bytes_per_record']:.0f} B per record, BGZF)"
    )


if __name__ == "__main__":
    main()
