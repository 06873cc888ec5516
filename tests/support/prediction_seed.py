"""A small self-made catalog, loaded through the real FASTA, OBO and GAF loaders: reference proteins with GO annotations
(experimental, electronic and NOT-qualified), an ontology snapshot, and a FASTA query set.

Sequences are invented. Q1 equals P00003 exactly (leakage) and differs from P00001 by two residues; P00004
is unlike the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.go_annotations.loader import load_gaf
from services.ontology.loader import load_obo
from services.proteins.fasta_loader import load_fasta

CURATOR = Identity("cora", Role.CURATOR)
VIEWER = Identity("vic", Role.VIEWER)

SEQ_A = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ"
SEQ_A2 = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDWW"
SEQ_B = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKCCCCCC"
SEQ_C = "GGGGGGPPPPPPWWWWWWHHHHHHGGGGGGPPPPPPWWWWWW"

REFERENCE_FASTA = f""">sp|P00001|PA_TEST Protein A OS=Escherichia coli OX=562 GN=pa PE=1 SV=1
{SEQ_A}
>sp|P00002|PB_TEST Protein B OS=Escherichia OX=561 GN=pb PE=1 SV=1
{SEQ_B}
>sp|P00003|PC_TEST Protein C, same sequence as the query OS=Escherichia coli OX=562 PE=1 SV=1
{SEQ_A2}
>sp|P00004|PD_TEST Protein D OS=Bacteria OX=2 PE=1 SV=1
{SEQ_C}
"""

QUERY_FASTA = f""">Q1 query one OX=562
{SEQ_A2}
>Q2 query two
{SEQ_C}GG
"""

TERMS = [
    ("GO:0000001", "binding A", "molecular_function"),
    ("GO:0000002", "process B", "biological_process"),
    ("GO:0000003", "component C", "cellular_component"),
    ("GO:0000004", "binding D", "molecular_function"),
    ("GO:0000005", "binding E", "molecular_function"),
    ("GO:0000006", "process F", "biological_process"),
    ("GO:0000010", "binding (root)", "molecular_function"),
]
PARENTS = {"GO:0000001": "GO:0000010", "GO:0000004": "GO:0000010", "GO:0000005": "GO:0000010"}
ASPECT = {"molecular_function": "F", "biological_process": "P", "cellular_component": "C"}

# (protein, term, qualifier, evidence)
ANNOTATIONS = [
    ("P00001", "GO:0000001", "enables", "IDA"),
    ("P00001", "GO:0000002", "involved_in", "IEA"),  # electronic: filtered by default
    ("P00001", "GO:0000003", "NOT|located_in", "IDA"),  # NOT: never transferred
    ("P00002", "GO:0000004", "enables", "EXP"),
    ("P00003", "GO:0000005", "enables", "IDA"),  # identical to Q1: excluded as leakage
    ("P00004", "GO:0000006", "involved_in", "IMP"),
]


def obo_text() -> str:
    stanzas = ["format-version: 1.2\ndata-version: releases/2026-02-02\nontology: go\n"]
    for go_id, name, namespace in TERMS:
        parent = f"is_a: {PARENTS[go_id]}\n" if go_id in PARENTS else ""
        stanzas.append(f"[Term]\nid: {go_id}\nname: {name}\nnamespace: {namespace}\n{parent}")
    return "\n".join(stanzas)


def gaf_text() -> str:
    aspects = {go_id: ASPECT[ns] for go_id, _, ns in TERMS}
    lines = ["!gaf-version: 2.2"]
    for acc, go_id, qualifier, evidence in ANNOTATIONS:
        cols = ["UniProtKB", acc, "SYM", qualifier, go_id, "PMID:1", evidence, "", aspects[go_id], "Name", "",
                "protein", "taxon:562", "20240101", "UniProt", "", ""]  # fmt: skip
        lines.append("\t".join(cols))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Seeded:
    annotation_set_id: int
    snapshot_id: int
    query_set_id: int
    query_set: str
    terms: dict[str, int]


def seed_catalog(tmp_path: Path, query_set: str = "queries") -> Seeded:
    """Reference proteins, a tiny ontology and a GAF through the real loaders, plus a FASTA query set."""
    files = {"ref.fasta": REFERENCE_FASTA, "queries.fasta": QUERY_FASTA, "go.obo": obo_text(), "ref.gaf": gaf_text()}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with session_scope() as s:
        load_fasta(s, tmp_path / "ref.fasta", CURATOR)
        qs = load_fasta(s, tmp_path / "queries.fasta", CURATOR, query_set=query_set).query_set_id
        snapshot = load_obo(s, tmp_path / "go.obo", CURATOR).snapshot_id
        gaf = load_gaf(s, tmp_path / "ref.gaf", CURATOR, ontology=snapshot, source="goa", version="test-1")
        assert gaf.annotations == len(ANNOTATIONS), gaf
        terms = dict(
            s.execute(text("SELECT go_id, id FROM go_term WHERE ontology_snapshot_id = :s"), {"s": snapshot}).all()
        )
        return Seeded(gaf.annotation_set_id, snapshot, qs, query_set, terms)
