"""Curation Workbench — the router: page config, the signed-in identity, the navigation. Nothing else."""

import streamlit as st

from pages.ui.identity import sign_in

st.set_page_config(page_title="Curation Workbench", page_icon=":material/genetics:", layout="wide")
identity = sign_in()

PAGES = {
    "Workbench": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/jobs.py", title="Jobs", icon=":material/schedule:", url_path="jobs"),
    ],
    "Proteins": [
        st.Page("pages/predictions.py", title="Predictions", icon="🔮", url_path="predictions"),
    ],
}

st.sidebar.caption(f"Signed in as **{identity.user}** ({identity.role.label})")
st.navigation(PAGES).run()
