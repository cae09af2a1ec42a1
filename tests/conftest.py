"""Shared fixtures: settings on a temporary database, a fake clock, the wired container."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import bootstrap
from bot.bootstrap import Container, build_container
from bot.settings import Settings, get_settings, load_settings
from tests.fakes import FakeClock
from tests.support.assistant import RunningAssistant, start_assistant, stop_assistant
from tests.support.settings_files import settings_file


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Real settings on a temporary database, without the reset-reply padding (speed)."""
    loaded = load_settings({"SIGNIN_DATABASE_URL": db_url})
    return dataclasses.replace(
        loaded, reset=dataclasses.replace(loaded.reset, min_reply_ms=0, link_reply_ms=0)
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Container:
    """The real adapters on a throw-away SQLite file, installed for the actions too."""
    built = build_container(settings, clock=clock)
    bootstrap.set_container(built)
    yield built
    bootstrap.set_container(None)
    built.engine.dispose()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    """Point the command line at a temporary database."""
    monkeypatch.setenv("SIGNIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    work = tmp_path_factory.mktemp("assistant")
    app_db = f"sqlite:///{work / 'app.db'}"
    tracker_db = work / "tracker.db"
    # The team is always at work for this server: web-chat handoffs wait for a person
    # whenever the tests run (REST handoffs always offer the email follow-up).
    hours = {"SIGNIN_SETTINGS_FILE": str(settings_file(work, always_open=True))}
    process, rasa_url, web_url, action_port, log = start_assistant(
        work, app_db, f"sqlite:///{tracker_db}", extra_env=hours
    )
    container = build_container(load_settings({"SIGNIN_DATABASE_URL": app_db}))
    yield RunningAssistant(process, rasa_url, web_url, action_port, container, tracker_db, log)
    stop_assistant(process)
    container.engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that stop the shared assistant run last, whatever folder they are in."""
    items.sort(key=lambda item: item.get_closest_marker("stops_shared_assistant") is not None)
