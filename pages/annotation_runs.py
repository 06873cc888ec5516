"""Annotation runs: runs with health and counts, refresh a source, a run's change and integrity reports,
and the lead's decisions (confirm or reject a braked run, verify a release)."""

from __future__ import annotations

import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.file_source import file_inputs, import_folders_note, submit_file_job
from pages.ui.identity import current_identity
from pages.ui.query_params import query_int
from services.annotations import run_views
from services.annotations.verification import verify_release
from services.auth.identity import Role
from services.db.engine import session_scope
from services.errors import InvalidInput

identity = current_identity()
st.title("Annotation runs")

with session_scope() as session:
    releases = run_views.list_releases(session)
    runs = run_views.list_runs(session)
    samples = run_views.list_samples(session)
sources = sorted({r.source for r in releases})

RELEASE_KINDS = {
    "clinvar": "ClinVar VCF",
    "gnomad": "gnomAD sites VCF",
    "dbsnp": "dbSNP VCF",
    "vep": "VEP-annotated VCF",
}

if identity.can(Role.CURATOR):
    with st.expander("Add a source release", expanded=not releases):
        st.caption(import_folders_note())
        with st.form("add_release_form"):
            k1, k2, k3, k4 = st.columns(4)
            kind = k1.selectbox("Kind", list(RELEASE_KINDS), format_func=RELEASE_KINDS.get, key="release_kind")
            name = k2.text_input("Source name", placeholder="same as the kind", key="release_name")
            version = k3.text_input("Release version", placeholder="2026-11-03", key="release_version")
            genome = k4.text_input("Genome build", value="GRCh38", key="release_genome")
            upload, path = file_inputs("release_file", "release VCF (.vcf or .vcf.gz)", ["vcf", "gz"])
            add = st.form_submit_button("Add release", type="primary")
        if add:
            with shown_errors():
                if not version.strip():
                    raise InvalidInput("a release version is required (e.g. 2026-11-03)")
                submit_file_job(
                    upload,
                    path,
                    "annotations.add_source",
                    identity,
                    {"name": (name or kind).strip(), "kind": kind, "version": version.strip(), "genome": genome},
                    with_name=False,
                )
    with st.expander("Refresh a source", expanded=not runs and bool(releases)):
        if not releases:
            st.info("No annotation releases loaded yet: add one above (a job; then refresh it here).")
        else:
            c1, c2, c3 = st.columns([1, 2, 1])
            source = c1.selectbox("Source", sources, key="refresh_source")
            mine = [r for r in releases if r.source == source]
            release = c2.selectbox(
                "Release",
                mine,
                format_func=lambda r: f"{r.version} ({r.genome_build}, {r.record_count:,} records)",
                key="refresh_release",
            )
            force = c3.checkbox("Force", key="refresh_force", help="re-apply to alleles it has seen already")

            def _refresh() -> None:
                with shown_errors(), session_scope() as s:
                    job = run_views.submit_refresh(
                        s, identity, release.source, release.version, release.genome_build, force=force
                    )
                    st.session_state["refresh_job"] = str(job.id)

            st.button(f"Refresh {source}", key="refresh_start", type="primary", on_click=_refresh)
            if st.session_state.get("refresh_job"):
                st.success(f"Queued job {st.session_state['refresh_job']} — progress on the Jobs page.")


@st.fragment(run_every=3.0)
def run_list() -> None:
    with session_scope() as s:
        current = run_views.list_runs(s)
        for r in current:
            fraction = run_views.run_progress(s, r) if r.status == "running" else None
            if fraction is not None:
                st.progress(fraction, text=f"run #{r.id}: {r.source} {r.source_version} — {fraction:.0%}")
        st.dataframe(run_views.runs_frame(current), hide_index=True, width="stretch", key="runs_table")


run_list()

if not runs:
    st.stop()

st.divider()
default = query_int("run")
ids = [r.id for r in runs]
run_id = st.selectbox(
    "Run",
    ids,
    index=ids.index(default) if default in ids else 0,
    format_func=lambda i: next(
        f"#{r.id} {r.source} {r.source_version} — {r.health or 'running'}, {r.status}" for r in runs if r.id == i
    ),
    key="run_detail",
)
with shown_errors(), session_scope() as session:
    run = run_views.get_run(session, run_id)
    st.markdown(
        f"**Run #{run.id}** · {run.source} {run.source_version} ({run.genome_build}) · health **{run.health}** · "
        f"status **{run.status}** · {run.alleles_processed:,} of {run.alleles_expected:,} alleles · "
        f"{run.source_errors:,} source errors · by {run.triggered_by}"
    )
    for reason in run.health_reasons:
        st.caption(reason)
    outcome = run.outcome
    if outcome.applied:
        st.success(outcome.headline.capitalize())
    else:
        st.warning(outcome.headline.capitalize() + (f"\n\n**Next:** {outcome.next_step}" if outcome.next_step else ""))

    if run.status == "braked" and identity.can(Role.LEAD):

        def _decide(confirm: bool) -> None:  # a job: the decision restages the run's whole allele set
            with shown_errors(), session_scope() as s:
                job = run_views.submit_decision(s, identity, run.id, confirm=confirm)
                st.session_state["decision_job"] = str(job.id)

        st.warning("This run would retire many links: confirm to apply it, or reject to hold it.")
        b1, b2 = st.columns(2)
        b1.button("Confirm and apply", key="brake_confirm", on_click=_decide, args=(True,), type="primary")
        b2.button("Reject", key="brake_reject", on_click=_decide, args=(False,))
        if st.session_state.get("decision_job"):
            st.success(f"Queued job {st.session_state['decision_job']} — progress on the Jobs page.")

    st.subheader("Change report")
    f1, f2 = st.columns(2)
    sample = f1.selectbox("Sample", ["(all)", *samples], key="report_sample")
    significance = f2.text_input("Significance (ClinVar)", key="report_significance")
    report = run_views.change_report(
        session, run.id, sample=None if sample == "(all)" else sample, significance=significance or None
    )
    st.caption(f"{len(report):,} alleles")
    st.dataframe(report, hide_index=True, width="stretch", key="change_report")
    st.download_button(
        "Download CSV",
        report.to_csv(index=False).encode(),
        file_name=f"annotation-run-{run.id}-changes.csv",
        mime="text/csv",
        key="report_download",
    )

    st.subheader("Release integrity")
    integrity = run.integrity or {}
    verification = run_views.release_verification(session, run.release_id)
    verified_text = (
        f"yes (by {verification.verified_by} on {verification.verified_at:%Y-%m-%d %H:%M})" if verification else "no"
    )
    if not integrity:
        st.caption("Not checked (the run did not get that far).")
    elif integrity.get("previous_version") is None:
        st.caption("First release of this source and build applied: nothing to compare with.")
    else:
        change = integrity.get("record_change")
        st.markdown(
            f"Compared with **{integrity['previous_version']}**: {integrity['records']:,} records "
            f"(before {integrity['previous_records']:,}{'' if change is None else f', {change:+.1%}'}); "
            f"missing contigs: {', '.join(integrity['missing_contigs']) or 'none'}; "
            f"**{'passed' if integrity['passed'] else 'failed'}** when the run checked it"
        )
    st.markdown(f"Release {run.source_version} verified: **{verified_text}**")
    if identity.can(Role.LEAD) and verification is None:

        def _verify(release_id: int, version: str) -> None:
            with shown_errors(), session_scope() as s:
                done = verify_release(s, identity, release_id, st.session_state.get("verify_note", ""))
                st.session_state["verify_message"] = (
                    f"Release {version} is verified (by {done.verified_by}). Refresh {run.source} {version} again "
                    "to apply it."
                    if done.new
                    else f"Release {version} was already verified by {done.verified_by}."
                )

        st.text_input("Verification note", key="verify_note")
        st.button(
            f"Mark release {run.source_version} as verified",
            key="verify_release",
            on_click=_verify,
            args=(run.release_id, run.source_version),
            help="lifts the integrity check for this release (audited)",
        )
    if st.session_state.get("verify_message"):
        st.success(st.session_state.pop("verify_message"))
