"""Insights on a real Rasa SQL tracker store, written by Rasa's own `SQLTrackerStore`.

The reader and the metrics must agree with counts taken from the `events` table with SQL, on
SQLite and on PostgreSQL (127.0.0.1:5432, user postgres; skipped when it is not running).
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.insights.metrics import compute_insights
from bot.insights.reader import (
    TrackerEventReader,
    TrackerStoreError,
    TrackerStoreMissingError,
    tracker_engine,
)
from bot.insights.report import domain_intents, run_export, run_report, run_review
from bot.settings import PROJECT_ROOT

START = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 6, 12, 0, tzinfo=timezone.utc)
CONVERSATIONS = 30  # 6 of each of the 5 kinds below
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _ranking(*pairs: tuple[str, float]) -> dict:
    return {
        "intent": {"name": pairs[0][0], "confidence": pairs[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in pairs],
        "entities": [],
    }


@functools.cache
def domain_slots() -> tuple:
    """The domain's slots (loaded once: the trackers take copies)."""
    from rasa.shared.core.domain import Domain

    return tuple(Domain.load(str(PROJECT_ROOT / "domain.yml")).slots)


def build_trackers() -> list:
    """Five kinds of conversation, two hours apart over three days, built from Rasa events."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    slots = list(domain_slots())

    def user(at: float, words: str, *ranking: tuple[str, float]) -> UserUttered:
        parse = {**_ranking(*ranking), "text": words}
        return UserUttered(words, parse["intent"], [], parse_data=parse, timestamp=at)

    def bot(at: float, words: str, utter: str, buttons: bool = False) -> BotUttered:
        data = {"buttons": [{"title": "Yes", "payload": "/affirm"}]} if buttons else {}
        return BotUttered(words, data, {"utter_action": utter}, timestamp=at)

    trackers = []
    for n in range(CONVERSATIONS):
        t = (START + timedelta(hours=2 * n)).timestamp()
        events = [
            ActionExecuted("action_session_start", timestamp=t),
            SessionStarted(timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
        kind = n % 5
        if kind == 0:  # contained: a reset link
            events += [
                user(t + 1, "i forgot my password", ("forgot_password", 0.96)),
                ActionExecuted("password_reset_form", timestamp=t + 2),
                SlotSet("requested_slot", "email", timestamp=t + 2),
                bot(t + 3, "What's the email address you sign in with?", "utter_ask_email"),
                user(t + 4, f"user{n}@corp.example", ("inform", 0.91)),
                ActionExecuted("action_request_password_reset", timestamp=t + 5),
                bot(t + 6, "Done: a link is on its way if the account exists.", "utter_sent"),
            ]
        elif kind == 1:  # two misunderstandings, then a person
            events += [
                user(t + 1, f"blorp {n}", ("nlu_fallback", 0.4), ("out_of_scope", 0.3)),
                ActionExecuted("action_fallback_suggest", timestamp=t + 2),
                bot(t + 3, "Is it one of these?", "utter_fallback_suggest", buttons=True),
                user(t + 4, "zzz my thing", ("nlu_fallback", 0.4), ("change_email", 0.35)),
                ActionExecuted("action_fallback_suggest", timestamp=t + 5),
                bot(t + 6, "A person?", "utter_fallback_offer_human", buttons=True),
                user(t + 7, "/request_human", ("request_human", 1.0)),
                ActionExecuted("action_handoff_to_agent", timestamp=t + 8),
                bot(t + 9, "I've passed your conversation on.", "utter_handoff_done"),
            ]
        elif kind == 2:  # a browser step that did not help, then a person
            events += [
                user(t + 1, "chrome shows error 403", ("browser_issue", 0.52), ("cant_login", 0.3)),
                ActionExecuted("action_browser_step", timestamp=t + 2),
                bot(t + 3, "Did that fix it?", "utter_browser_step_helped", buttons=True),
                user(t + 4, "/deny", ("deny", 1.0)),
                user(t + 5, "i want a human", ("request_human", 0.93)),
                ActionExecuted("action_handoff_to_agent", timestamp=t + 6),
                bot(t + 7, "I've added this to your open case.", "utter_handoff_updated"),
            ]  # fmt: skip
        elif kind == 3:  # left on an open question
            events += [
                user(t + 1, "my account is locked", ("account_locked", 0.88)),
                bot(t + 2, "I can unlock it. Shall we do that?", "utter_offer_unlock"),
            ]
        # kind 4: the widget opened, nobody wrote
        trackers.append(DialogueStateTracker.from_events(f"conv-{n:03d}", events, slots=slots))
    return trackers


def save_trackers(store_kwargs: dict) -> None:
    """Write every tracker with Rasa's SQLTrackerStore, as the running assistant does."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(**store_kwargs)
    try:

        async def save_all() -> None:
            for tracker in build_trackers():
                await store.save(tracker)

        asyncio.run(save_all())
    finally:
        store.engine.dispose()


@dataclass
class TrackerStore:
    """A filled tracker store and an engine that reads it."""

    url: str
    engine: Engine


def _sqlite_store(tmp_path: Path) -> Iterator[TrackerStore]:
    path = tmp_path / "tracker.db"
    save_trackers({"dialect": "sqlite", "db": str(path)})
    engine = tracker_engine(f"sqlite:///{path}")
    yield TrackerStore(f"sqlite:///{path}", engine)
    engine.dispose()


def _postgres_store() -> Iterator[TrackerStore]:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG)
    except psycopg2.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0]
        pytest.skip(f"PostgreSQL is not reachable on {PG['host']}:{PG['port']} ({first_line})")
    admin.autocommit = True
    name = f"insights_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    engine = None
    try:
        save_trackers(
            {"dialect": "postgresql", "host": PG["host"], "port": PG["port"],
             "username": PG["user"], "db": name}
        )  # fmt: skip
        url = f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        engine = tracker_engine(url)
        yield TrackerStore(url, engine)
    finally:
        if engine is not None:
            engine.dispose()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackerStore]:
    """The same conversations in a Rasa tracker store on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_store(tmp_path)
    else:
        yield from _postgres_store()


def sql_count(engine: Engine, query: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(query), params).scalar_one())


def test_reader_streams_every_event_grouped_and_in_order(store: TrackerStore) -> None:
    reader = TrackerEventReader(store.engine, batch_size=7)  # batches split conversations
    conversations = list(reader.conversations())
    total = sql_count(store.engine, "SELECT count(*) FROM events")
    assert reader.count_events() == total == sum(len(c.events) for c in conversations)
    senders = [c.sender_id for c in conversations]
    assert len(senders) == len(set(senders)) == CONVERSATIONS
    assert len(senders) == sql_count(store.engine, "SELECT count(DISTINCT sender_id) FROM events")
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": "conv-002"}
        ).all()
    by_id = {c.sender_id: c for c in conversations}
    assert by_id["conv-002"].events == [json.loads(r.data) for r in rows]
    assert by_id["conv-002"].started_at == START + timedelta(hours=4)
    assert by_id["conv-002"].ended_at == START + timedelta(hours=4, seconds=7)
    # Batches of 7 and of 1000 give the same conversations.
    assert conversations == list(TrackerEventReader(store.engine).conversations())


def test_metrics_equal_sql_counts(store: TrackerStore) -> None:
    insights = compute_insights(TrackerEventReader(store.engine).conversations(), now=NOW)
    engine = store.engine
    assert insights.conversations == sql_count(
        engine, "SELECT count(DISTINCT sender_id) FROM events"
    )
    assert insights.engaged_conversations == sql_count(
        engine, "SELECT count(DISTINCT sender_id) FROM events WHERE type_name = 'user'"
    )
    assert insights.user_messages == sql_count(
        engine, "SELECT count(*) FROM events WHERE type_name = 'user'"
    )
    assert insights.fallback_messages == sql_count(
        engine,
        "SELECT count(*) FROM events WHERE type_name = 'user' AND intent_name = 'nlu_fallback'",
    )
    handoffs = sql_count(
        engine,
        "SELECT count(DISTINCT sender_id) FROM events WHERE type_name = 'action' "
        "AND action_name = 'action_handoff_to_agent'",
    )
    assert insights.handoffs == handoffs
    assert insights.contained == insights.engaged_conversations - handoffs
    assert insights.fallback_conversations == sql_count(
        engine,
        "SELECT count(DISTINCT sender_id) FROM events WHERE type_name = 'action' "
        "AND action_name = 'action_fallback_suggest'",
    )
    with engine.connect() as conn:
        intents = conn.execute(
            text(
                "SELECT intent_name, count(*) FROM events WHERE type_name = 'user' "
                "GROUP BY intent_name"
            )
        ).all()
    assert dict(insights.intent_counts) == {name: n for name, n in intents}
    # And the numbers themselves, known from how the conversations were built.
    assert (insights.conversations, insights.engaged_conversations) == (30, 24)
    assert (insights.handoffs, insights.fallback_conversations, insights.abandoned) == (12, 6, 6)
    assert insights.handoff_reasons == {"fallback": 6, "customer_request": 6}
    assert insights.user_messages == 6 * (2 + 3 + 3 + 1)
    assert insights.csat_average is None


def test_since_reads_only_later_events(store: TrackerStore) -> None:
    since = datetime(2026, 3, 3)  # naive: UTC
    reader = TrackerEventReader(store.engine, batch_size=5)
    expected = sql_count(
        store.engine,
        "SELECT count(*) FROM events WHERE timestamp >= :t",
        t=since.replace(tzinfo=timezone.utc).timestamp(),
    )
    conversations = list(reader.conversations(since))
    assert reader.count_events(since) == expected == sum(len(c.events) for c in conversations)
    assert 0 < expected < reader.count_events()
    assert min(c.started_at for c in conversations) >= since.replace(tzinfo=timezone.utc)


def test_review_file_loads_as_rasa_nlu_data_with_domain_intents(
    store: TrackerStore, tmp_path: Path
) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "review.yml"
    written = run_review(store.engine, below=0.6, since=None, out=path, progress=False)
    data = load_data(str(path))
    # blorp 1/6/11/16/21/26, "zzz my thing" (once, de-duplicated), "chrome shows error 403".
    assert written == len(data.training_examples) == 8
    assert data.intents <= domain_intents()
    assert {"out_of_scope", "change_email", "browser_issue"} == data.intents


def test_report_and_export_from_the_store(store: TrackerStore, tmp_path: Path) -> None:
    report = run_report(store.engine, None, tmp_path / "report", now=NOW, progress=False)
    assert "| engaged conversations | 24 |" in report.read_text()
    assert (tmp_path / "report" / "daily.png").exists()
    out = io.StringIO()
    rows = run_export(store.engine, None, "jsonl", out, progress=False)
    assert rows == sql_count(store.engine, "SELECT count(*) FROM events")
    assert len(out.getvalue().splitlines()) == rows


def test_a_database_without_a_tracker_store(tmp_path: Path) -> None:
    with pytest.raises(TrackerStoreMissingError, match="no tracker store file"):
        tracker_engine(f"sqlite:///{tmp_path / 'missing.db'}")
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()  # an empty SQLite file
    engine = tracker_engine(f"sqlite:///{empty}")
    with pytest.raises(TrackerStoreMissingError, match="no 'events' table"):
        TrackerEventReader(engine).count_events()
    engine.dispose()
    nobody_there = tracker_engine("postgresql://postgres@127.0.0.1:1/tracker")
    with pytest.raises(TrackerStoreError, match="cannot read the tracker store"):
        TrackerEventReader(nobody_there).count_events()
