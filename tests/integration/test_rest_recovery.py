"""Verification and recovery flows over REST against the real servers."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.http_fakes import wait_for_mail
from tests.integration.conftest import RunningAssistant

FACTS = {
    "license_last4": ("ABCD-EFGH-1234-Q7P2", "q7p2"),
    "purchase_month": ("2024-03", "march 2024"),
    "device_name": ("Kitchen PC", "kitchen pc"),
    "postcode": ("10115", "10115"),
}
QUESTION_WORDS = {
    "license": "license_last4",
    "month and year": "purchase_month",
    "devices": "device_name",
    "postal code": "postcode",
}


def joined(messages: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in messages)


def add_verifiable_account(assistant: RunningAssistant, email: str, **kwargs) -> str:
    c = assistant.container
    account = c.builtin_directory.add_account(email, **kwargs)
    for kind, (stored, _typed) in FACTS.items():
        c.verification_store.set_fact(account.id, kind, c.verification.fact_hash(kind, stored))
    return account.id


def answer_for(question: str) -> str:
    for words, kind in QUESTION_WORDS.items():
        if words in question:
            return FACTS[kind][1]
    raise AssertionError(f"unexpected question: {question}")


def latest_code(assistant: RunningAssistant, email: str) -> str:
    before = getattr(assistant, "_codes_seen", {}).get(email, 0)
    emails = wait_for_mail(assistant.container.outbox, email, "verification_code", before + 1)
    assistant.__dict__.setdefault("_codes_seen", {})[email] = len(emails)
    return re.search(r"code is: (\d{6})", emails[-1].body).group(1)


def test_locked_account_is_unlocked_after_verification(assistant: RunningAssistant) -> None:
    email = "locked.user@example.com"
    until = assistant.container.clock() + timedelta(minutes=25)
    add_verifiable_account(assistant, email, locked_until=until, lock_reason="failed_attempts")
    sender = "unlock-me"
    info = joined(assistant.say(sender, "my account is locked"))
    assert "unlock it right away" in info
    assert "email address" in joined(assistant.say(sender, "yes"))
    assert "6-digit code" in joined(assistant.say(sender, email))
    question = joined(assistant.say(sender, latest_code(assistant, email)))
    reply = joined(assistant.say(sender, answer_for(question)))
    reply = joined(assistant.say(sender, answer_for(reply)))
    assert "I've unlocked it now" in reply, reply
    account = assistant.container.builtin_directory.find_by_email(email)
    assert account.status == "active"
    events = [(e.event, e.outcome) for e in assistant.container.audit.list_entries()
              if e.conversation_id == sender]  # fmt: skip
    assert ("verification", "passed") in events and ("unlock", "done") in events


def test_unknown_address_goes_through_the_same_steps_and_fails(
    assistant: RunningAssistant,
) -> None:
    sender = "unlock-stranger"
    assistant.say(sender, "my account is locked")
    assistant.say(sender, "yes")
    asked = joined(assistant.say(sender, "nobody.here@example.com"))
    assert "6-digit code" in asked
    for _ in range(3):
        reply = joined(assistant.say(sender, "123456"))
    assert "couldn't confirm" in reply
    assert assistant.container.outbox.list_messages(to="nobody.here@example.com") == []


def test_lost_phone_resets_factors_and_notifies(assistant: RunningAssistant) -> None:
    email = "lost.phone@example.com"
    add_verifiable_account(assistant, email, mfa=("totp",))
    sender = "lost-phone"
    assistant.say(sender, "i lost my phone with the authenticator app")
    assistant.say(sender, "yes")
    assistant.say(sender, email)
    question = joined(assistant.say(sender, latest_code(assistant, email)))
    reply = joined(assistant.say(sender, answer_for(question)))
    reply = joined(assistant.say(sender, answer_for(reply)))
    assert "removed the old 2-step verification" in reply, reply
    assert assistant.container.builtin_directory.find_by_email(email).mfa_factors == ()
    assert wait_for_mail(assistant.container.outbox, email, "factor_reset_notice")


def test_suspicious_link_is_flagged(assistant: RunningAssistant) -> None:
    reply = joined(
        assistant.say("phish", "is this link legit https://example.com.account-check.net/login")
    )
    assert "NOT one of ours" in reply
    assert assistant.container.settings.vendor.phishing_report_address in reply


def test_no_secret_typed_in_the_chat_reaches_the_tracker_store(
    assistant: RunningAssistant,
) -> None:
    """After the flows above (codes, answers, a typed password), scan the tracker database."""
    import sqlite3

    sender = "types-secrets"
    assistant.say(sender, "my password is Winter2026!! and my card is 4111 1111 1111 1111")
    assistant.say(sender, "the code i got was 918273")
    with sqlite3.connect(assistant.tracker_db) as db:
        dump = "\n".join(row[0] for row in db.execute("select data from events"))
    secrets = ["Winter2026!!", "4111 1111 1111 1111", "918273", "kitchen pc", "march 2024",
               "q7p2", "10115"]  # fmt: skip
    codes = [
        re.search(r"code is: (\d{6})", m.body).group(1)
        for m in assistant.container.outbox.list_messages()
        if m.kind == "verification_code"
    ]
    assert codes, "the verification flows above should have sent codes"
    for secret in secrets + codes:
        # Bounded by non-digits, so that a timestamp such as 1796125459.3910115 is no hit.
        found = re.search(rf"(?<![\d.]){re.escape(secret)}(?!\d)", dump)
        assert found is None, f"{secret!r} was stored in the tracker"
    assert "[redacted: verification answer]" in dump
