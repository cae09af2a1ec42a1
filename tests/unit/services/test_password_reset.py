"""The reset use case on the real SQLite adapters with a fake clock."""

from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from bot.adapters.sql.directory import SqlResetRequestLog
from bot.adapters.sql.tables import reset_tokens
from bot.bootstrap import Container
from bot.domain.ports import IdentityUnavailableError
from bot.services.password_reset import PasswordResetService, ResetStatus
from tests.fakes import FailingMailer, FakeClock


def _token_from(body: str) -> str:
    link = next(word for word in body.split() if "/account/reset?token=" in word)
    return parse_qs(urlparse(link).query)["token"][0]


def test_known_address_gets_one_email_with_a_working_single_use_link(
    container: Container, clock: FakeClock
) -> None:
    account = container.directory.add_account("jane@example.com")
    result = container.password_reset.request_reset("Jane@Example.com ", "conv-1")

    assert result.status is ResetStatus.ACCEPTED
    [email] = container.outbox.list_messages()
    assert email.to == "jane@example.com"
    assert email.sender == container.settings.vendor.email_sender
    assert f"{container.settings.public_url}/account/reset?token=" in email.body
    token = _token_from(email.body)
    assert container.directory.redeem_reset_token(token) == account.id
    assert container.directory.redeem_reset_token(token) is None  # used up


def test_only_a_hash_of_the_token_is_stored(container: Container) -> None:
    container.directory.add_account("jane@example.com")
    container.password_reset.request_reset("jane@example.com", "conv-1")
    token = _token_from(container.outbox.list_messages()[0].body)
    with container.engine.connect() as conn:
        stored = conn.execute(select(reset_tokens.c.token_hash)).scalars().all()
    assert len(stored) == 1
    assert token not in stored[0] and len(stored[0]) == 64


def test_unknown_address_gets_the_same_result_and_no_email(container: Container) -> None:
    container.directory.add_account("jane@example.com")
    known = container.password_reset.request_reset("jane@example.com", "conv-1")
    unknown = container.password_reset.request_reset("nobody@example.com", "conv-2")
    assert known.status == unknown.status == ResetStatus.ACCEPTED
    assert known.valid_minutes == unknown.valid_minutes
    assert [m.to for m in container.outbox.list_messages()] == ["jane@example.com"]


def test_link_expires_after_the_configured_minutes(container: Container, clock: FakeClock) -> None:
    container.directory.add_account("jane@example.com")
    container.password_reset.request_reset("jane@example.com", "conv-1")
    token = _token_from(container.outbox.list_messages()[0].body)
    clock.advance(minutes=container.settings.reset.token_minutes, seconds=1)
    assert container.directory.redeem_reset_token(token) is None


def test_a_new_link_switches_off_the_old_one(container: Container, clock: FakeClock) -> None:
    account = container.directory.add_account("jane@example.com")
    container.password_reset.request_reset("jane@example.com", "conv-1")
    clock.advance(minutes=2)
    container.password_reset.request_reset("jane@example.com", "conv-1")
    first, second = (_token_from(m.body) for m in container.outbox.list_messages())
    assert container.directory.redeem_reset_token(first) is None
    assert container.directory.redeem_reset_token(second) == account.id


def test_throttle_per_address_is_the_same_with_or_without_an_account(
    container: Container, clock: FakeClock
) -> None:
    container.directory.add_account("jane@example.com")
    limit = container.settings.reset.per_email_per_hour
    for address in ("jane@example.com", "ghost@example.com"):
        statuses = [
            container.password_reset.request_reset(address, f"{address}-{i}").status
            for i in range(limit + 1)
        ]
        assert statuses == [ResetStatus.ACCEPTED] * limit + [ResetStatus.THROTTLED]
    assert len(container.outbox.list_messages()) == limit
    clock.advance(hours=1, seconds=1)
    assert (
        container.password_reset.request_reset("jane@example.com", "later").status
        is ResetStatus.ACCEPTED
    )


def test_throttle_per_conversation(container: Container) -> None:
    limit = container.settings.reset.per_conversation
    statuses = [
        container.password_reset.request_reset(f"user{i}@example.com", "one-conversation").status
        for i in range(limit + 1)
    ]
    assert statuses[-1] is ResetStatus.THROTTLED
    assert statuses[:-1] == [ResetStatus.ACCEPTED] * limit


def test_invalid_address_is_rejected_without_counting(container: Container) -> None:
    result = container.password_reset.request_reset("not-an-email", "conv-1")
    assert result.status is ResetStatus.INVALID_EMAIL
    assert container.audit.list_entries() == []


def test_audit_records_events_without_addresses(container: Container) -> None:
    account = container.directory.add_account("jane@example.com")
    container.password_reset.request_reset("jane@example.com", "conv-1")
    container.password_reset.request_reset("ghost@example.com", "conv-2")
    entries = [
        (e.event, e.outcome, e.account_id, e.conversation_id)
        for e in container.audit.list_entries()
    ]
    assert entries == [
        ("reset_requested", "email_sent", account.id, "conv-1"),
        ("reset_requested", "no_account", None, "conv-2"),
    ]


def _service(container: Container, clock: FakeClock, **changes: object) -> PasswordResetService:
    """A reset service on the container's adapters, with `changes` swapped in."""
    parts: dict[str, object] = {
        "directory": container.directory,
        "mailer": container.mailer,
        "requests_log": SqlResetRequestLog(container.engine),
        "audit": container.audit,
        "vendor": container.settings.vendor,
        "rules": container.settings.reset,
        "secret_key": "k",
        "clock": clock,
    }
    return PasswordResetService(**{**parts, **changes})  # type: ignore[arg-type]


def test_mail_outage_gives_the_same_answer_and_is_audited(
    container: Container, clock: FakeClock
) -> None:
    account = container.directory.add_account("jane@example.com")
    failing = FailingMailer()
    service = _service(container, clock, mailer=failing)
    result = service.request_reset("jane@example.com", "conv-9")
    assert result.status is ResetStatus.ACCEPTED
    assert len(failing.attempts) == 1
    assert container.audit.list_entries()[-1].outcome == "delivery_failed"
    assert container.audit.list_entries()[-1].account_id == account.id


class ResetFailsDirectory:
    """Finds accounts, but the provider fails when asked to start a reset."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def find_by_email(self, email: str) -> object:
        return self._inner.find_by_email(email)  # type: ignore[attr-defined]

    def start_password_reset(self, *_args: object) -> None:
        raise IdentityUnavailableError("identity provider: HTTP 503")


def test_a_provider_failing_after_the_lookup_gives_the_same_answer_and_is_audited(
    container: Container, clock: FakeClock
) -> None:
    """An apology here would come only for existing accounts: the answer stays neutral."""
    account = container.directory.add_account("jane@example.com")
    service = _service(container, clock, directory=ResetFailsDirectory(container.directory))
    assert service.request_reset("jane@example.com", "conv-9").status is ResetStatus.ACCEPTED
    assert container.audit.list_entries()[-1].outcome == "provider_failed"
    assert container.audit.list_entries()[-1].account_id == account.id
    assert container.outbox.list_messages() == []


def test_every_answer_takes_at_least_the_minimum_time(container: Container, clock) -> None:
    import dataclasses
    import time

    rules = dataclasses.replace(container.settings.reset, link_reply_ms=80)
    service = _service(container, clock, rules=rules)
    container.directory.add_account("jane@example.com")
    for address in ("jane@example.com", "ghost@example.com", "broken"):
        started = time.perf_counter()
        service.request_reset(address, "conv")
        assert time.perf_counter() - started >= 0.08
