"""Variants: filters, keyset pages with a total, sorting, CSV/Parquet export, a detail card (click a row),
the loads list and (for curators) a "Load VCF" form that starts a background job.
Thin: widgets → services → rendering."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import partial

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.file_source import checked_server_path, import_folders_note
from pages.ui.identity import current_identity
from services.annotations.read_path import current_annotation, display_setting, resolve_allele
from services.annotations.value_display import value_fields, value_summary
from services.auth.identity import Role
from services.db.engine import session_scope
from services.errors import InvalidInput
from services.input_files import save_upload
from services.jobs import service as jobs
from services.variants import browse

identity = current_identity()
PAGE_SIZE = browse.PAGE_ROWS
IMPACTS = ["", "HIGH", "MODERATE", "LOW", "MODIFIER"]
# The grid's columns, key ones first so ClinVar and gnomAD AF are visible without scrolling.
GRID_COLUMNS = {
    "chrom": st.column_config.TextColumn("chrom", width="small"),
    "pos": st.column_config.NumberColumn("pos", format="%d", width="small"),
    "ref": st.column_config.TextColumn("ref", width="small"),
    "alt": st.column_config.TextColumn("alt", width="small"),
    "gene": st.column_config.TextColumn("gene", width="small"),
    "clinvar_sig": st.column_config.TextColumn("ClinVar (current)", help="the read path's current ClinVar value"),
    "af_gnomad": st.column_config.NumberColumn("gnomAD AF", format="%.2e"),
    "consequence": st.column_config.TextColumn("consequence"),
    "impact": st.column_config.TextColumn("impact", width="small"),
    "sample": st.column_config.TextColumn("sample", width="small"),
    "gt": st.column_config.TextColumn("GT", width="small"),
    "hgvs_c": st.column_config.TextColumn("HGVS c."),
    "hgvs_p": st.column_config.TextColumn("HGVS p."),
    "variant_type": st.column_config.TextColumn("type", width="small"),
    "rs_id": st.column_config.TextColumn("dbSNP", width="small"),
}
st.title("Variants")

with session_scope() as session:
    samples = browse.list_samples(session)
    loads = browse.list_loads(session)
    retired_display = display_setting(session)
    significances = browse.clinvar_significance_choices(session)

with st.container(border=True):
    c1, c2, c3, c4 = st.columns(4)
    region = c1.text_input(
        "Region", placeholder="chrX or chr1:1,000,000-2,000,000", key="var_region", help="a contig or a range"
    )
    gene = c2.text_input("Gene", key="var_gene", help="case-insensitive, by prefix: 'hba' finds HBA1 and HBA2")
    consequence = c3.text_input(
        "Consequence",
        placeholder="missense_variant",
        help="A whole Sequence Ontology term of the picked consequence (missense_variant, stop_gained), any case.",
        key="var_consequence",
    )
    impact = c4.selectbox("Impact", IMPACTS, key="var_impact")
    c5, c6, c7, c8 = st.columns(4)
    max_af_text = c5.text_input("Max gnomAD AF", placeholder="0.01", key="var_max_af")
    clinvar = c6.multiselect(
        "ClinVar significance (current)",
        significances,
        key="var_clinvar",
        help="Exact values of the curated ClinVar value shown for each allele (Annotation runs), "
        "not the file's CLNSIG: 'Pathogenic' does not include 'Likely_pathogenic'.",
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
    clinvar_sig=tuple(clinvar) or None,
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


def _count_exactly() -> None:
    st.session_state["var_count_exactly"] = st.session_state["var_signature"]


def _total_text(page: browse.Page, exact_total: int | None) -> str:
    """The total for people: exact, capped ("10,000+") or the planner's estimate."""
    if exact_total is not None:
        return f"{exact_total:,}"
    if page.estimated:
        return f"~{page.total:,} (estimated)"
    return f"{page.total:,}+" if page.capped else f"{page.total:,}"


def _previous_page() -> None:
    if len(st.session_state["var_cursors"]) > 1:
        st.session_state["var_cursors"].pop()


def _detail_card(variant_id: int) -> None:
    """One variant as a card: where it is, its genotype, consequences, current annotations, its allele."""
    with shown_errors(), session_scope() as session:
        detail = browse.variant_detail(session, variant_id)
        fields = detail["fields"]
        allele = resolve_allele(session, str(fields["allele_id"])) if fields.get("allele_id") is not None else None
        current = current_annotation(session, [allele.id], display=retired_display)[allele.id] if allele else {}
        with st.container(border=True, key="variant_card"):
            label = allele.label if allele else f"{fields['chrom']}-{fields['pos']}-{fields['ref']}-{fields['alt']}"
            build = allele.genome_build if allele else fields.get("genome_build", "")
            st.markdown(f"#### {label} ({build})")
            facts = [
                ("type", fields.get("variant_type")),
                ("gene", fields.get("gene")),
                ("dbSNP", fields.get("rs_id")),
                ("QUAL", fields.get("qual")),
                ("filter", ", ".join(fields.get("filter") or [])),
            ]
            st.markdown(" · ".join(f"{k} **{v}**" for k, v in facts if v not in (None, "")))
            g = detail["genotype"]
            st.markdown("**Genotype**")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "sample": g.get("sample"),
                            "GT": g.get("gt"),
                            "GQ": g.get("gq"),
                            "DP": g.get("dp"),
                            "AD": ", ".join(str(x) for x in g.get("ad") or []),
                        }
                    ]
                ),  # fmt: skip
                hide_index=True,
                key="var_genotype",
            )
            st.markdown("**Current annotations** (under the retired-link display decision)")
            rows = []
            for source, value in current.items():
                rows.append(
                    {
                        "source": source,
                        "value": "never linked" if value is None else value_summary(value.value) or "(none shown)",
                        "from": "" if value is None else value.note,
                    }
                )
            st.dataframe(pd.DataFrame(rows, columns=["source", "value", "from"]), hide_index=True, key="var_current")
            for source, value in current.items():
                if value is not None and value.shown:
                    with st.expander(f"{source} fields"):
                        st.table(pd.DataFrame(value_fields(value.value), columns=["field", "value"]))
            for kind, table in detail["consequences"].items():
                st.markdown(f"**{kind} consequences** ({len(table)})")
                st.dataframe(table, hide_index=True, width="stretch", key=f"var_csq_{kind}")
            if allele:
                st.page_link(
                    "pages/allele.py",
                    label=f"Allele {allele.label} ({allele.genome_build}): annotation history",
                    query_params={"allele": allele.label, "genome": allele.genome_build},
                )


if gene and gene.strip():
    with session_scope() as session:
        suggestions = browse.gene_suggestions(session, gene)
    if suggestions:
        st.caption("Genes starting with " + repr(gene.strip()) + ": " + ", ".join(suggestions))
    else:
        st.caption(f"No gene starts with {gene.strip()!r}.")

# The total is capped on every page turn (browse contract 5); the exact count runs once, when asked, and is kept
# for these filters.
exact_total = st.session_state.get("var_exact_total", {}).get(signature)
count_now = exact_total is None and st.session_state.get("var_count_exactly") == signature
page = None
with shown_errors(), session_scope() as session:
    page = browse.variant_page(session, filters, sort=sort, after=cursors[-1], limit=PAGE_SIZE, exact_total=count_now)
if page is not None:
    if count_now:
        exact_total = page.total
        st.session_state["var_exact_total"] = {signature: exact_total}
    elif exact_total is None and page.exact:
        exact_total = page.total
    pages = f" of {max(1, math.ceil(exact_total / PAGE_SIZE)):,}" if exact_total is not None else ""
    st.caption(f"{_total_text(page, exact_total)} variants · page {len(cursors)}{pages} · click a row for its detail")
    event = st.dataframe(
        page.rows,
        hide_index=True,
        width="stretch",
        column_order=list(GRID_COLUMNS),
        column_config=GRID_COLUMNS,
        on_select="rerun",
        selection_mode="single-row",
        key="variants_table",
    )
    b1, b2, b3, _ = st.columns([1, 1, 2, 4])
    b1.button("◀ Previous", disabled=len(cursors) == 1, on_click=_previous_page, key="var_prev")
    b2.button(
        "Next ▶",
        disabled=page.next_cursor is None,
        on_click=_next_page,
        args=(page.next_cursor,),
        key="var_next",
    )
    if exact_total is None:
        b3.button(
            "Count exactly",
            on_click=_count_exactly,
            key="var_count_exact",
            help="Count every matching variant (slow on a big store); the total above is capped or estimated.",
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

    selected = event.selection.rows if event is not None else []
    if selected and selected[0] < len(page.rows):
        st.query_params["variant"] = str(int(page.rows["variant_id"].iloc[selected[0]]))
    chosen = st.query_params.get("variant", "")
    if chosen.isdigit():
        _detail_card(int(chosen))

st.subheader("Loads")
st.dataframe(loads, hide_index=True, width="stretch", key="loads_table")

if identity.can(Role.CURATOR):
    with st.expander("Load VCF"):
        st.caption(import_folders_note())
        with st.form("load_vcf_form"):
            upload = st.file_uploader("Upload a VCF (.vcf or .vcf.gz)", key="load_upload")
            server_path = st.text_input("…or a path on the server (inside an import folder)", key="load_path")
            genome = st.text_input("Genome build", value="GRCh38", key="load_genome")
            force = st.checkbox("Reload even if the same content is loaded", key="load_force")
            force_genome = st.checkbox("Load even if the header names another genome build", key="load_force_genome")
            allow_contigs = st.checkbox(
                "Allow contigs unknown to the build (counted as warnings)", key="load_allow_contigs"
            )
            allow_range = st.checkbox(
                "Allow positions past a contig's end (counted as warnings)", key="load_allow_range"
            )
            submitted = st.form_submit_button("Start loading", type="primary")
        if submitted:
            with shown_errors():
                if upload:
                    path = save_upload(upload.name, upload.getvalue(), identity)
                elif server_path.strip():
                    path = checked_server_path(server_path)  # inside an import folder and readable, now
                else:
                    raise InvalidInput("choose a VCF to upload or give its path on the server")
                with session_scope() as session:
                    job = jobs.submit(
                        session,
                        "variants.load_vcf",
                        {
                            "path": str(path),
                            "genome_build": genome,
                            "force": force,
                            "force_genome": force_genome,
                            "allow_unknown_contigs": allow_contigs,
                            "allow_out_of_range": allow_range,
                        },
                        identity,
                    )
                st.success(f"Queued load job {job.id} — follow it on the Jobs page.")
