"""Agent administration: display names, listing, disabling and new passwords (real SQLite)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from bot.adapters.sql.agent_store import SqlAgentStore, UnknownAgentError
from bot.bootstrap import Container
from tests.fakes import FakeClock

FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
PASSWORD = "correct horse battery"


@pytest.fixture
def agents(container: Container, clock: FakeClock) -> SqlAgentStore:
    store = SqlAgentStore(container.engine, clock, hasher=FAST)
    store.add("ana.lopez@example.com", PASSWORD)
    store.add("bo@example.com", PASSWORD, display_name="  Bo   from Support  ")
    return store


def test_display_names_default_to_the_first_name(agents: SqlAgentStore) -> None:
    assert agents.display_name("ANA.LOPEZ@example.com") == "Ana"
    assert agents.display_name("bo@example.com") == "Bo from Support"


def test_list_shows_state_and_live_sessions(agents: SqlAgentStore) -> None:
    agents.start_session("bo@example.com")
    listed = {a.email: a for a in agents.list_agents()}
    assert set(listed) == {"ana.lopez@example.com", "bo@example.com"}
    assert listed["bo@example.com"].sessions == 1 and not listed["bo@example.com"].disabled


def test_disabling_ends_sessions_and_refuses_sign_in(agents: SqlAgentStore) -> None:
    token, _ = agents.start_session("bo@example.com")
    assert agents.session(token) is not None
    assert agents.disable("bo@example.com") == 1
    assert agents.session(token) is None
    assert not agents.verify("bo@example.com", PASSWORD)
    assert not agents.exists("bo@example.com")
    with pytest.raises(LookupError):
        agents.start_session("bo@example.com")
    with pytest.raises(UnknownAgentError):
        agents.disable("nobody@example.com")


def test_a_new_password_ends_sessions_and_replaces_the_old_one(agents: SqlAgentStore) -> None:
    token, _ = agents.start_session("ana.lopez@example.com")
    with pytest.raises(ValueError):
        agents.set_password("ana.lopez@example.com", "short")
    assert agents.set_password("ana.lopez@example.com", "a brand new passphrase") == 1
    assert agents.session(token) is None
    assert not agents.verify("ana.lopez@example.com", PASSWORD)
    assert agents.verify("ana.lopez@example.com", "a brand new passphrase")
