"""Curation Workbench — the router: page config, the signed-in identity, the navigation. Nothing else.

(And the app's composition root: the operation registry the pages submit jobs through is filled once here.)
"""

import streamlit as st

from pages.ui.errors import page_boundary
from pages.ui.identity import sign_in
from pages.ui.usage import counted_view, feedback_sidebar
from services.auth.identity import Role
from services.composition import load_operations
from services.heap import freeze_startup_heap

load_operations()
freeze_startup_heap()  # once per process: full collections skip the imported modules' objects

st.set_page_config(page_title="Curation Workbench", page_icon=":material/genetics:", layout="wide")
identity = sign_in()

PAGES = {
    "Workbench": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/jobs.py", title="Jobs", icon=":material/schedule:", url_path="jobs"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
        *(
            [st.Page("pages/usage.py", title="Usage", icon=":material/monitoring:", url_path="usage")]
            if identity.can(Role.LEAD)
            else []
        ),
    ],
    "Proteins": [
        st.Page("pages/proteins.py", title="Proteins", icon=":material/biotech:", url_path="proteins"),
        st.Page("pages/protein.py", title="Protein detail", icon=":material/search:", url_path="protein"),
        st.Page("pages/ontology.py", title="Ontology", icon=":material/account_tree:", url_path="ontology"),
        st.Page(
            "pages/annotation_sets.py", title="Annotation sets", icon=":material/label:", url_path="annotation-sets"
        ),
        st.Page("pages/query_sets.py", title="Query sets", icon=":material/upload_file:", url_path="query-sets"),
    ],
    "Predictions": [
        st.Page("pages/predictions.py", title="Predictions", icon=":material/insights:", url_path="predictions"),
    ],
    "Lab lead": [
        st.Page("pages/evaluation.py", title="Evaluation", icon=":material/leaderboard:", url_path="evaluation"),
        st.Page("pages/experiments.py", title="Experiments", icon=":material/science:", url_path="experiments"),
        st.Page("pages/rerankers.py", title="Re-rankers", icon=":material/sort:", url_path="rerankers"),
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
        st.Page("pages/variants.py", title="Variants", icon=":material/genetics:", url_path="variants"),
    ],
}

st.sidebar.caption(f"Signed in as **{identity.user}** ({identity.role.label})")
page = st.navigation(PAGES)
feedback_sidebar()
with page_boundary("app page"):  # every error in the chosen page is one sentence (pages/ui/errors.py)
    with counted_view(page):  # inside the boundary: a page that raised is counted as 500
        page.run()
