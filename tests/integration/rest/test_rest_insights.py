"""Insights over the tracker store the running assistant wrote during the REST tests."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from bot.cli import main
from tests.integration.conftest import RunningAssistant


def test_report_review_and_export_match_the_database(
    assistant: RunningAssistant, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{assistant.tracker_db}")
    assert main(["insights", "report", "--since", "2000-01-01", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    with sqlite3.connect(assistant.tracker_db) as db:
        senders = {row[0] for row in db.execute(
            "select distinct sender_id from events where type_name = 'user'")}  # fmt: skip
    assert f"| engaged conversations | {len(senders)} |" in report
    assert list(tmp_path.glob("*.png")), "the report has charts"
    review = tmp_path / "review.yml"
    below = 0.95  # DIET is confident; a high bar makes sure there is something to review
    assert main(["insights", "review", "--below", str(below), "--out", str(review)]) == 0
    with sqlite3.connect(assistant.tracker_db) as db:
        parsed = [json.loads(row[0]) for row in db.execute(
            "select data from events where type_name = 'user'")]  # fmt: skip
    unsure = {
        event["text"] for event in parsed
        if (event["parse_data"]["intent"]["name"] == "nlu_fallback"
            or event["parse_data"]["intent"].get("confidence", 1.0) < below)
        # "EXTERNAL: ..." are intents the web app triggered (no customer words)
        and not event["text"].startswith(("/", "[redacted", "EXTERNAL:"))
        and "@" not in event["text"]
    }  # fmt: skip
    # the review keeps entities as annotations: compare the words without them
    listed = re.sub(r"\[([^\]]+)\]\([a-z_]+\)", r"\1", review.read_text())
    assert unsure, "the REST conversations include messages under the bar"
    assert all(json.dumps(text) in listed or text in listed for text in unsure)
    out = tmp_path / "export.jsonl"
    capsys.readouterr()
    assert main(["insights", "export", "--since", "2000-01-01", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {row["sender_id"] for row in rows} >= senders
    assert "Winter2026!!" not in out.read_text()
