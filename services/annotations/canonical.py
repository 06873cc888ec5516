"""The canonical form of an annotation value, built in SQL from a release's ``anno_<source>`` row.

Values are compared in canonical form, so formatting differences never supersede a link. Contract:
1. Keys are sorted and unique: values are ``jsonb`` objects, which store keys sorted and de-duplicated.
2. Numbers are compared as numbers: typed columns (``double precision``, ``bigint``) become JSON numbers and
   ``jsonb`` equality is numeric, so ``1e-05``, ``0.00001`` and ``1.0`` / ``1`` are equal.
3. Text is trimmed; an empty string is no value. Keys without a value are left out (``jsonb_strip_nulls``),
   so a release that adds an empty column does not supersede anything.
4. Field renames map to one name (``FIELD_RENAMES``, e.g. gnomAD's ``af_popmax`` → ``af_grpmax``).
5. VEP: the value is the picked consequence — gene, transcript stable id, sorted consequence terms, impact,
   HGVS c./p. — with transcript/protein versions stripped; the versioned originals go to the event's
   ``original``; the fields come from the columns named in ``VEP_VALUE_FIELDS`` (e.g. ``gene`` or ``symbol``).
   A VEP row whose picked consequence is empty means "no consequence": absent.
6. Key columns (release, allele id, record id, every-consequence arrays, ``source_error``) are not part of
   the value. A release's optional text column ``source_error`` marks a record the source reported an error
   for: it counts against the run's error budget and leaves that allele's link alone.

The expressions are composed of the named fragments of ``canonical.sql``; identifiers reach them only after
``services.db.identifiers.quote_identifier`` has checked and quoted them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.db import sql_blocks
from services.db.identifiers import quote_identifier
from services.errors import InvalidInput

Q = sql_blocks.load(__file__, "canonical.sql")

FIELD_RENAMES: dict[str, str] = {
    "af_popmax": "af_grpmax",
    "popmax": "grpmax",
    "ac_popmax": "ac_grpmax",
    "an_popmax": "an_grpmax",
    "nhomalt_popmax": "nhomalt_grpmax",
    "faf95_popmax": "faf95_grpmax",
    "af_gnomad_popmax": "af_grpmax",
    "clinvar_sig": "clnsig",
    "clinvar_review": "clnrevstat",
}
NOT_VALUE_COLUMNS = frozenset({"release_id", "allele_id", "record_id", "consequences", "source_error"})
# VEP value fields and the release-table column aliases each may come from (first present wins).
VEP_VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "gene": ("gene", "symbol"),
    "transcript": ("transcript", "feature"),
    "consequence": ("consequence",),
    "impact": ("impact",),
    "hgvs_c": ("hgvs_c", "hgvsc"),
    "hgvs_p": ("hgvs_p", "hgvsp"),
}
TEXT_TYPES = frozenset({"text", "character varying", "character"})


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str


def canonical_key(column: str) -> str:
    return FIELD_RENAMES.get(column, column)


def _fragment(name: str, **parts: str) -> str:
    return Q.sql(name).format(**parts)


def _qualified(alias: str, column: str) -> str:
    return f"{quote_identifier(alias)}.{quote_identifier(column)}"


def _text(expr: str) -> str:
    return _fragment("trimmed_text", expr=expr)


def _scalar(alias: str, column: Column) -> str:
    expr = _qualified(alias, column.name)
    return _text(expr) if column.data_type in TEXT_TYPES else expr


def _checked_key(key: str) -> str:
    """``key`` after ``quote_identifier`` has checked it is a plain name (so it can sit inside quotes)."""
    quote_identifier(key)
    return key


def _object(pairs: Sequence[tuple[str, str]]) -> str:
    """``jsonb_build_object`` over any number of pairs (it takes at most 100 arguments per call); keys are
    checked as plain names."""
    if not pairs:
        return _fragment("empty_object")
    parts = []
    for i in range(0, len(pairs), 50):
        chunk = pairs[i : i + 50]
        listed = ", ".join(_fragment("object_pair", key=_checked_key(k), expr=e) for k, e in chunk)
        parts.append(_fragment("object_part", pairs=listed))
    return _fragment("stripped_object", parts=" || ".join(parts))


def value_sql(kind: str, columns: Sequence[Column], alias: str = "r") -> str:
    """SQL for the canonical value of row ``alias`` of an ``anno_`` table (NULL means "absent")."""
    if kind == "vep":
        return _vep_value_sql(columns, alias)
    grouped: dict[str, list[str]] = {}
    for column in columns:
        if column.name in NOT_VALUE_COLUMNS:
            continue
        grouped.setdefault(canonical_key(column.name), []).append(_scalar(alias, column))
    pairs = [
        (key, exprs[0] if len(exprs) == 1 else _fragment("first_present", exprs=", ".join(exprs)))
        for key, exprs in grouped.items()
    ]
    return _object(sorted(pairs))


def vep_columns(columns: Sequence[Column]) -> dict[str, str]:
    """Which release-table column feeds each VEP value field (``VEP_VALUE_FIELDS``)."""
    present = {c.name for c in columns}
    found = {}
    for field, candidates in VEP_VALUE_FIELDS.items():
        for name in candidates:
            if name in present:
                found[field] = name
                break
    missing = [f for f in ("gene", "consequence") if f not in found]
    if missing:
        raise InvalidInput(f"a VEP release table needs the fields {', '.join(missing)} (picked consequence)")
    return found


def _vep_value_sql(columns: Sequence[Column], alias: str) -> str:
    fields = vep_columns(columns)

    def col(field: str) -> str:
        return _qualified(alias, fields[field])

    exprs = {
        "gene": _text(col("gene")),
        "consequence": _fragment("vep_consequence_terms", column=col("consequence")),
    }
    if "transcript" in fields:
        exprs["transcript"] = _text(_fragment("unversioned_id", expr=col("transcript")))
    if "impact" in fields:
        exprs["impact"] = _text(_fragment("upper_text", expr=col("impact")))
    for hgvs in ("hgvs_c", "hgvs_p"):
        if hgvs in fields:
            exprs[hgvs] = _text(_fragment("unversioned_id", expr=col(hgvs)))
    body = _object(sorted(exprs.items()))
    return _fragment("vep_value", gene=_text(col("gene")), consequence=_text(col("consequence")), body=body)


def original_sql(kind: str, columns: Sequence[Column], alias: str = "r") -> str:
    """The source's own spelling of the value fields that canonical form rewrites (kept in events)."""
    if kind != "vep":
        return _fragment("no_original")
    pairs = [(field, _qualified(alias, name)) for field, name in sorted(vep_columns(columns).items())]
    return _object(pairs)


def error_sql(columns: Sequence[Column], alias: str = "r") -> str:
    """The record's source error (text), when the release table carries a ``source_error`` column."""
    if any(c.name == "source_error" for c in columns):
        return _text(_qualified(alias, "source_error"))
    return _fragment("no_error")
