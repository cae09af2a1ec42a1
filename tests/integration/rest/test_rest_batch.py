"""A scripted batch of 200 conversations over REST, then insights checked against SQL."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest
from sqlalchemy import create_engine

from bot.cli import main
from bot.insights.metrics import compute_insights
from bot.insights.reader import TrackerEventReader
from tests.integration.conftest import RunningAssistant

SCRIPTS = [
    ["hi", "i forgot my password", "batch.user@example.com", "no thanks"],
    ["what's the weather tomorrow"],
    ["can i talk to a real person"],
    ["my password is Zebra!Crossing9 and it does not work", "talk to a human please"],
    ["is your service down"],
    ["my code is 604711 but it says wrong"],
    ["how do i make a strong password", "no"],
    ["someone hacked my account", "no", "no"],
    ["thanks", "bye"],
    ["book me a table for two"],
]
SECRETS = ["Zebra!Crossing9", "604711"]


@pytest.fixture(scope="module")
def batch(assistant: RunningAssistant) -> list[str]:
    rng = random.Random(7)
    senders = []
    for number in range(200):
        sender = f"batch-{number:03d}"
        for message in rng.choice(SCRIPTS):
            assistant.say(sender, message)
        senders.append(sender)
    return senders


def test_metrics_match_counts_taken_from_the_database(
    assistant: RunningAssistant, batch: list[str]
) -> None:
    engine = create_engine(f"sqlite:///{assistant.tracker_db}", future=True)
    insights = compute_insights(TrackerEventReader(engine).conversations(None))
    engine.dispose()
    with sqlite3.connect(assistant.tracker_db) as db:
        engaged = db.execute(
            "select count(distinct sender_id) from events where type_name = 'user'"
        ).fetchone()[0]
        user_messages = db.execute(
            "select count(*) from events where type_name = 'user'"
        ).fetchone()[0]
        handed_off = db.execute(
            "select count(distinct sender_id) from events "
            "where type_name = 'action' and action_name = 'action_handoff_to_agent'"
        ).fetchone()[0]
    assert len(batch) == 200
    assert insights.engaged_conversations == engaged >= 200
    assert insights.user_messages == user_messages
    assert insights.handoffs == handed_off > 0
    assert insights.contained == engaged - handed_off


def test_no_secret_from_the_batch_is_stored_exported_or_reported(
    assistant: RunningAssistant, batch: list[str], tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{assistant.tracker_db}")
    assert main(["insights", "report", "--since", "2000-01-01", "--out", str(tmp_path)]) == 0
    assert main(["insights", "export", "--since", "2000-01-01", "--format", "csv",
                 "--out", str(tmp_path / "export.csv")]) == 0  # fmt: skip
    assert main(["insights", "review", "--below", "0.99", "--out",
                 str(tmp_path / "review.yml")]) == 0  # fmt: skip
    with sqlite3.connect(assistant.tracker_db) as db:
        stored = "\n".join(row[0] for row in db.execute("select data from events"))
    outputs = [stored] + [p.read_text() for p in tmp_path.iterdir() if p.suffix != ".png"]
    cases = json.dumps([c.summary + str(c.transcript) for c in assistant.container.cases.list()])
    for secret in SECRETS:
        for text in [*outputs, cases]:
            assert secret not in text
