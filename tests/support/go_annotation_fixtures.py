"""Self-made GAF fixtures over the proteins of UNIPROT_FASTA and the terms of MINI_GO."""

from __future__ import annotations

from pathlib import Path

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.ontology.loader import load_obo
from services.proteins.fasta_loader import load_fasta
from tests.support.ontology_fixtures import MINI_GO
from tests.support.protein_fixtures import UNIPROT_FASTA

CURATOR = Identity("cora", Role.CURATOR)


def gaf_line(
    acc: str,
    go_id: str,
    evidence: str = "IDA",
    qualifier: str = "",
    aspect: str = "P",
    reference: str = "PMID:1",
    date: str = "20240101",
    extension: str = "",
    form: str = "",
) -> str:
    cols = [
        "UniProtKB",
        acc,
        "SYM",
        qualifier,
        go_id,
        reference,
        evidence,
        "",
        aspect,
        "Name",
        "",
        "protein",
        "taxon:9999",
        date,
        "UniProt",
        extension,
        form,
    ]
    return "\t".join(cols)


GAF_22 = (
    "\n".join(
        [
            "!gaf-version: 2.2",
            "!generated-by: tests",
            gaf_line("P12345", "GO:0000011", qualifier="involved_in"),
            gaf_line("P12345", "GO:0000011", qualifier="involved_in"),  # identical line: kept once
            gaf_line("P12345", "GO:0000011", qualifier="involved_in", reference="PMID:2"),
            gaf_line("P12345", "GO:0000099", evidence="IEA", qualifier="enables", aspect="F"),  # alt id
            gaf_line(
                "Q9Y6K9",
                "GO:0000041",
                evidence="EXP",
                qualifier="NOT|located_in",
                aspect="C",
                extension="part_of(GO:0000011)",
                form="UniProtKB:P12345-2",
            ),
            gaf_line("A0A024R161", "GO:0000031", evidence="ISS", qualifier="enables", aspect="F"),
            gaf_line("P99999", "GO:0000011"),  # protein not in the catalog
            gaf_line("P12345", "GO:7777777"),  # term not in the snapshot
            gaf_line("P12345", "GO:0000010", evidence="XYZ"),  # unknown evidence code
            "",
        ]
    )
    + "\n"
)


def seed_catalog(tmp_path: Path) -> int:
    """Load the fixture proteins and mini GO; returns the snapshot id."""
    (tmp_path / "ref.fasta").write_text(UNIPROT_FASTA)
    (tmp_path / "mini.obo").write_text(MINI_GO)
    with session_scope() as s:
        load_fasta(s, tmp_path / "ref.fasta", CURATOR)
        return load_obo(s, tmp_path / "mini.obo", CURATOR).snapshot_id
