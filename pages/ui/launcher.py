"""Starts Streamlit with ``app.py``'s router in charge from the very first request.

``python -m pages.ui.launcher run app.py [streamlit options]`` is ``streamlit run`` except that Streamlit's
legacy handling of a ``pages/`` folder is switched off before the server starts, so a deep link
(``/allele?allele=…``) opened right after start-up goes through ``st.navigation`` like every other request.
It also tells the web server (uvicorn) which proxies' ``X-Forwarded-For`` to believe: only those of
``$WORKBENCH_TRUSTED_PROXIES`` — uvicorn's own default believes any loopback client, which would let a local
browser choose the address the usage counts see.
"""

import os
import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from services import config


def trust_only_configured_proxies() -> None:
    """Set uvicorn's ``FORWARDED_ALLOW_IPS`` to the configured proxies (empty: no forwarded header counts)."""
    os.environ["FORWARDED_ALLOW_IPS"] = config.trusted_proxies()


if __name__ == "__main__":
    trust_only_configured_proxies()
    PagesManager.uses_pages_directory = False
    sys.exit(cli.main())
