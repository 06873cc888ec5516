"""Starts Streamlit with ``app.py``'s router in charge from the very first request.

``python -m pages.ui.launcher run app.py [streamlit options]`` is ``streamlit run`` except that Streamlit's
legacy handling of a ``pages/`` folder is switched off before the server starts, so a deep link
(``/allele?allele=…``) opened right after start-up goes through ``st.navigation`` like every other request.
"""

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.exit(cli.main())
