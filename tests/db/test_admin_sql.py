"""The embedded server's admin statements (services/db/admin.sql): names and setting values enter them quoted."""

from __future__ import annotations

import pytest

from services.db import embedded
from services.db.identifiers import quote_identifier, quote_setting_value
from services.errors import InvalidInput


def test_every_server_setting_becomes_one_quoted_alter_system() -> None:
    block = embedded._ADMIN.sql("alter_system_set")
    statements = [
        block.format(name=quote_identifier(name), value=quote_setting_value(value))
        for name, value in embedded.SERVER_SETTINGS.items()
    ]
    assert statements[0].endswith("""\nALTER SYSTEM SET "shared_buffers" = '512MB'""")
    assert len(statements) == len(embedded.SERVER_SETTINGS)


@pytest.mark.parametrize("value", ["x'; DROP ROLE postgres; --", "a b", "back\\slash", "", "x" * 65])
def test_a_setting_value_that_is_not_a_plain_word_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="not a plain setting value"):
        quote_setting_value(value)


def test_the_bootstrap_blocks_take_only_quoted_names() -> None:
    role = quote_identifier(embedded.APP_ROLE)
    assert (
        embedded._ADMIN.sql("create_login_role")
        .format(role=role)
        .endswith('\nCREATE ROLE "workbench" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION')
    )
    hand_over = embedded._ADMIN.sql("hand_over_objects").format(role=role)
    assert "{" not in hand_over and hand_over.count('OWNER TO "workbench"') == 3
