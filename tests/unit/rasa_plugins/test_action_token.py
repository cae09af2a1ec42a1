"""The shared secret between Rasa and the action server, with and without configuration."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins import action_auth
from bot.rasa_plugins.action_auth import (
    MissingTokenError,
    ensure_authorised_endpoint,
    local_token,
    token_from,
)


def test_local_token_is_made_once_owner_only_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "action-server.token"
    first = local_token(path)
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_token(path) == first
    path.write_text("short")
    assert local_token(path) != "short"


def test_the_variable_wins_and_loopback_falls_back_to_the_local_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(action_auth, "TOKEN_FILE", tmp_path / "t")
    monkeypatch.setattr(action_auth.local_token, "__defaults__", (tmp_path / "t",))
    assert token_from({"ACTION_SERVER_TOKEN": "x" * 40}) == "x" * 40
    assert token_from({"SANIC_HOST": "127.0.0.1"}) == local_token(tmp_path / "t")
    with pytest.raises(MissingTokenError):
        token_from({"SANIC_HOST": "0.0.0.0"})
    with pytest.raises(MissingTokenError):
        token_from({})  # rasa_sdk's default host is 0.0.0.0
    with pytest.raises(MissingTokenError):
        token_from({"ACTION_SERVER_TOKEN": "short", "SANIC_HOST": "127.0.0.1"})


def test_rasa_side_adds_the_header_only_when_the_endpoints_file_sets_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = EndpointConfig("http://127.0.0.1:5055/webhook")
    ensure_authorised_endpoint(plain, {"ACTION_SERVER_TOKEN": "y" * 40})
    assert plain.headers == {"Authorization": "Bearer " + "y" * 40}
    configured = EndpointConfig("http://x/webhook", headers={"authorization": "Bearer z"})
    ensure_authorised_endpoint(configured, {"ACTION_SERVER_TOKEN": "y" * 40})
    assert configured.headers == {"authorization": "Bearer z"}
    monkeypatch.setattr(action_auth.local_token, "__defaults__", (tmp_path / "t",))
    local = EndpointConfig("http://127.0.0.1:5055/webhook")
    ensure_authorised_endpoint(local, {})
    assert local.headers["Authorization"] == "Bearer " + local_token(tmp_path / "t")
