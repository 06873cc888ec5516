"""Database errors translated at one boundary: a constraint the schema declares becomes a domain error.

Contract:
1. ``CONSTRAINT_ERRORS`` names every unique, exclusion and check constraint (and unique index) of the schema
   whose violation a person can cause, with the domain error and the sentence they see. ``{key}`` in a sentence
   is filled with the conflicting value PostgreSQL reports (``Key (name)=(x)``), when it reports one.
2. ``domain_error(exc)`` gives that error for a database error (SQLAlchemy's or psycopg's) raised by one of these
   constraints, and ``None`` for any other error: those stay as they are (a bug, not bad input).
3. The translation is applied where units of work open: ``session_scope`` (services.db.engine) and the run
   connections of the loaders (``translated()``). Code that inserts and relies on a constraint (instead of a
   racy check-then-insert) wraps the insert in ``translated()``. The original error is the ``__cause__``.
4. A test (tests/db/test_errors.py) checks that every name here is a constraint or index the migrated schema has.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from services.errors import InvalidInput, WorkbenchError


class DuplicateRecord(InvalidInput):
    """The record already exists (a unique constraint refused a second one)."""

    code = "duplicate"


class ConcurrentChange(WorkbenchError):
    """Another unit of work changed the same records at the same time; trying again usually succeeds."""

    code = "concurrent_change"


class RuleViolation(InvalidInput):
    """A value breaks a rule the database checks."""

    code = "rule_violation"


@dataclass(frozen=True)
class ConstraintError:
    error: type[WorkbenchError]
    message: str


_DUP, _RACE, _RULE = DuplicateRecord, ConcurrentChange, RuleViolation

CONSTRAINT_ERRORS: dict[str, ConstraintError] = {
    # unique constraints and unique indexes
    "uq_query_set_name": ConstraintError(_DUP, "a query set named {key} already exists"),
    "uq_query_set_entry_query_set_id_accession": ConstraintError(
        _DUP, "accession {key} appears twice in the query set"
    ),
    "uq_embedding_config_name": ConstraintError(_DUP, "an embedding config named {key} already exists"),
    "uq_ontology_snapshot_content_hash": ConstraintError(_DUP, "this ontology file is already loaded"),
    "uq_go_term_ontology_snapshot_id_go_id": ConstraintError(_DUP, "GO term {key} appears twice in the ontology"),
    "uq_annotation_set_source_source_version_ontology_snapshot_id": ConstraintError(
        _DUP, "this annotation set is already loaded against that ontology snapshot"
    ),
    "uq_annotation_sources_name_version_genome_build": ConstraintError(
        _DUP, "this release of the annotation source is already loaded for that genome build"
    ),
    "uq_variant_load_audit_live_content": ConstraintError(
        _RACE, "the same file content was loaded concurrently for this genome build"
    ),
    "uq_samples_external_id": ConstraintError(_RACE, "sample {key} was stored by another load at the same time"),
    "uq_sequence_sequence_hash": ConstraintError(_RACE, "the same sequence was stored by another load"),
    "uq_annotation_run_active": ConstraintError(_RACE, "another run of this annotation source is already in progress"),
    "uq_annotation_link_live": ConstraintError(_RACE, "another run changed the same annotation links at the same time"),
    "uq_sequence_embedding_chunk": ConstraintError(_RACE, "the same embeddings were stored by another job"),
    # exclusion constraints
    "ex_annotation_link_no_overlap": ConstraintError(
        _RACE, "another run changed the same annotation links at the same time"
    ),
    # check constraints a value from a person or a file can break
    "ck_job_comment_body_not_blank": ConstraintError(_RULE, "a comment cannot be blank"),
    "ck_prediction_set_k": ConstraintError(_RULE, "the number of neighbours (k) must be at least 1"),
    "ck_prediction_set_metric": ConstraintError(_RULE, "the distance metric must be cosine or l2"),
    "ck_annotation_sources_name": ConstraintError(
        _RULE, "a source name is a lower-case letter then up to 39 lower-case letters, digits or _"
    ),
    "ck_annotation_sources_kind": ConstraintError(_RULE, "the kind must be vep, gnomad, clinvar, dbsnp or custom"),
    "ck_embedding_config_model_backend": ConstraintError(_RULE, "unknown embedding backend"),
    "ck_embedding_config_layer_agg": ConstraintError(_RULE, "unknown layer aggregation"),
    "ck_embedding_config_pooling": ConstraintError(_RULE, "unknown pooling"),
    "ck_embedding_config_chunking": ConstraintError(
        _RULE, "chunk_overlap must be ≥ 0 and smaller than chunk_size, which must be positive"
    ),
    "ck_variants_positions": ConstraintError(_RULE, "a variant's end lies before its start"),
    "ck_alleles_positions": ConstraintError(_RULE, "an allele's end lies before its start"),
}

# Check constraints named in the migrations carry the naming convention's prefix twice in the database
# (``ck_job_comment_ck_job_comment_body_not_blank`` for ``ck_job_comment_body_not_blank``).
_DOUBLED_CHECK = re.compile(r"^(ck_\w+?)_(\1_\w+)$")
_KEY = re.compile(r"Key \((?P<cols>[^)]*)\)=\((?P<vals>.*)\) (?:already exists|conflicts with)")


def _diag(exc: BaseException):
    original = getattr(exc, "orig", None) or exc  # SQLAlchemy's DBAPIError wraps the driver's error
    return getattr(original, "diag", None)


def declared_name(name: str) -> str:
    """The constraint's name as the migrations declare it (a doubled check-constraint prefix undone)."""
    doubled = _DOUBLED_CHECK.match(name)
    return doubled.group(2) if doubled else name


def constraint_of(exc: BaseException) -> str | None:
    """The declared name of the constraint a database error reports, if any."""
    diag = _diag(exc)
    name = getattr(diag, "constraint_name", None) if diag is not None else None
    return declared_name(name) if name else None


def domain_error(exc: BaseException) -> WorkbenchError | None:
    """The domain error for a violation of a constraint in ``CONSTRAINT_ERRORS``; ``None`` for anything else."""
    name = constraint_of(exc)
    found = CONSTRAINT_ERRORS.get(name) if name else None
    if found is None:
        return None
    detail = getattr(_diag(exc), "message_detail", None) or ""
    match = _KEY.search(detail)
    key = repr(match["vals"]) if match and "," not in match["cols"] else "(given)"
    error = found.error(found.message.format(key=key))
    error.constraint = name  # type: ignore[attr-defined]
    return error


@contextmanager
def translated() -> Iterator[None]:
    """Raise the domain error of a declared constraint's violation inside the block (the cause kept)."""
    try:
        yield
    except Exception as exc:
        error = domain_error(exc) if _diag(exc) is not None else None
        if error is None:
            raise
        raise error from exc
