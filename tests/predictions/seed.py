"""A small self-made catalog for embedding and prediction tests: reference proteins with GO annotations
(experimental, electronic and NOT-qualified), an ontology snapshot, and a FASTA query set.

Sequences are invented. Q1 equals P00003 exactly (leakage) and differs from P00001 by two residues; P00004
is unlike the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.go_annotations.models import AnnotationSet, ProteinGOAnnotation
from services.ontology.models import GOTerm, GOTermRelationship, OntologySnapshot
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
    ("GO:0000001", "binding A", "F"),
    ("GO:0000002", "process B", "P"),
    ("GO:0000003", "component C", "C"),
    ("GO:0000004", "binding D", "F"),
    ("GO:0000005", "binding E", "F"),
    ("GO:0000006", "process F", "P"),
    ("GO:0000010", "binding (root)", "F"),
]
PARENTS = {"GO:0000001": "GO:0000010", "GO:0000004": "GO:0000010", "GO:0000005": "GO:0000010"}

# (protein, term, qualifier, evidence)
ANNOTATIONS = [
    ("P00001", "GO:0000001", "enables", "IDA"),
    ("P00001", "GO:0000002", "involved_in", "IEA"),  # electronic: filtered by default
    ("P00001", "GO:0000003", "NOT|located_in", "IDA"),  # NOT: never transferred
    ("P00002", "GO:0000004", "enables", "EXP"),
    ("P00003", "GO:0000005", "enables", "IDA"),  # identical to Q1: excluded as leakage
    ("P00004", "GO:0000006", "involved_in", "IMP"),
]


@dataclass(frozen=True)
class Seeded:
    annotation_set_id: int
    snapshot_id: int
    query_set_id: int
    query_set: str
    terms: dict[str, int]


def seed_catalog(tmp_path: Path, query_set: str = "queries") -> Seeded:
    ref = tmp_path / "ref.fasta"
    ref.write_text(REFERENCE_FASTA)
    qry = tmp_path / "queries.fasta"
    qry.write_text(QUERY_FASTA)
    with session_scope() as s:
        load_fasta(s, ref, CURATOR)
        qs = load_fasta(s, qry, CURATOR, query_set=query_set).query_set_id
        snap = OntologySnapshot(obo_version="test", content_hash="0" * 64, loaded_by="cora")
        s.add(snap)
        s.flush()
        terms = {}
        for go_id, name, aspect in TERMS:
            term = GOTerm(ontology_snapshot_id=snap.id, go_id=go_id, name=name, aspect=aspect)
            s.add(term)
            s.flush()
            terms[go_id] = term.id
        for child, parent in PARENTS.items():
            s.add(
                GOTermRelationship(
                    ontology_snapshot_id=snap.id,
                    child_id=terms[child],
                    parent_id=terms[parent],
                    relation_type="is_a",
                )
            )
        aset = AnnotationSet(
            source="goa", source_version="test-1", ontology_snapshot_id=snap.id, created_by="cora"
        )
        s.add(aset)
        s.flush()
        aspects = {go_id: aspect for go_id, _, aspect in TERMS}
        for acc, go_id, qualifier, evidence in ANNOTATIONS:
            s.add(
                ProteinGOAnnotation(
                    annotation_set_id=aset.id,
                    protein_accession=acc,
                    go_term_id=terms[go_id],
                    go_id_as_given=go_id,
                    qualifier=qualifier,
                    negated="NOT" in qualifier.split("|"),
                    evidence_code=evidence,
                    aspect=aspects[go_id],
                )
            )
        return Seeded(aset.id, snap.id, qs, query_set, terms)
