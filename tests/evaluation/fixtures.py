"""A small generated ontology in two releases and two GAF-like annotation sets over seven catalog proteins,
loaded through the real FASTA, OBO and GAF loaders: the temporal holdout's every rule has a protein.

Ontology (new release; the old one differs where noted):
  BPO GO:0008150 ─ GO:0000100 ─┬ is_a GO:0000101 ─ is_a GO:0000103
                               └ part_of GO:0000102
  MFO GO:0003674 ─ GO:0000200 ─ GO:0000201 (alt_id GO:0000299: a live term of the OLD release, merged)
      GO:0000400 obsolete, replaced_by GO:0000201 (live under GO:0003674 in the old release)
      GO:0000401 obsolete, consider only (live in the old release): cannot be mapped
  CCO GO:0005575 ─ GO:0000300 ─ GO:0000301

Expected holdout (experimental evidence only):
  P10001 PK in BPO: gained GO:0000103; known GO:0000101, GO:0000100, GO:0008150
  P10002 LK in BPO (old terms only in MFO): GO:0000102, GO:0000100, GO:0008150
  P10003 NK (its only old annotation is IEA): BPO GO:0000100, GO:0008150; CCO GO:0000301, GO:0000300, GO:0005575
  P10004 nothing: a NOT on GO:0000101 in the old release removes its new GO:0000103 on both sides
  P10005 nothing: its old GO:0000299 is the new GO:0000201 (alt_id mapping)
  P10006 LK in CCO; its old GO:0000400 maps to GO:0000201 (replaced_by), GO:0000401 is dropped and counted
  P10007 NK in MFO (absent from the old release): GO:0000201, GO:0000200, GO:0003674
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
from tests.support.go_annotation_fixtures import gaf_line

LEAD = Identity("lena", Role.LEAD)
CURATOR = Identity("cora", Role.CURATOR)
VIEWER = Identity("vic", Role.VIEWER)

PROTEINS = [f"P1000{i}" for i in range(1, 8)]
_SEQUENCES = ["MKTAYIAKQRQISFVKSHFSRQ", "MLEERLGLIEVQAPILSRVGDG", "MTQDNLSGAEKAVQVKVKALPD", "MGGGGPPPPWWWWHHHH",
              "MKVLAAGIVALLVAGCSSKT", "MALLHSARVLSGVASAFHPG", "MWWAHVEMGPPDPILGVTEA"]  # fmt: skip
FASTA = "".join(
    f">sp|{acc}|T{i}_TEST Test protein {i} OS=Testus organismus OX=9999 PE=1 SV=1\n{seq}\n"
    for i, (acc, seq) in enumerate(zip(PROTEINS, _SEQUENCES, strict=True), start=1)
)


def _term(go_id: str, name: str, namespace: str, *extra: str) -> str:
    return "\n".join([f"[Term]\nid: {go_id}\nname: {name}\nnamespace: {namespace}", *extra]) + "\n"


def obo_text(release: str) -> str:
    old = release == "old"
    bp, mf, cc = "biological_process", "molecular_function", "cellular_component"
    stanzas = [
        f"format-version: 1.2\ndata-version: releases/{'2025-01-01' if old else '2026-01-01'}\nontology: go\n",
        _term("GO:0008150", "biological_process", bp),
        _term("GO:0000100", "process A", bp, "is_a: GO:0008150"),
        _term("GO:0000101", "process A1", bp, "is_a: GO:0000100"),
        _term("GO:0000102", "process A step", bp, "relationship: part_of GO:0000100"),
        _term("GO:0000103", "process A1a", bp, "is_a: GO:0000101"),
        _term("GO:0003674", "molecular_function", mf),
        _term("GO:0000200", "function B", mf, "is_a: GO:0003674"),
        _term("GO:0000201", "function B1", mf, "is_a: GO:0000200", *([] if old else ["alt_id: GO:0000299"])),
        _term("GO:0005575", "cellular_component", cc),
        _term("GO:0000300", "component C", cc, "is_a: GO:0005575"),
        _term("GO:0000301", "component C1", cc, "is_a: GO:0000300"),
    ]
    if old:
        stanzas += [
            _term("GO:0000299", "function B1 (old id)", mf, "is_a: GO:0000200"),
            _term("GO:0000400", "function D", mf, "is_a: GO:0003674"),
            _term("GO:0000401", "function E", mf, "is_a: GO:0003674"),
        ]
    else:
        stanzas += [
            _term("GO:0000400", "obsolete function D", mf, "is_obsolete: true", "replaced_by: GO:0000201"),
            _term("GO:0000401", "obsolete function E", mf, "is_obsolete: true", "consider: GO:0000200"),
        ]
    return "\n".join(stanzas)


# (protein, term, aspect, evidence, qualifier)
OLD_ANNOTATIONS = [
    ("P10001", "GO:0000101", "P", "IDA", "involved_in"),
    ("P10002", "GO:0000200", "F", "IDA", "enables"),
    ("P10003", "GO:0000100", "P", "IEA", "involved_in"),  # not experimental: P10003 counts as unannotated
    ("P10004", "GO:0000300", "C", "IDA", "located_in"),
    ("P10004", "GO:0000101", "P", "IDA", "NOT|involved_in"),
    ("P10005", "GO:0000299", "F", "IDA", "enables"),
    ("P10006", "GO:0000400", "F", "IDA", "enables"),
    ("P10006", "GO:0000401", "F", "IMP", "enables"),
]
NEW_ANNOTATIONS = [
    ("P10001", "GO:0000101", "P", "IDA", "involved_in"),
    ("P10001", "GO:0000103", "P", "IMP", "involved_in"),
    ("P10002", "GO:0000200", "F", "IDA", "enables"),
    ("P10002", "GO:0000102", "P", "EXP", "involved_in"),
    ("P10003", "GO:0000100", "P", "IDA", "involved_in"),
    ("P10003", "GO:0000301", "C", "IDA", "located_in"),
    ("P10003", "GO:0000200", "F", "IEA", "enables"),  # electronic: no MFO ground truth
    ("P10004", "GO:0000300", "C", "IDA", "located_in"),
    ("P10004", "GO:0000103", "P", "IDA", "involved_in"),  # under the old NOT: removed
    ("P10005", "GO:0000201", "F", "IDA", "enables"),
    ("P10006", "GO:0000201", "F", "IDA", "enables"),
    ("P10006", "GO:0000301", "C", "HDA", "located_in"),
    ("P10007", "GO:0000201", "F", "IPI", "enables"),
]

EXPECTED_GROUND_TRUTH = {
    ("P10001", "GO:0000103", "PK", "BPO"),
    *{("P10002", t, "LK", "BPO") for t in ("GO:0000102", "GO:0000100", "GO:0008150")},
    *{("P10003", t, "NK", "BPO") for t in ("GO:0000100", "GO:0008150")},
    *{("P10003", t, "NK", "CCO") for t in ("GO:0000301", "GO:0000300", "GO:0005575")},
    *{("P10006", t, "LK", "CCO") for t in ("GO:0000301", "GO:0000300", "GO:0005575")},
    *{("P10007", t, "NK", "MFO") for t in ("GO:0000201", "GO:0000200", "GO:0003674")},
}
EXPECTED_KNOWN = {("P10001", t, "BPO") for t in ("GO:0000101", "GO:0000100", "GO:0008150")}


def gaf_text(rows: list[tuple[str, str, str, str, str]]) -> str:
    lines = ["!gaf-version: 2.2"]
    lines += [gaf_line(acc, go, evidence=ev, qualifier=q, aspect=aspect) for acc, go, aspect, ev, q in rows]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Seeded:
    old_snapshot: int
    new_snapshot: int
    old_set: int
    new_set: int
    new_obo: Path


def seed_releases(tmp_path: Path) -> Seeded:
    """Proteins, both ontology releases and both annotation sets, through the real loaders."""
    files = {
        "proteins.fasta": FASTA,
        "old.obo": obo_text("old"),
        "new.obo": obo_text("new"),
        "old.gaf": gaf_text(OLD_ANNOTATIONS),
        "new.gaf": gaf_text(NEW_ANNOTATIONS),
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with session_scope() as s:
        load_fasta(s, tmp_path / "proteins.fasta", CURATOR)
        old_snapshot = load_obo(s, tmp_path / "old.obo", CURATOR).snapshot_id
        new_snapshot = load_obo(s, tmp_path / "new.obo", CURATOR).snapshot_id
        old = load_gaf(s, tmp_path / "old.gaf", CURATOR, ontology=old_snapshot, source="goa", version="2025-01")
        new = load_gaf(s, tmp_path / "new.gaf", CURATOR, ontology=new_snapshot, source="goa", version="2026-01")
        assert old.annotations == len(OLD_ANNOTATIONS) and new.annotations == len(NEW_ANNOTATIONS), (old, new)
    return Seeded(old_snapshot, new_snapshot, old.annotation_set_id, new.annotation_set_id, tmp_path / "new.obo")


def ground_truth_rows(set_id: int) -> tuple[set, set]:
    with session_scope() as s:
        gt = s.execute(
            text(
                "SELECT g.protein_accession, t.go_id, g.category, g.namespace FROM evaluation_ground_truth g "
                "JOIN go_term t ON t.id = g.go_term_id WHERE g.evaluation_set_id = :id"
            ),
            {"id": set_id},
        ).all()
        known = s.execute(
            text(
                "SELECT k.protein_accession, t.go_id, k.namespace FROM evaluation_known_term k "
                "JOIN go_term t ON t.id = k.go_term_id WHERE k.evaluation_set_id = :id"
            ),
            {"id": set_id},
        ).all()
    return {tuple(r) for r in gt}, {tuple(r) for r in known}


# Predictions for the delta proteins: (protein, term, score, distance, identity_nw, identity_sw,
# vote_fraction, taxonomic_distance, evidence_code). Scores spread so the curve has several points.
PREDICTIONS = [
    ("P10001", "GO:0000103", 0.82, 0.18, 0.9, 0.95, 1.0, 0, "IDA"),
    ("P10001", "GO:0000102", 0.40, 0.60, 0.3, None, 0.4, 4, "IEA"),
    ("P10002", "GO:0000102", 0.71, 0.29, 0.6, 0.7, 0.6, 2, "EXP"),
    ("P10002", "GO:0000101", 0.35, 0.65, None, None, 0.2, None, "IDA"),
    ("P10003", "GO:0000100", 0.55, 0.45, 0.5, 0.5, 0.5, 1, "IMP"),
    ("P10003", "GO:0000301", 0.93, 0.07, 0.8, 0.85, 0.8, 0, "IDA"),
    ("P10003", "GO:0000201", 0.25, 0.75, 0.2, 0.25, 0.2, 6, "ISS"),
    ("P10006", "GO:0000300", 0.62, 0.38, 0.55, 0.6, 0.6, 2, "HDA"),
    ("P10007", "GO:0000200", 0.48, 0.52, 0.45, 0.5, 0.4, 3, "IPI"),
    ("P10007", "GO:0000201", 0.15, 0.85, 0.1, 0.2, 0.2, 8, "IDA"),
    ("P10004", "GO:0000103", 0.90, 0.10, 0.9, 0.9, 1.0, 0, "IDA"),  # not a delta protein: never read
]


def seed_prediction_set(
    snapshot_id: int,
    annotation_set_id: int,
    rows: list[tuple] = PREDICTIONS,
    *,
    config: str = "comp",
    params: dict | None = None,
) -> int:
    """A prediction set with the given rows, written directly (the features a real run would store)."""
    import json

    from services.embeddings.configs import add_config

    with session_scope() as s:
        config_id = s.execute(text("SELECT id FROM embedding_config WHERE name = :n"), {"n": config}).scalar()
        if config_id is None:
            config_id = add_config(s, CURATOR, config, "composition").id
        set_id = s.execute(
            text(
                "INSERT INTO prediction_set (embedding_config_id, annotation_set_id, ontology_snapshot_id, k, metric, "
                "per_aspect, exclude_identical, evidence_codes, params, query_count, reference_count, "
                "prediction_count, created_by) VALUES (:c, :a, :s, 5, 'cosine', false, true, ARRAY['IDA'], "
                "CAST(:params AS jsonb), 0, 0, :n, 'cora') RETURNING id"
            ),
            {
                "c": config_id,
                "a": annotation_set_id,
                "s": snapshot_id,
                "params": json.dumps(params or {}),
                "n": len(rows),
            },  # fmt: skip
        ).scalar_one()
        for acc, go_id, score, distance, nw, sw, votes, tax, code in rows:
            s.execute(
                text(
                    "INSERT INTO go_prediction (prediction_set_id, protein_accession, query_sequence_id, go_term_id, "
                    "aspect, ref_protein_accession, distance, score, evidence_code, identity_nw, identity_sw, "
                    "neighbor_vote_fraction, taxonomic_distance) "
                    "SELECT :p, :acc, pr.sequence_id, t.id, t.aspect, 'P10005', :d, :score, :code, :nw, :sw, :v, :tax "
                    "FROM protein pr, go_term t WHERE pr.accession = :acc AND t.ontology_snapshot_id = :s "
                    "AND t.go_id = :go"
                ),
                {
                    "p": set_id,
                    "acc": acc,
                    "d": distance,
                    "score": score,
                    "code": code,
                    "nw": nw,
                    "sw": sw,
                    "v": votes,
                    "tax": tax,
                    "s": snapshot_id,
                    "go": go_id,
                },  # fmt: skip
            )
    return int(set_id)
