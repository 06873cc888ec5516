"""Streamlit pages (thin: widgets in, service calls, rendering out) and their shared UI components."""
