"""The redacting SQL tracker store: what it stores, and the trackers it keeps between turns.

Two store objects on one database file stand for two Rasa processes; the tests take turns
the way Rasa does (load, add the turn's events, save, all under the conversation's lock).
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_plugins.tracker_store import RedactingSQLTrackerStore
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _store(domain: Domain, path: Path, **kwargs: object) -> RedactingSQLTrackerStore:
    return RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path), **kwargs)


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


async def _turn(store: RedactingSQLTrackerStore, sender: str, events: list[Event]) -> None:
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    if not tracker.events:
        for event in (ActionExecuted("action_session_start"), SessionStarted(),
                      ActionExecuted("action_listen")):  # fmt: skip
            tracker.update(event)
    for event in events:
        event.timestamp = time.time()  # made now, as Rasa makes them
        tracker.update(event)
    await store.save(tracker)


def _user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0})


def _turn_events(i: int) -> list[Event]:
    return [
        _user(f"i need message {i}"),
        ActionExecuted(f"utter_{i}"),
        BotUttered(f"reply {i}"),
        SlotSet("requested_slot", "email" if i % 2 else None),
        ActionExecuted("action_listen"),
    ]


def _as_dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    return [] if tracker is None else [e.as_dict() for e in tracker.applied_events()]


def _fresh(domain: Domain, path: Path, sender: str) -> DialogueStateTracker | None:
    return run(_store(domain, path, tracker_cache_size=0).retrieve(sender))


def test_the_next_turn_gets_the_saved_tracker_back(domain: Domain, tmp_path: Path) -> None:
    store = _store(domain, tmp_path / "t.db")
    run(_turn(store, "a", _turn_events(1)))
    kept = run(store.retrieve("a"))
    assert run(store.retrieve("a")) is kept
    assert store.cache_hits == 2
    assert _as_dicts(kept) == _as_dicts(_fresh(domain, tmp_path / "t.db", "a"))


def test_two_processes_taking_turns_of_one_conversation_lose_nothing(
    domain: Domain, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    processes = [_store(domain, path), _store(domain, path)]
    chooser = random.Random(7)
    senders = [f"conv-{n}" for n in range(6)]
    expected: dict[str, int] = dict.fromkeys(senders, 0)
    for i in range(60):
        sender = chooser.choice(senders)
        store = chooser.choice(processes)
        before = _fresh(domain, path, sender)
        seen = run(store.retrieve(sender))
        assert _as_dicts(seen) == _as_dicts(before)  # never an out-of-date tracker
        run(_turn(store, sender, _turn_events(i)))
        expected[sender] += 1
    hits = sum(p.cache_hits for p in processes)
    assert hits > 0 and sum(p.cache_misses for p in processes) > 0
    for sender, turns in expected.items():
        texts = [e.text for e in _fresh(domain, path, sender).events if isinstance(e, UserUttered)]
        assert len(texts) == turns
        numbers = [int(t.split()[-1]) for t in texts]
        assert numbers == sorted(numbers)  # stored once each, in order


def test_a_turn_with_a_secret_is_not_kept_and_is_stored_redacted(
    domain: Domain, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    store = _store(domain, path)
    run(_turn(store, "a", [_user("my password is hunter22"), ActionExecuted("action_listen")]))
    again = run(store.retrieve("a"))
    assert store.cache_hits == 0
    texts = [e.text for e in again.events if isinstance(e, UserUttered)]
    assert texts == ["my password is [redacted]"]
    assert b"hunter22" not in path.read_bytes()


def test_a_tracker_changed_after_its_save_is_not_handed_out(domain: Domain, tmp_path: Path) -> None:
    store = _store(domain, tmp_path / "t.db")
    run(_turn(store, "a", _turn_events(1)))
    kept = run(store.retrieve("a"))
    kept.update(_user("not saved"))  # a turn that failed before its save
    again = run(store.retrieve("a"))
    assert again is not kept
    assert "not saved" not in [e.text for e in again.events if isinstance(e, UserUttered)]


def test_a_new_session_on_top_of_older_events_is_loaded_from_sql(
    domain: Domain, tmp_path: Path
) -> None:
    store = _store(domain, tmp_path / "t.db")
    run(_turn(store, "a", _turn_events(1)))
    run(_turn(store, "a", [ActionExecuted("action_session_start"), SessionStarted(),
                           ActionExecuted("action_listen"), *_turn_events(2)]))  # fmt: skip
    again = run(store.retrieve("a"))
    assert store.cache_hits == 1  # the first turn's tracker only
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["i need message 2"]


def test_keeping_can_be_turned_off(domain: Domain, tmp_path: Path) -> None:
    store = _store(domain, tmp_path / "t.db", tracker_cache_size=0)
    run(_turn(store, "a", _turn_events(1)))
    run(_turn(store, "a", _turn_events(2)))
    assert store.cache_hits == 0
    assert len(_as_dicts(run(store.retrieve("a")))) == len(
        _as_dicts(_fresh(domain, tmp_path / "t.db", "a"))
    )


def test_at_most_the_configured_number_of_conversations_is_kept(
    domain: Domain, tmp_path: Path
) -> None:
    store = _store(domain, tmp_path / "t.db", tracker_cache_size=3)
    for n in range(5):
        run(_turn(store, f"c{n}", _turn_events(n)))
    assert len(store._stored) == 3
    run(store.retrieve("c0"))
    assert store.cache_hits == 0


def test_the_active_form_survives_a_kept_turn(domain: Domain, tmp_path: Path) -> None:
    store = _store(domain, tmp_path / "t.db")
    run(_turn(store, "a", [_user("i forgot my password", "forgot_password"),
                           ActiveLoop("reset_form"), SlotSet("requested_slot", "email"),
                           ActionExecuted("action_listen")]))  # fmt: skip
    kept = run(store.retrieve("a"))
    assert kept.active_loop_name == "reset_form"
    assert kept.get_slot("requested_slot") == "email"


def test_a_kept_tracker_catches_up_with_turns_another_process_stored(
    domain: Domain, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    first, second = _store(domain, path), _store(domain, path)
    run(_turn(first, "a", _turn_events(1)))
    run(_turn(second, "a", [_user("my password is hunter22"), ActionExecuted("action_listen")]))
    caught_up = run(first.retrieve("a"))
    assert first.cache_hits == 1 and first.cache_misses == 1  # the first turn's load only
    assert _as_dicts(caught_up) == _as_dicts(_fresh(domain, path, "a"))
    texts = [e.text for e in caught_up.events if isinstance(e, UserUttered)]
    assert texts == ["i need message 1", "my password is [redacted]"]


def test_a_load_selects_what_rasas_own_session_query_selects(
    domain: Domain, tmp_path: Path
) -> None:
    writer = _store(domain, tmp_path / "t.db")
    run(_turn(writer, "a", _turn_events(1)))
    run(_turn(writer, "a", [ActionExecuted("action_session_start"), SessionStarted(),
                            ActionExecuted("action_listen"), *_turn_events(2)]))  # fmt: skip
    run(_turn(writer, "b", _turn_events(3)))
    reader = _store(domain, tmp_path / "t.db")  # another process: nothing kept
    for sender in ("a", "b", "nobody"):
        with reader.session_scope() as session:
            expected = [row.id for row in reader._event_query(session, sender, False).all()]
        with reader.engine.connect() as connection:
            ours = [row.id for row in connection.execute(reader._session_rows,
                                                         {"sender": sender})]  # fmt: skip
            count = connection.execute(reader._session_count, {"sender": sender}).scalar()
        assert ours == expected and count == len(expected)
    loaded = run(reader.retrieve("a"))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["i need message 2"]
