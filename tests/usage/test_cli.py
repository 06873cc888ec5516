"""``workbench usage``: the same counts as the Usage page, for leads only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.cli import main
from services.db.engine import session_scope
from services.usage.feedback import give_feedback
from services.usage.recorder import flush_views, record_view
from services.usage.visitors import client_identity


def test_usage_report_on_the_command_line(db_url, capsys, monkeypatch) -> None:
    for who, path in [("a", "/"), ("b", "/"), ("a", "/jobs")]:
        record_view(client_identity(who, None), path)
    assert flush_views()
    with session_scope() as s:
        give_feedback(s, client_identity("a", None), False, "Needs a dark theme", at=datetime.now(UTC))
    assert main(["usage", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "3 page views" in out and "2 visitors" in out and "Needs a dark theme" in out
    assert main(["usage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["page"] for p in data["per_page"]] == ["/", "/jobs"]
    assert data["feedback"]["thumbs_down"] == 1 and len(data["per_day"]) == 30

    monkeypatch.setenv("WORKBENCH_ROLE", "curator")
    assert main(["usage"]) == 1
    assert "only a lead or above may" in capsys.readouterr().err
