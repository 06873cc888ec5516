"""What the workbench holds, for the home page: one count per kind of record.

Counts use the planner's estimate for big tables (exact counts of millions of rows are slow) and an exact
count for small ones. Domains add their tables to ``HOLDINGS``; tables not yet migrated are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.identifiers import quote_identifier

Q = sql_blocks.load(__file__, "overview.sql")

HOLDINGS: tuple[tuple[str, str, str], ...] = (
    ("Variants", "Variants", "variants"),
    ("Variants", "Alleles", "alleles"),
    ("Variants", "Samples", "samples"),
    ("Variants", "VCF loads", "variant_load_audit"),
    ("Annotations", "Annotation releases", "annotation_sources"),
    ("Annotations", "Annotation links", "annotation_link"),
    ("Proteins", "Proteins", "protein"),
    ("Proteins", "Sequences", "sequence"),
    ("Proteins", "GO terms", "go_term"),
    ("Proteins", "GO annotations", "protein_go_annotation"),
    ("Proteins", "Query sets", "query_set"),
    ("Predictions", "Embeddings", "sequence_embedding"),
    ("Predictions", "Prediction sets", "prediction_set"),
    ("Predictions", "GO predictions", "go_prediction"),
    ("Evaluation", "Evaluation sets", "evaluation_set"),
    ("Evaluation", "Evaluation results", "evaluation_result"),
    ("Workbench", "Jobs", "job"),
)
DOMAINS = ("Variants", "Annotations", "Proteins", "Predictions", "Evaluation", "Workbench")
EXACT_BELOW = 100_000


@dataclass(frozen=True)
class Holding:
    label: str
    table: str
    count: int
    estimated: bool
    domain: str = "Workbench"


@dataclass(frozen=True)
class NextStep:
    """Something to do next on a young database: what, and on which page (a path under ``pages/``)."""

    text: str
    page: str


def holdings(session: Session) -> list[Holding]:
    result: list[Holding] = []
    for domain, label, table in HOLDINGS:
        estimate = session.execute(Q.estimated_rows, {"t": table}).scalar()
        if estimate is None:
            continue
        if estimate < EXACT_BELOW:
            exact = session.execute(Q.formatted("exact_rows", table=quote_identifier(table))).scalar_one()
            result.append(Holding(label, table, int(exact), False, domain))
        else:
            result.append(Holding(label, table, int(estimate), True, domain))
    return result


def by_domain(held: list[Holding]) -> dict[str, list[Holding]]:
    """The holdings grouped per domain, in ``DOMAINS`` order (empty domains left out)."""
    out: dict[str, list[Holding]] = {}
    for domain in DOMAINS:
        mine = [h for h in held if h.domain == domain]
        if mine:
            out[domain] = mine
    return out


def next_steps(held: list[Holding]) -> list[NextStep]:
    """What to do next, in the order the work depends on itself; empty when every kind of record exists."""
    n = {h.table: h.count for h in held}
    steps: list[NextStep] = []
    if not n.get("variants"):
        steps.append(NextStep("Load a VCF (upload or a file in an import folder)", "pages/variants.py"))
    if not n.get("annotation_sources"):
        steps.append(
            NextStep("Add an annotation source release (ClinVar, gnomAD, dbSNP VCF)", "pages/annotation_runs.py")
        )
    elif not n.get("annotation_link"):
        steps.append(NextStep("Refresh a source to annotate the stored alleles", "pages/annotation_runs.py"))
    if not n.get("protein"):
        steps.append(NextStep("Load reference proteins (UniProt FASTA, or fetch from UniProt)", "pages/proteins.py"))
    if not n.get("go_term"):
        steps.append(NextStep("Load a GO snapshot (OBO file)", "pages/ontology.py"))
    if not n.get("protein_go_annotation"):
        steps.append(NextStep("Load GO annotations (a GAF file, or fetch from QuickGO)", "pages/annotation_sets.py"))
    if not n.get("query_set"):
        steps.append(NextStep("Upload a FASTA query set to predict GO terms for", "pages/query_sets.py"))
    if not n.get("prediction_set"):
        steps.append(NextStep("Create an embedding config, embed, then predict GO terms", "pages/predictions.py"))
    return steps
