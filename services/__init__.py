"""Curation Workbench service layer: everything but the pages. Never imports streamlit."""
