"""The Variants page with AppTest: filters, paging, detail, loads list, and the Load VCF form."""

from __future__ import annotations

import shutil

from services.db.engine import session_scope
from services.jobs import service
from services.variants.browse import VariantFilter, export_csv, neutralise
from services.variants.loader import load_vcf
from tests.support.page_frames import frame_with
from tests.support.vcf_files import CURATOR, DATA


def _load():
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"


def test_viewer_browses_filters_and_sees_details(app) -> None:
    _load()
    at = app("pages/variants.py", role="viewer")
    table = frame_with(at, "consequence")
    assert len(table) == 16 and any("16 variants" in c.value for c in at.caption)
    assert not any(e.label == "Load VCF" for e in at.expander)  # viewers cannot load
    loads = frame_with(at, "file_name")
    assert list(loads["status"]) == ["completed"]

    at.text_input(key="var_gene").input("gene1").run()  # case-insensitive, by prefix
    table = frame_with(at, "consequence")
    assert list(table["gene"]) == ["GENE1"] and list(table["consequence"]) == ["missense_variant"]
    assert any("GENE1" in c.value for c in at.caption)  # suggestions

    # Clicking a row puts the variant in the URL; the detail card reads it (AppTest cannot click a grid row,
    # tests/e2e/test_variants_flow.py does).
    at.query_params["variant"] = str(table["variant_id"][0])
    at.run()
    assert not at.exception
    csq = frame_with(at, "Feature")
    assert set(csq["Feature"]) == {"ENST1", "ENST2"}
    # The detail links to the allele's history and says what each source currently shows.
    assert any("Current annotations" in md.value for md in at.markdown)
    assert frame_with(at, "GT")["GT"].notna().all()  # the genotype is a table
    assert any(getattr(link, "label", "").startswith("Allele chr") for link in at.get("page_link"))


def test_region_filter_and_keyset_paging(app, monkeypatch) -> None:
    _load()
    at = app("pages/variants.py", role="viewer")
    at.text_input(key="var_region").input("1:4,000-6,000").run()
    table = frame_with(at, "consequence")
    assert sorted(set(table["pos"])) == [4000, 4001, 5000, 6000]
    at.text_input(key="var_region").input("chr1:1-").run()
    assert any("is not like chrX" in e.value for e in at.error)
    at.text_input(key="var_region").input("1").run()  # a whole contig, with or without chr
    assert len(frame_with(at, "consequence")) == len(
        frame_with(at.text_input(key="var_region").input("chr1").run(), "consequence")
    )


def test_curator_starts_a_load_job(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path))
    vcf = tmp_path / "cases.vcf"
    shutil.copy(DATA / "vep_cases.vcf", vcf)
    at = app("pages/variants.py", role="curator")
    at.text_input(key="load_path").input(str(vcf))
    next(b for b in at.button if b.label == "Start loading").click().run()
    assert any("Queued load job" in s.value for s in at.success)
    with session_scope() as s:
        listed, total = service.list_jobs(s)
    assert total == 1 and listed[0].operation == "variants.load_vcf" and listed[0].payload["path"] == str(vcf)


def test_load_form_checks_the_server_path_when_submitted(app, tmp_path, monkeypatch) -> None:
    """Issue 17: a path outside the import folders (or missing) was only refused later, by the worker."""
    imports = tmp_path / "imports"
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(imports))
    outside = tmp_path / "cases.vcf"
    shutil.copy(DATA / "vep_cases.vcf", outside)
    at = app("pages/variants.py", role="curator")
    assert any(str(imports) in c.value for c in at.caption) and imports.is_dir()
    at.text_input(key="load_path").input(str(outside))
    next(b for b in at.button if b.label == "Start loading").click().run()
    assert any("outside the import folders" in w.value for w in at.warning)
    at.text_input(key="load_path").input(str(imports / "missing.vcf"))
    next(b for b in at.button if b.label == "Start loading").click().run()
    assert any("no such file" in e.value for e in at.error)
    with session_scope() as s:
        assert service.list_jobs(s)[1] == 0  # nothing queued


def test_csv_export_neutralises_formulas(db_url) -> None:
    _load()
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)" and neutralise("-1") == "'-1" and neutralise(3) == 3
    with session_scope() as s:
        data = b"".join(export_csv(s, VariantFilter(gene="GENE4"))).decode()
    lines = data.strip().splitlines()
    assert lines[0].startswith("variant_id,chrom,pos") and len(lines) == 2
    assert "frameshift_variant" in lines[1]


def test_the_total_is_capped_and_counted_exactly_on_request(app, monkeypatch) -> None:
    """Issue 17/18: no exact count of every match on a page turn; "N+" when capped; "Count exactly" on demand,
    run once for the filters (not again on the next rerun), and the page count only when the total is exact."""
    from services.variants import browse

    _load()  # 16 variants
    monkeypatch.setattr(browse, "COUNT_CAP", 5)
    counts: list[int | None] = []
    counted = browse.count_variants

    def spy(session, f, *, cap=None, **resolved):
        counts.append(cap)
        return counted(session, f, cap=cap, **resolved)

    monkeypatch.setattr(browse, "count_variants", spy)
    at = app("pages/variants.py", role="viewer")
    assert not at.exception
    assert any(c.value.startswith("5+ variants · page 1 ·") for c in at.caption)
    assert counts and None not in counts  # only capped counts
    at.button(key="var_count_exact").click().run()
    assert any(c.value.startswith("16 variants · page 1 of 1 ·") for c in at.caption)
    assert counts.count(None) == 1
    assert not any(b.key == "var_count_exact" for b in at.button)  # exact now: no button
    at.run()  # a rerun (a page turn) keeps the exact total without counting again
    assert any(c.value.startswith("16 variants · page 1 of 1 ·") for c in at.caption) and counts.count(None) == 1

    at.text_input(key="var_gene").input("gene1").run()  # other filters: a small set is counted exactly
    assert any(c.value.startswith("1 variants · page 1 of 1 ·") for c in at.caption)
    at.text_input(key="var_gene").input("").run()  # back: the exact total of these filters is remembered
    assert any(c.value.startswith("16 variants") for c in at.caption)
