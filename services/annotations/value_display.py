"""Annotation values in words: what a ClinVar, gnomAD, VEP or dbSNP value says, as labelled fields.

Pages, change reports and job details show these instead of the stored JSON. Contract:
1. ``value_fields(value)`` gives ``(label, text)`` pairs in a fixed, source-specific order; the source is
   recognised from the value's own keys (``clnsig`` → ClinVar, ``af`` → gnomAD, ``consequence`` → VEP,
   ``rs``/``rsid`` → dbSNP), so it works for any source name a lab chose. Unknown keys follow, labelled by
   their names; nothing is dropped.
2. ``value_summary(value)`` is one line of those fields (``Pathogenic · ★★☆☆ · Breast cancer``); an empty
   value gives ``""``. Neither ever returns a ``{...}`` dict text.
3. ClinVar review status becomes 0–4 stars as ClinVar defines them (practice guideline 4, expert panel 3,
   multiple submitters without conflicts 2, single submitter or conflicts 1, no criteria 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REVIEW_STARS: dict[str, int] = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
    "criteria_provided,_single_submitter": 1,
    "no_assertion_criteria_provided": 0,
    "no_classification_provided": 0,
    "no_assertion_provided": 0,
    "no_interpretation_for_the_single_variant": 0,
}
# (key, label) in display order, per kind of value.
_CLINVAR = (
    ("clnsig", "significance"),
    ("clnrevstat", "review status"),
    ("clndn", "conditions"),
    ("clnvc", "variant type"),
    ("geneinfo", "gene"),
    ("mc", "molecular consequence"),
    ("origin", "origin"),
    ("rs", "dbSNP"),
    ("clinvar_allele_id", "ClinVar allele"),
    ("alleleid", "ClinVar allele"),
)
_GNOMAD = (
    ("af", "AF"),
    ("af_grpmax", "AF (highest group)"),
    ("grpmax", "highest group"),
    ("faf95", "filtering AF (95%)"),
    ("faf95_grpmax", "filtering AF (highest group)"),
    ("ac", "allele count"),
    ("an", "allele number"),
    ("nhomalt", "homozygotes"),
)
_VEP = (
    ("consequence", "consequence"),
    ("impact", "impact"),
    ("gene", "gene"),
    ("transcript", "transcript"),
    ("hgvs_c", "HGVS c."),
    ("hgvs_p", "HGVS p."),
)
_DBSNP = (("rs", "dbSNP"), ("rsid", "dbSNP"))


def review_stars(status: str | None) -> str:
    """``criteria_provided,_single_submitter`` → ``★☆☆☆ (criteria provided, single submitter)``."""
    if not status:
        return ""
    key = str(status).strip().lower().replace(" ", "_")
    stars = REVIEW_STARS.get(key)
    words = str(status).replace("_", " ").replace(",", ", ").replace("  ", " ").strip()
    if stars is None:
        return words
    return "★" * stars + "☆" * (4 - stars) + f" ({words})"


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        return f"{value:.3g}" if 1e-3 <= abs(value) < 1e4 else f"{value:.2e}"
    return str(value)


def _text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(key, v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(k, v)}" for k, v in value.items())
    if key == "clnrevstat":
        return review_stars(str(value))
    if key in ("clnsig", "clndn", "clnvc", "mc", "consequence"):
        return str(value).replace("_", " ").replace("|", ", ").replace("&", ", ")
    if key in ("rs", "rsid") and str(value).isdigit():
        return f"rs{value}"
    return _number(value)


def _layout(value: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if "clnsig" in value or "clnrevstat" in value:
        return _CLINVAR
    if "consequence" in value or "hgvs_c" in value:
        return _VEP
    if "af" in value or "af_grpmax" in value:
        return _GNOMAD
    if "rs" in value or "rsid" in value:
        return _DBSNP
    return ()


def value_fields(value: Any) -> list[tuple[str, str]]:
    """Rule 1: the value as ``(label, text)`` pairs."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [("value", _text("value", value))]
    layout = _layout(value)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, label in layout:
        if key in value and value[key] not in (None, ""):
            out.append((label, _text(key, value[key])))
            seen.add(key)
    for key, item in value.items():
        if key not in seen and item not in (None, ""):
            out.append((key.replace("_", " "), _text(key, item)))
    return out


def value_summary(value: Any) -> str:
    """Rule 2: one line of the value's fields (labels kept for numbers, dropped for words)."""
    parts = []
    for label, text_ in value_fields(value):
        if label in ("significance", "consequence", "conditions", "gene", "value"):
            parts.append(text_)
        elif label == "review status":
            parts.append(text_.split(" (")[0])
        else:
            parts.append(f"{label} {text_}")
    return " · ".join(p for p in parts if p)
