"""Shared fixtures: settings on a temporary database, a fake clock, the wired container."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot import bootstrap
from bot.bootstrap import Container, build_container
from bot.settings import Settings, get_settings, load_settings
from tests.fakes import FakeClock


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Real settings on a temporary database, without the reset-reply padding (speed)."""
    loaded = load_settings({"SIGNIN_DATABASE_URL": db_url})
    return dataclasses.replace(loaded, reset=dataclasses.replace(loaded.reset, min_reply_ms=0))


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
