"""Production refuses unsafe defaults."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import DEVELOPMENT_SECRET_KEY, SettingsError, check_safe_deployment, load_settings
from bot.web.app import secure_cookies

SQLITE = "sqlite:////tmp/x.db"
PG = "postgresql://postgres@127.0.0.1/signin"


@pytest.mark.parametrize(
    ("database", "tracker", "host"),
    [(PG, SQLITE, "127.0.0.1"), (SQLITE, PG, "127.0.0.1"), (SQLITE, SQLITE, "0.0.0.0")],
)
def test_the_development_key_is_refused_outside_the_embedded_setup(
    database: str, tracker: str, host: str
) -> None:
    settings = load_settings({"SIGNIN_DATABASE_URL": database})
    assert settings.secret_key == DEVELOPMENT_SECRET_KEY
    with pytest.raises(SettingsError, match="SIGNIN_SECRET_KEY"):
        check_safe_deployment(settings, tracker, (host,))


def test_the_embedded_setup_and_a_real_key_are_accepted() -> None:
    check_safe_deployment(load_settings({"SIGNIN_DATABASE_URL": SQLITE}), SQLITE)
    real = load_settings({"SIGNIN_DATABASE_URL": PG, "SIGNIN_SECRET_KEY": "k" * 40})
    check_safe_deployment(real, PG, ("0.0.0.0",))
    with pytest.raises(SettingsError, match="SIGNIN_SECRET_KEY"):
        check_safe_deployment(load_settings({"SIGNIN_SECRET_KEY": "short"}), SQLITE)


def test_the_launcher_stops_with_a_clear_error(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNIN_")}
    env["SIGNIN_DATABASE_URL"] = PG
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--model", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "SIGNIN_SECRET_KEY" in done.stderr


def test_inbox_cookies_are_secure_unless_on_loopback() -> None:
    assert secure_cookies("0.0.0.0", {"SIGNIN_INBOX_SECURE_COOKIES": "false"})
    assert secure_cookies("10.1.2.3", {})
    assert not secure_cookies("127.0.0.1", {})
    assert secure_cookies("127.0.0.1", {"SIGNIN_INBOX_SECURE_COOKIES": "true"})
