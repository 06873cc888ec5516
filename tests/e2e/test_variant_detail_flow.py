"""Click a Variants row in the browser: its detail card opens (genotype table, current annotations in words)
and links to the allele's history, which opens on the Allele page with the allele as CHROM-POS-REF-ALT and
its build. No "Deploy" button in the toolbar."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR

DATA = Path(__file__).resolve().parents[1] / "variants" / "data"


def test_click_a_row_for_its_detail_card_then_the_allele(live_app: str, browser_page) -> None:
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"
    page = browser_page
    page.goto(f"{live_app}/variants")
    expect(page.get_by_text("16 variants")).to_be_visible(timeout=30_000)  # a fresh server imports the app first
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)

    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    row_height = 35
    # The selection column is the grid's first column; the first data row lies below the header row.
    page.mouse.click(box["x"] + 15, box["y"] + row_height * 1.5)
    card = page.locator(".st-key-variant_card")
    expect(card).to_be_visible()
    expect(card.get_by_text("Genotype")).to_be_visible()
    expect(card.get_by_text("Current annotations")).to_be_visible()
    heading = card.locator("h4").first
    expect(heading).to_contain_text("(GRCh38)")
    label = heading.inner_text().split(" (")[0]
    assert label.count("-") >= 3 and label.rsplit("-", 3)[1].isdigit()  # CHROM-POS-REF-ALT, not an id
    assert "variant=" in page.url

    card.get_by_role("link", name=f"Allele {label} (GRCh38): annotation history").click()
    expect(page.get_by_role("heading", name="Allele")).to_be_visible()
    expect(page.get_by_text(f"{label} (GRCh38)")).to_be_visible()
