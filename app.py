"""Curation Workbench — the router: page config, the signed-in identity, the navigation. Nothing else."""

import streamlit as st

from pages.ui.identity import sign_in

st.set_page_config(page_title="Curation Workbench", page_icon="🧬", layout="wide")
identity = sign_in()

PAGES = {
    "Workbench": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/jobs.py", title="Jobs", icon="⚙️", url_path="jobs"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
    ],
    "Annotations": [
        st.Page(
            "pages/annotation_runs.py",
            title="Annotation runs",
            icon=":material/sync:",
            url_path="annotation-runs",
        ),
        st.Page("pages/allele.py", title="Allele", icon=":material/genetics:", url_path="allele"),
    ],
    "Variants": [
        st.Page("pages/variants.py", title="Variants", icon="🧬", url_path="variants"),
    ],
}

st.sidebar.caption(f"Signed in as **{identity.user}** ({identity.role.label})")
st.navigation(PAGES).run()
