from datetime import time
from pathlib import Path

import pytest

from bot.settings import (
    PasswordPolicy,
    SettingsError,
    SupportHours,
    load_settings,
)


def test_defaults_come_from_the_settings_file() -> None:
    settings = load_settings({})
    assert settings.vendor.name == "Example Security"
    assert "example.com" in settings.vendor.official_domains
    assert settings.reset.token_minutes == 30
    assert settings.email_backend == "outbox"
    assert settings.database_url.startswith("sqlite:///")


def test_environment_overrides_deployment_values() -> None:
    settings = load_settings(
        {
            "SIGNIN_DATABASE_URL": "postgresql://u@h/db",
            "SIGNIN_EMAIL_BACKEND": "SMTP",
            "SIGNIN_SMTP_HOST": "mail.local",
            "SIGNIN_SMTP_PORT": "2525",
        }
    )
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.email_backend == "smtp"
    assert (settings.smtp.host, settings.smtp.port) == ("mail.local", 2525)


def test_another_vendor_file(tmp_path: Path) -> None:
    other = tmp_path / "vendor.yml"
    other.write_text(
        "vendor:\n  name: Other Co\n  official_domains: [Other.Example]\n"
        "  sign_in_url: https://other.example/login\n  reset_url: https://other.example/r\n"
        "  support_url: https://other.example/help\n  email_sender: hi@other.example\n"
        "  phishing_report_address: abuse@other.example\n"
        "  support_hours: {timezone: UTC, days: [sat, sun], open: '10:00', close: '14:00'}\n"
    )
    settings = load_settings({"SIGNIN_SETTINGS_FILE": str(other)})
    assert settings.vendor.name == "Other Co"
    assert settings.vendor.official_domains == ("other.example",)
    assert settings.vendor.support_hours.describe() == "Sat, Sun 10:00–14:00 (UTC)"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SIGNIN_EMAIL_BACKEND": "pigeon"}, "SIGNIN_EMAIL_BACKEND"),
        ({"SIGNIN_SETTINGS_FILE": "/nonexistent/settings.yml"}, "cannot read"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_missing_vendor_field_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "s.yml"
    broken.write_text("vendor:\n  name: X\n")
    with pytest.raises(SettingsError, match=r"vendor\.official_domains is missing"):
        load_settings({"SIGNIN_SETTINGS_FILE": str(broken)})


def test_support_hours_wording() -> None:
    hours = SupportHours("Europe/London", (0, 1, 2, 3, 4), time(8), time(18))
    assert hours.describe() == "Mon–Fri 08:00–18:00 (Europe/London)"


def test_password_policy_wording() -> None:
    policy = PasswordPolicy(min_length=12, require_symbol=True)
    assert policy.describe() == (
        "at least 12 characters, with an upper-case letter, a lower-case letter, "
        "a digit and a symbol"
    )
