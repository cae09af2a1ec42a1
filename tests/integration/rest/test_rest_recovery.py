"""Verification and recovery flows over REST against the real servers."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.http_fakes import wait_for_mail
from tests.integration.conftest import RunningAssistant
from tests.support.verification import add_verifiable_account, answer_for, joined, latest_code


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


def test_an_address_typed_instead_of_yes_starts_the_check_with_it(
    assistant: RunningAssistant,
) -> None:
    email = "typed.instead@example.com"
    add_verifiable_account(assistant, email)
    sender = "unlock-typed-address"
    assert "unlock it right away" in joined(assistant.say(sender, "my account is locked"))
    reply = joined(assistant.say(sender, email))
    assert "6-digit code" in reply, reply
    assert "What's the email address" not in reply
    assert latest_code(assistant, email)


def test_a_code_typed_before_one_was_sent_is_not_used(assistant: RunningAssistant) -> None:
    sender = "unlock-early-code"
    assistant.say(sender, "my account is locked")
    reply = joined(assistant.say(sender, "482913"))
    assert "haven't sent you one" in reply, reply
    assert "What's the email address" in reply
    assert "password" not in reply.lower()


def test_suspicious_link_is_flagged(assistant: RunningAssistant) -> None:
    reply = joined(
        assistant.say("phish", "is this link legit https://example.com.account-check.net/login")
    )
    assert "NOT one of ours" in reply
    assert assistant.container.settings.vendor.phishing_report_address in reply


def test_no_secret_typed_in_the_chat_reaches_the_tracker_store(
    assistant: RunningAssistant,
) -> None:
    """After the flows above (codes, answers, a typed password), scan what the tracker
    database holds of them. Only these conversations: the server is shared with other
    modules, whose attackers type the same facts as plain messages after a check failed
    (tests/security/test_verification_attacks.py), where nothing marks them as answers."""
    import sqlite3

    sender = "types-secrets"
    assistant.say(sender, "my password is Winter2026!! and my card is 4111 1111 1111 1111")
    assistant.say(sender, "the code i got was 918273")
    senders = ("unlock-me", "unlock-stranger", "lost-phone", "unlock-typed-address",
               "unlock-early-code", "phish", sender)  # fmt: skip
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            f"select data from events where sender_id in ({','.join('?' * len(senders))})",
            senders,
        )
        dump = "\n".join(row[0] for row in rows)
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
