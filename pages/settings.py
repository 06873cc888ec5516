"""Settings: the retired-link display decision (curators), explained, with what it affects now and its history;
then the other settings (leads), each widget built from the setting's one declaration in the registry."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.errors import shown_errors
from pages.ui.identity import current_identity
from services.annotations.read_path import DISPLAY_SETTING, retired_display_impact
from services.auth.identity import Role
from services.db.engine import session_scope
from services.settings.registry import SETTINGS, SettingSpec, spec
from services.settings.service import all_settings, get_setting, set_setting, setting_history

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
    st.markdown(("✅ " if name == current else "") + text)
total = sum(impact.values())
st.markdown(
    f"Right now **{total:,}** allele–source pairs have a retired link and would be affected by this choice"
    + (": " + ", ".join(f"{source} {n:,}" for source, n in impact.items()) if impact else ".")
)

if identity.can(Role.CURATOR):
    choices = list(spec(DISPLAY_SETTING).choices or ())
    choice = st.radio("Display", choices, index=choices.index(current), horizontal=True, key="display_choice")

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


st.subheader("Other settings")


def _widget(setting: SettingSpec, value, disabled: bool):
    """The input for ``setting``: its type and range come from the registry (the service checks them again)."""
    key = f"setting_{setting.name}"
    if setting.choices is not None:
        options = list(setting.choices)
        return st.selectbox(setting.name, options, index=options.index(value), key=key, disabled=disabled)
    if setting.kind is int:
        return st.number_input(
            setting.name,
            min_value=None if setting.minimum is None else int(setting.minimum),
            max_value=None if setting.maximum is None else int(setting.maximum),
            value=int(value),
            step=1,
            key=key,
            disabled=disabled,
            help=setting.help,
        )
    if setting.kind is float:
        return st.number_input(
            setting.name,
            min_value=setting.minimum,
            max_value=setting.maximum,
            value=float(value),
            step=0.0001,
            format="%g",
            key=key,
            disabled=disabled,
            help=setting.help,
        )
    return st.text_input(setting.name, value=str(value), key=key, disabled=disabled, help=setting.help)


with session_scope() as session:
    values = all_settings(session)
for setting in SETTINGS:
    if setting.name == DISPLAY_SETTING:
        continue
    allowed = identity.can(setting.min_role)
    new = _widget(setting, values[setting.name], disabled=not allowed)
    st.caption(f"{setting.help} Allowed: {setting.allowed()}. Changed by a {setting.min_role.label} or above.")
    if allowed and new != values[setting.name] and st.button("Save", key=f"save_{setting.name}"):
        with shown_errors(), session_scope() as s:
            set_setting(s, identity, setting.name, new)
            st.success(f"{setting.name} is now {new}")
