"""A generated temporal holdout with planted signal, loaded through the real FASTA, OBO and GAF loaders.

Families of proteins share GO terms: each family has a base sequence with its own amino-acid composition,
members are point mutants of it (identity 60–95 %) and all carry the family's terms. Decoys are shuffles of a
family's base: the same composition (so the weight-free composition embedding puts them among the closest
neighbours) but no alignment identity, and each carries its own unrelated terms. So a KNN score alone ranks
decoy terms high, while alignment identity and the vote fraction (many members vote for the family's terms,
one decoy for its own) tell them apart: the signal a re-ranker should find.

Releases t0..t3 (annotation sets, experimental evidence): t0 annotates the first members of each family and
every decoy; each later release adds new members (NK proteins of that release's holdout).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import text

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.embeddings.configs import add_config
from services.go_annotations.loader import load_gaf
from services.ontology.loader import load_obo
from services.proteins.fasta_loader import load_fasta
from tests.support.go_annotation_fixtures import gaf_line

LEAD = Identity("lena", Role.LEAD)
CURATOR = Identity("cora", Role.CURATOR)
VIEWER = Identity("vic", Role.VIEWER)
AMINO = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
ROOTS = {"F": ("GO:0003674", "molecular_function"), "P": ("GO:0008150", "biological_process")}
TERMS = {aspect: [f"GO:000{1 if aspect == 'F' else 2}{i:03d}" for i in range(40)] for aspect in ROOTS}
RELEASES = 4
FIRST_MEMBERS = 6
NEW_PER_RELEASE = 4
DECOYS = 3


@dataclass(frozen=True)
class Synthetic:
    sets: tuple[int, ...]  # annotation set ids t0..t3
    snapshot: int
    config: str


def _obo() -> str:
    stanzas = ["format-version: 1.2\ndata-version: releases/2026-03-03\nontology: go\n"]
    for aspect, (root, namespace) in ROOTS.items():
        stanzas.append(f"[Term]\nid: {root}\nname: {namespace}\nnamespace: {namespace}\n")
        for i, go_id in enumerate(TERMS[aspect]):
            parent = root if i < 8 else TERMS[aspect][i % 8]
            stanzas.append(f"[Term]\nid: {go_id}\nname: term {go_id}\nnamespace: {namespace}\nis_a: {parent}\n")
    return "\n".join(stanzas)


def _mutant(rng: np.random.Generator, base: np.ndarray, rate: float) -> np.ndarray:
    seq = base.copy()
    hit = rng.random(len(seq)) < rate
    seq[hit] = rng.choice(AMINO, size=int(hit.sum()))
    return seq


def generate(families: int = 10, seed: int = 13) -> tuple[str, list[list[tuple[str, str, str]]]]:
    """(FASTA text, per release the GAF rows (protein, GO id, aspect)); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    fasta: list[str] = []
    releases: list[list[tuple[str, str, str]]] = [[] for _ in range(RELEASES)]
    members = FIRST_MEMBERS + NEW_PER_RELEASE * (RELEASES - 1)
    n = 0
    for f in range(families):
        weights = rng.dirichlet(np.full(20, 0.6))
        base = rng.choice(AMINO, size=int(rng.integers(90, 140)), p=weights)
        family_terms = [(t, a) for a in ROOTS for t in rng.choice(TERMS[a], size=2, replace=False)]
        for m in range(members):
            n += 1
            acc = f"Q{n:05d}"
            seq = _mutant(rng, base, float(rng.uniform(0.05, 0.4)))
            fasta.append(f">sp|{acc}|F{f}M{m}_SYN Family {f} member {m} OS=Synthetica OX=9999 PE=1 SV=1\n")
            fasta.append("M" + "".join(seq) + "\n")
            first = 0 if m < FIRST_MEMBERS else 1 + (m - FIRST_MEMBERS) // NEW_PER_RELEASE
            noise = rng.choice(TERMS["F"] + TERMS["P"])
            for r in range(first, RELEASES):
                for term, aspect in family_terms:
                    releases[r].append((acc, term, aspect))
                releases[r].append((acc, str(noise), "F" if noise in TERMS["F"] else "P"))
        for d in range(DECOYS):
            n += 1
            acc = f"Q{n:05d}"
            seq = rng.permutation(base)
            fasta.append(f">sp|{acc}|F{f}D{d}_SYN Family {f} decoy {d} OS=Synthetica OX=9998 PE=1 SV=1\n")
            fasta.append("M" + "".join(seq) + "\n")
            decoy_terms = [(t, a) for a in ROOTS for t in rng.choice(TERMS[a], size=2, replace=False)]
            for r in range(RELEASES):
                releases[r].extend((acc, t, a) for t, a in decoy_terms)
    for rows in releases:
        rows[:] = [tuple(r) for r in dict.fromkeys((str(a), str(t), str(s)) for a, t, s in rows)]
    return "".join(fasta), releases


def seed_synthetic(tmp_path: Path, families: int = 10, config: str = "comp") -> Synthetic:
    """Load the generated catalog, ontology and releases; embed every protein with the composition backend."""
    fasta, releases = generate(families)
    (tmp_path / "syn.fasta").write_text(fasta)
    (tmp_path / "syn.obo").write_text(_obo())
    sets = []
    with session_scope() as s:
        load_fasta(s, tmp_path / "syn.fasta", CURATOR)
        snapshot = load_obo(s, tmp_path / "syn.obo", CURATOR).snapshot_id
        for r, rows in enumerate(releases):
            path = tmp_path / f"t{r}.gaf"
            lines = ["!gaf-version: 2.2", *(gaf_line(a, t, evidence="IDA", aspect=asp) for a, t, asp in rows)]
            path.write_text("\n".join(lines) + "\n")
            sets.append(load_gaf(s, path, CURATOR, ontology=snapshot, source="goa", version=f"t{r}"))
        add_config(s, CURATOR, config, "composition")
    set_ids = tuple(g.annotation_set_id for g in sets)
    compute_embeddings(config, EmbedTarget(annotation_set_id=set_ids[-1]), CURATOR)
    with session_scope() as s:
        proteins = s.execute(text("SELECT count(*) FROM protein")).scalar()
        assert proteins == len(fasta.split(">")) - 1
    return Synthetic(set_ids, snapshot, config)
