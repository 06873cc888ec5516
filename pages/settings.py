"""Settings: the retired-link display decision (curators), explained, with what it affects now and its history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from services.annotations.read_path import DISPLAY_SETTING, retired_display_impact
from services.auth.identity import Role
from services.db.engine import session_scope
from services.settings.service import get_setting, set_setting, setting_history

identity = current_identity()
st.title("Settings")
st.subheader("How retired annotation links show")

OPTIONS = {
    "none": "**Show nothing** — a retired link gives no current value; the allele shows "
    "“retired in <source> <version> on <date>”. Filters never match it.",
    "last-known": "**Show the last known value** — marked retired, with its source version "
    "(“last known: Ensembl 110”). Filters match it only when “include retired” is ticked.",
}

with session_scope() as session:
    current = get_setting(session, DISPLAY_SETTING)
    impact = retired_display_impact(session)
    history = setting_history(session, DISPLAY_SETTING)

for name, text in OPTIONS.items():
    st.markdown(text + (" — *current choice*" if name == current else ""))
total = sum(impact.values())
st.markdown(
    f"Right now **{total:,}** allele–source pairs have a retired link and would be affected by this choice"
    + (": " + ", ".join(f"{source} {n:,}" for source, n in impact.items()) if impact else ".")
)

if identity.can(Role.CURATOR):
    choice = st.radio(
        "Display", list(OPTIONS), index=list(OPTIONS).index(current), horizontal=True, key="display_choice"
    )

    def _save() -> None:
        with shown_errors(), session_scope() as s:
            set_setting(s, identity, DISPLAY_SETTING, st.session_state["display_choice"])

    st.button("Save", key="display_save", type="primary", on_click=_save, disabled=choice == current)
else:
    st.caption("Only curators and leads change this.")

st.markdown("**History** (who, when, old → new)")
st.dataframe(
    pd.DataFrame(
        [{"when": h.changed_at, "who": h.changed_by, "old": h.old_value, "new": h.new_value} for h in history],
        columns=["when", "who", "old", "new"],
    ),
    hide_index=True,
    width="stretch",
    key="display_history",
)
