"""Streamlit pages (thin: widgets in, service calls, rendering out) and their shared UI components.

Streamlit still treats a folder named ``pages/`` beside the main script as a legacy (v1) multipage app until the
first run of ``app.py`` calls ``st.navigation``; a deep link opened right after start-up would then run a page
without the router. Importing this package (every page does) switches that legacy mode off for good.
"""

try:
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
except ImportError:  # pragma: no cover - a Streamlit without the legacy flag needs nothing
    pass
