"""Annotation values in words (issue 17: no ``{'clnsig': …}`` dicts on pages, reports or job details)."""

from __future__ import annotations

from services.annotations.value_display import review_stars, value_fields, value_summary


def test_clinvar_value_as_fields_with_stars_and_conditions() -> None:
    value = {
        "clnsig": "Likely_pathogenic",
        "clnrevstat": "criteria_provided,_multiple_submitters,_no_conflicts",
        "clndn": "Hereditary_breast_cancer|not_provided",
    }
    assert value_fields(value) == [
        ("significance", "Likely pathogenic"),
        ("review status", "★★☆☆ (criteria provided, multiple submitters, no conflicts)"),
        ("conditions", "Hereditary breast cancer, not provided"),
    ]
    assert value_summary(value) == "Likely pathogenic · ★★☆☆ · Hereditary breast cancer, not provided"


def test_stars_follow_clinvar() -> None:
    assert review_stars("practice_guideline").startswith("★★★★")
    assert review_stars("reviewed_by_expert_panel").startswith("★★★☆")
    assert review_stars("criteria_provided,_single_submitter").startswith("★☆☆☆")
    assert review_stars("no_assertion_criteria_provided").startswith("☆☆☆☆")
    assert review_stars("something_new") == "something new"  # unknown: words, no invented stars


def test_gnomad_and_vep_values() -> None:
    gnomad = {"af": 0.000123, "af_grpmax": 0.0004, "grpmax": "nfe", "ac": 12, "an": 97000}
    assert value_fields(gnomad)[:3] == [
        ("AF", "1.23e-04"),
        ("AF (highest group)", "4.00e-04"),
        ("highest group", "nfe"),
    ]
    assert value_summary(gnomad).startswith("AF 1.23e-04 · AF (highest group) 4.00e-04 · highest group nfe")
    vep = {"consequence": "missense_variant", "impact": "MODERATE", "gene": "BRCA1", "hgvs_p": "p.Lys41Glu"}
    assert value_summary(vep) == "missense variant · impact MODERATE · BRCA1 · HGVS p. p.Lys41Glu"


def test_unknown_keys_are_kept_and_nothing_renders_as_a_dict() -> None:
    assert value_fields({"score": 0.5, "flag": True}) == [("score", "0.5"), ("flag", "yes")]
    assert value_summary(None) == "" and value_fields(None) == []
    nested = value_summary({"clnsig": "Benign", "extra": {"a": 1}})
    assert "{" not in nested and "extra a: 1" in nested
