"""Variants: filters, keyset pages with a total, sorting, CSV/Parquet export, a detail panel, the loads list
and (for curators) a "Load VCF" form that starts a background job. Thin: widgets → services → rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from services.annotations.read_path import current_annotation, display_setting, resolve_allele
from services.auth.identity import Role
from services.db.engine import session_scope
from services.input_files import save_upload
from services.jobs import service as jobs
from services.variants import browse

identity = current_identity()
PAGE_SIZE = 50
IMPACTS = ["", "HIGH", "MODERATE", "LOW", "MODIFIER"]
st.title("Variants")

with session_scope() as session:
    samples = browse.list_samples(session)
    loads = browse.list_loads(session)
    retired_display = display_setting(session)

with st.container(border=True):
    c1, c2, c3, c4 = st.columns(4)
    region = c1.text_input("Region", placeholder="chr1:1,000,000-2,000,000", key="var_region")
    gene = c2.text_input("Gene", key="var_gene")
    consequence = c3.text_input("Consequence", placeholder="missense_variant", key="var_consequence")
    impact = c4.selectbox("Impact", IMPACTS, key="var_impact")
    c5, c6, c7, c8 = st.columns(4)
    max_af_text = c5.text_input("Max gnomAD AF", placeholder="0.01", key="var_max_af")
    clinvar = c6.text_input(
        "ClinVar significance (current)",
        key="var_clinvar",
        help="Matches the curated ClinVar value shown for each allele (Annotation runs), not the file's CLNSIG.",
    )
    sample = c7.selectbox("Sample", [""] + samples, key="var_sample")
    load_ids = [""] + list(loads["load_id"]) if not loads.empty else [""]
    load = c8.selectbox("Load", load_ids, key="var_load")
    s1, s2 = st.columns([3, 1])
    sort = s1.radio("Sort by", list(browse.SORTS), horizontal=True, key="var_sort")
    include_retired = s2.checkbox(
        "Include retired",
        key="var_include_retired",
        disabled=retired_display != "last-known",
        help="Also match retired last-known values (only when the retired-link display is 'last-known').",
    )


def _max_af() -> float | None:
    if not max_af_text.strip():
        return None
    try:
        return float(max_af_text)
    except ValueError:
        st.error(f"max gnomAD AF {max_af_text!r} is not a number")
        return None


filters = browse.VariantFilter(
    region=region or None,
    gene=gene or None,
    consequence=consequence or None,
    impact=impact or None,
    max_af=_max_af(),
    clinvar_sig=clinvar or None,
    sample=sample or None,
    load_batch_id=load or None,
    retired_display=retired_display,
    include_retired=include_retired,
)

# Keyset paging: the cursors of the pages seen so far live in the session (reset when the filters change).
signature = repr((filters, sort))
if st.session_state.get("var_signature") != signature:
    st.session_state["var_signature"] = signature
    st.session_state["var_cursors"] = [None]
cursors: list = st.session_state["var_cursors"]


def _next_page(cursor) -> None:
    st.session_state["var_cursors"].append(cursor)


def _export(write: Callable[..., Iterator[bytes]], filters: browse.VariantFilter) -> bytes:
    """The filtered set in one file, generated only when the user clicks a download button."""
    with session_scope() as session:
        return b"".join(write(session, filters))


def _previous_page() -> None:
    if len(st.session_state["var_cursors"]) > 1:
        st.session_state["var_cursors"].pop()


page = None
with shown_errors(), session_scope() as session:
    page = browse.variant_page(session, filters, sort=sort, after=cursors[-1], limit=PAGE_SIZE)
if page is not None:
    st.caption(f"{page.total:,} variants · page {len(cursors)}")
    st.dataframe(page.rows, hide_index=True, width="stretch", key="variants_table")
    b1, b2, _ = st.columns([1, 1, 6])
    b1.button("◀ Previous", disabled=len(cursors) == 1, on_click=_previous_page, key="var_prev")
    b2.button(
        "Next ▶",
        disabled=page.next_cursor is None,
        on_click=_next_page,
        args=(page.next_cursor,),
        key="var_next",
    )

    e1, e2 = st.columns(2)
    e1.download_button(
        "Download CSV (filtered set)",
        partial(_export, browse.export_csv, filters),
        file_name="variants.csv",
        mime="text/csv",
        on_click="ignore",
        key="var_csv_dl",
    )
    e2.download_button(
        "Download Parquet (filtered set)",
        partial(_export, browse.export_parquet, filters),
        file_name="variants.parquet",
        on_click="ignore",
        key="var_parquet_dl",
    )

    st.subheader("Variant detail")
    ids = [str(v) for v in page.rows["variant_id"]]
    chosen = st.selectbox("Variant", [""] + ids, key="var_detail")
    if chosen:
        with shown_errors(), session_scope() as session:
            detail = browse.variant_detail(session, int(chosen))
            st.json({k: v for k, v in detail["fields"].items() if k not in ("vep_annotations",)}, expanded=False)
            st.write("Genotype", detail["genotype"])
            allele_id = detail["fields"].get("allele_id")
            if allele_id is not None:
                allele = resolve_allele(session, str(allele_id))
                current = current_annotation(session, [allele.id], display=retired_display)[allele.id]
                st.markdown("**Current annotations** (under the retired-link display decision)")
                for source, value in current.items():
                    shown = "never linked" if value is None else f"{value.value} — {value.note}"
                    st.markdown(f"- {source}: {shown}")
                st.page_link(
                    "pages/allele.py", label=f"Allele {allele.label}: history", query_params={"allele": allele.label}
                )
            for kind, table in detail["consequences"].items():
                st.caption(f"{kind} consequences ({len(table)})")
                st.dataframe(table, hide_index=True, width="stretch", key=f"var_csq_{kind}")

st.subheader("Loads")
st.dataframe(loads, hide_index=True, width="stretch", key="loads_table")

if identity.can(Role.CURATOR):
    with st.expander("Load VCF"):
        with st.form("load_vcf_form"):
            upload = st.file_uploader("Upload a VCF (.vcf or .vcf.gz)", key="load_upload")
            server_path = st.text_input("…or a path on the server (inside an import folder)", key="load_path")
            genome = st.text_input("Genome build", value="GRCh38", key="load_genome")
            force = st.checkbox("Reload even if the same content is loaded", key="load_force")
            submitted = st.form_submit_button("Start loading", type="primary")
        if submitted:
            with shown_errors():
                path = save_upload(upload.name, upload.getvalue(), identity) if upload else server_path.strip()
                with session_scope() as session:
                    job = jobs.submit(
                        session,
                        "variants.load_vcf",
                        {"path": str(path), "genome_build": genome, "force": force},
                        identity,
                    )
                st.success(f"Queued load job {job.id} — follow it on the Jobs page.")
