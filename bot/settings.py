"""Settings, read once.

Vendor facts (name, domains, support hours, password policy) come from one YAML file
(`settings.yml` at the repository root unless `SIGNIN_SETTINGS_FILE` names another);
deployment details (database, email backend) come from environment variables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.domain.password_rules import PasswordRules
from bot.domain.support_hours import DAY_NAMES, SupportHours

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_FILE = PROJECT_ROOT / "settings.yml"
# Keys the hashes used for throttling; set SIGNIN_SECRET_KEY in any real deployment.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key"


class SettingsError(ValueError):
    """The settings file or environment holds a value we cannot use."""


@dataclass(frozen=True)
class Vendor:
    """Who the assistant speaks for."""

    name: str
    official_domains: tuple[str, ...]
    sign_in_url: str
    reset_url: str
    support_url: str
    email_sender: str
    phishing_report_address: str
    support_hours: SupportHours


# The password policy is a domain rule (`bot.domain.password_rules.PasswordRules`): the
# settings file only fills it in. The reset page enforces it and the responses describe it.
PasswordPolicy = PasswordRules


@dataclass(frozen=True)
class ResetRules:
    """Lifetime and throttles of password reset links."""

    token_minutes: int = 30
    per_email_per_hour: int = 3
    per_conversation: int = 5
    # Answers whose timing could reveal an account come no sooner than this after the
    # customer's message reached the server: an ownership code or a code resend
    # `min_reply_ms`, and also `min_work_ms` after the account work started (a little of it
    # is on the request path); the reset answer `link_reply_ms` (padding on top: what only
    # an existing account causes runs after that answer, so nothing on its path differs).
    min_reply_ms: int = 300
    min_work_ms: int = 150
    link_reply_ms: int = 150


@dataclass(frozen=True)
class EmailChangeRules:
    """How a change of sign-in email is made safe."""

    # After the new address confirms, the change waits this long; the old address can
    # cancel it meanwhile (its notice has a cancel link).
    cooling_off_hours: int = 72


@dataclass(frozen=True)
class ChatRules:
    """Limits on what customers send."""

    # Longer messages get a polite "please shorten it" and are not processed.
    max_message_chars: int = 2000


@dataclass(frozen=True)
class Lockout:
    """How long a temporary lock after failed sign-ins lasts."""

    minutes: int = 30


@dataclass(frozen=True)
class BuiltinStatus:
    """The status reported when no status page is configured."""

    indicator: str = "none"
    description: str = "All systems operational"


@dataclass(frozen=True)
class SmtpSettings:
    """Where the SMTP email backend sends mail."""

    host: str = "localhost"
    port: int = 25
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class HandoffSettings:
    """How handing over to a person works."""

    expected_wait_minutes: int = 15
    require_consent: bool = False
    # Within support hours, a live-chat case nobody has claimed after this many minutes gets
    # the customer an honest "nobody is free" and the offer to continue by email.
    claim_timeout_minutes: int = 10
    # Tell the team about new and escalated cases: an address to email (optional). A webhook
    # URL (Slack-compatible JSON) comes from SIGNIN_NOTIFY_WEBHOOK_URL (it is a secret).
    notify_email: str = ""


@dataclass(frozen=True)
class SmsSettings:
    """Where text messages go: the built-in outbox, or Twilio."""

    backend: str = "outbox"  # outbox | twilio
    twilio_url: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from: str = ""


@dataclass(frozen=True)
class ExternalApis:
    """Which identity provider and status page to use, and how to reach them."""

    identity_backend: str = "builtin"  # builtin | okta
    okta_base_url: str = ""
    okta_api_token: str = field(default="", repr=False)
    status_page_url: str = ""  # an Atlassian Statuspage base URL; empty = built-in status
    helpdesk: str = "builtin"  # builtin | zendesk
    zendesk_url: str = ""
    zendesk_email: str = ""
    zendesk_api_token: str = field(default="", repr=False)
    connect_timeout: float = 1.0
    read_timeout: float = 2.0


@dataclass(frozen=True)
class Settings:
    """Everything the assistant reads from its environment, in one immutable object."""

    vendor: Vendor
    password_policy: PasswordPolicy
    reset: ResetRules
    lockout: Lockout
    handoff: HandoffSettings
    status: BuiltinStatus
    database_url: str
    email_backend: str
    smtp: SmtpSettings
    apis: ExternalApis
    secret_key: str = field(repr=False)
    settings_file: Path
    # The public URL of the web app (account pages, inbox): the links in emails use it.
    public_url: str = "http://127.0.0.1:5080"
    email_change: EmailChangeRules = EmailChangeRules()
    chat: ChatRules = ChatRules()
    sms: SmsSettings = SmsSettings()


def _parse_time(value: Any, key: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise SettingsError(f"{key}: expected HH:MM, got {value!r}") from exc


def _parse_days(values: Any) -> tuple[int, ...]:
    days = []
    for value in values or ():
        name = str(value).strip().lower()[:3]
        if name not in DAY_NAMES:
            raise SettingsError(f"vendor.support_hours.days: unknown day {value!r}")
        days.append(DAY_NAMES.index(name))
    return tuple(sorted(set(days)))


def _require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in mapping or mapping[key] in (None, ""):
        raise SettingsError(f"{where}.{key} is missing")
    return mapping[key]


def _vendor(raw: Mapping[str, Any]) -> Vendor:
    hours = raw.get("support_hours") or {}
    domains = tuple(str(d).strip().lower() for d in _require(raw, "official_domains", "vendor"))
    return Vendor(
        name=str(_require(raw, "name", "vendor")),
        official_domains=domains,
        sign_in_url=str(_require(raw, "sign_in_url", "vendor")),
        reset_url=str(_require(raw, "reset_url", "vendor")),
        support_url=str(_require(raw, "support_url", "vendor")),
        email_sender=str(_require(raw, "email_sender", "vendor")),
        phishing_report_address=str(_require(raw, "phishing_report_address", "vendor")),
        support_hours=SupportHours(
            timezone=str(hours.get("timezone", "UTC")),
            days=_parse_days(hours.get("days", DAY_NAMES[:5])),
            opens=_parse_time(hours.get("open", "08:00"), "vendor.support_hours.open"),
            closes=_parse_time(hours.get("close", "18:00"), "vendor.support_hours.close"),
        ),
    )


RASA_API_TOKEN_FILE = PROJECT_ROOT / "var" / "rasa-api.token"


def rasa_url(env: Mapping[str, str] | None = None) -> str:
    """Where the inbox and the command line reach Rasa's HTTP API (SIGNIN_RASA_URL)."""
    env = os.environ if env is None else env
    return (env.get("SIGNIN_RASA_URL") or "http://127.0.0.1:5005").rstrip("/")


def rasa_api_token(env: Mapping[str, str] | None = None) -> str:
    """The token Rasa's HTTP API requires (RASA_API_TOKEN; on a development machine a local
    secret under var/ that `make run` and the command line share)."""
    env = os.environ if env is None else env
    return env.get("RASA_API_TOKEN") or local_secret(RASA_API_TOKEN_FILE)


def notify_webhook_url(env: Mapping[str, str] | None = None) -> str:
    """Where new and escalated cases are posted (SIGNIN_NOTIFY_WEBHOOK_URL), or ""."""
    env = os.environ if env is None else env
    return env.get("SIGNIN_NOTIFY_WEBHOOK_URL", "").strip()


def tracker_store_url(env: Mapping[str, str] | None = None) -> str:
    """The conversation tracker store (TRACKER_STORE_URL, else SQLite under var/)."""
    env = os.environ if env is None else env
    return env.get("TRACKER_STORE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"


DEFAULT_RETENTION_DAYS = 90


def retention_days(env: Mapping[str, str] | None = None) -> int:
    """How many days conversation logs are kept (SIGNIN_RETENTION_DAYS, default 90):
    `python -m bot insights purge` deletes tracker events and exports older than that."""
    env = os.environ if env is None else env
    raw = env.get("SIGNIN_RETENTION_DAYS") or str(DEFAULT_RETENTION_DAYS)
    try:
        days = int(raw)
    except ValueError:
        raise SettingsError(f"SIGNIN_RETENTION_DAYS must be a whole number, not {raw!r}") from None
    if days < 1:
        raise SettingsError(f"SIGNIN_RETENTION_DAYS must be at least 1, not {days}")
    return days


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'app.db'}"


def _apis(env: Mapping[str, str]) -> ExternalApis:
    backend = env.get("SIGNIN_IDENTITY_BACKEND", "builtin").strip().lower()
    if backend not in ("builtin", "okta"):
        raise SettingsError(f"SIGNIN_IDENTITY_BACKEND must be 'builtin' or 'okta', not {backend!r}")
    helpdesk = env.get("SIGNIN_HELPDESK", "builtin").strip().lower()
    if helpdesk not in ("builtin", "zendesk"):
        raise SettingsError(f"SIGNIN_HELPDESK must be 'builtin' or 'zendesk', not {helpdesk!r}")
    apis = ExternalApis(
        identity_backend=backend,
        okta_base_url=env.get("SIGNIN_OKTA_URL", "").rstrip("/"),
        okta_api_token=env.get("SIGNIN_OKTA_API_TOKEN", ""),
        status_page_url=env.get("SIGNIN_STATUS_PAGE_URL", "").rstrip("/"),
        helpdesk=helpdesk,
        zendesk_url=env.get("SIGNIN_ZENDESK_URL", "").rstrip("/"),
        zendesk_email=env.get("SIGNIN_ZENDESK_EMAIL", ""),
        zendesk_api_token=env.get("SIGNIN_ZENDESK_API_TOKEN", ""),
        connect_timeout=float(env.get("SIGNIN_HTTP_CONNECT_TIMEOUT", "1")),
        read_timeout=float(env.get("SIGNIN_HTTP_READ_TIMEOUT", "2")),
    )
    if backend == "okta" and not (apis.okta_base_url and apis.okta_api_token):
        raise SettingsError("the okta backend needs SIGNIN_OKTA_URL and SIGNIN_OKTA_API_TOKEN")
    if helpdesk == "zendesk" and not (
        apis.zendesk_url and apis.zendesk_email and apis.zendesk_api_token
    ):
        raise SettingsError(
            "the zendesk helpdesk needs SIGNIN_ZENDESK_URL, SIGNIN_ZENDESK_EMAIL and "
            "SIGNIN_ZENDESK_API_TOKEN"
        )
    return apis


def _sms(env: Mapping[str, str]) -> SmsSettings:
    backend = env.get("SIGNIN_SMS_BACKEND", "outbox").strip().lower()
    if backend not in ("outbox", "twilio"):
        raise SettingsError(f"SIGNIN_SMS_BACKEND must be 'outbox' or 'twilio', not {backend!r}")
    sms = SmsSettings(
        backend=backend,
        twilio_url=env.get("SIGNIN_TWILIO_URL", "https://api.twilio.com").rstrip("/"),
        twilio_account_sid=env.get("SIGNIN_TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=env.get("SIGNIN_TWILIO_AUTH_TOKEN", ""),
        twilio_from=env.get("SIGNIN_TWILIO_FROM", ""),
    )
    if backend == "twilio" and not (
        sms.twilio_account_sid and sms.twilio_auth_token and sms.twilio_from
    ):
        raise SettingsError(
            "the twilio SMS backend needs SIGNIN_TWILIO_ACCOUNT_SID, SIGNIN_TWILIO_AUTH_TOKEN "
            "and SIGNIN_TWILIO_FROM"
        )
    return sms


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"SIGNIN_PUBLIC_URL must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or address) only accepts connections from this machine."""
    host = (host or "").strip().lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def _is_local_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def local_secret(path: Path) -> str:
    """A random secret kept in a file only the owner can read, made on first use (owner-only,
    exclusively, so two processes starting at once agree); for development runs without a
    deployment secret: the action-server token and the web-chat session key."""
    for _ in range(50):
        try:
            token = path.read_text(encoding="utf-8").strip()
            if len(token) >= 32:
                return token
            if token:  # a short, hand-made file: replace it
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            time.sleep(0.05)  # another process is writing it
            continue
        token = secrets.token_urlsafe(32)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(token)
        return token
    raise SettingsError(f"could not read or create {path}")


def check_safe_deployment(
    settings: Settings, tracker_url: str, hosts: tuple[str, ...] = ("127.0.0.1",)
) -> None:
    """Refuse to run with the development secret key outside the embedded set-up.

    The development key is public (it is in this repository): with it anyone can forge
    web-chat session ids and recompute the keyed hashes. It is accepted only when the app
    database and the tracker store are SQLite files and every server listens on loopback.

    Raises:
        SettingsError: naming SIGNIN_SECRET_KEY, when the set-up is not the embedded one.
    """
    if settings.secret_key != DEVELOPMENT_SECRET_KEY:
        if len(settings.secret_key) < 32:
            raise SettingsError("SIGNIN_SECRET_KEY must be at least 32 characters long")
        return
    embedded = (
        _is_local_sqlite(settings.database_url)
        and _is_local_sqlite(tracker_url)
        and all(is_loopback(host) for host in hosts)
    )
    if not embedded:
        raise SettingsError(
            "SIGNIN_SECRET_KEY is not set: the development key is only allowed with SQLite "
            "on loopback. Set SIGNIN_SECRET_KEY to a long random value (for example "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the settings file and environment (no caching)."""
    env = os.environ if env is None else env
    path = Path(env.get("SIGNIN_SETTINGS_FILE") or DEFAULT_SETTINGS_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
    backend = env.get("SIGNIN_EMAIL_BACKEND", "outbox").strip().lower()
    if backend not in ("outbox", "smtp"):
        raise SettingsError(f"SIGNIN_EMAIL_BACKEND must be 'outbox' or 'smtp', not {backend!r}")
    try:
        return Settings(
            vendor=_vendor(_require(raw, "vendor", "settings")),
            password_policy=PasswordPolicy(**(raw.get("password_policy") or {})),
            reset=ResetRules(**(raw.get("reset") or {})),
            lockout=Lockout(**(raw.get("lockout") or {})),
            handoff=HandoffSettings(**(raw.get("handoff") or {})),
            status=BuiltinStatus(**(raw.get("status") or {})),
            database_url=env.get("SIGNIN_DATABASE_URL") or _default_database_url(),
            email_backend=backend,
            smtp=SmtpSettings(
                host=env.get("SIGNIN_SMTP_HOST", "localhost"),
                port=int(env.get("SIGNIN_SMTP_PORT", "25")),
                username=env.get("SIGNIN_SMTP_USERNAME", ""),
                password=env.get("SIGNIN_SMTP_PASSWORD", ""),
                starttls=env.get("SIGNIN_SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
                timeout_seconds=float(env.get("SIGNIN_SMTP_TIMEOUT", "10")),
            ),
            apis=_apis(env),
            secret_key=env.get("SIGNIN_SECRET_KEY") or DEVELOPMENT_SECRET_KEY,
            settings_file=path,
            public_url=_public_url(env.get("SIGNIN_PUBLIC_URL") or "http://127.0.0.1:5080"),
            email_change=EmailChangeRules(**(raw.get("email_change") or {})),
            chat=ChatRules(**(raw.get("chat") or {})),
            sms=_sms(env),
        )
    except TypeError as exc:  # an unknown key in one of the sections
        raise SettingsError(f"{path}: {exc}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
