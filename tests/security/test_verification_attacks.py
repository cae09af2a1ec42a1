"""A stranger who knows a customer's address and a few facts tries to take the account over,
over REST against the running servers. Every attempt must fail and change nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from bot.adapters.sql.tables import email_changes
from tests.http_fakes import wait_for_mail
from tests.support.assistant import RunningAssistant
from tests.support.verification import FACTS, add_verifiable_account, joined, latest_code

FLOWS = {
    # payload that starts the flow -> what the change would do
    "unlock": "/account_locked",
    "factor_reset": "/mfa_device_lost",
    "secure": "/account_compromised",
    "email_change": "/change_email",
}
CODE_PROMPT = "6-digit code"


def _victim(assistant: RunningAssistant) -> tuple[str, str]:
    email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    until = assistant.container.clock().replace(year=2099)
    account_id = add_verifiable_account(
        assistant, email, locked_until=until, lock_reason="failed_attempts",
        mfa=("totp", "sms"), phone_last4="9876", devices=("Kitchen PC",),
    )  # fmt: skip
    return email, account_id


def _untouched(assistant: RunningAssistant, email: str, account_id: str) -> None:
    directory = assistant.container.builtin_directory
    account = directory.find_by_email(email)
    assert account is not None and account.id == account_id, "the address was changed"
    assert account.status == "locked", "the account was unlocked"
    assert account.mfa_factors == ("totp", "sms"), "2-step verification was removed"
    assert directory.active_sessions(account_id) == ["Kitchen PC"], "sessions were ended"
    with assistant.container.engine.connect() as conn:
        changes = conn.execute(
            select(func.count()).select_from(email_changes)
            .where(email_changes.c.account_id == account_id)
        ).scalar_one()  # fmt: skip
    assert changes == 0, "an email change was started"
    done = {(e.event, e.outcome) for e in assistant.container.audit.list_entries()
            if e.account_id == account_id}  # fmt: skip
    assert not done & {("unlock", "done"), ("factor_reset", "done"),
                       ("sessions_cleared", "done"), ("email_change", "started")}  # fmt: skip


def _to_code_prompt(assistant: RunningAssistant, sender: str, flow: str, email: str) -> None:
    assistant.say(sender, FLOWS[flow])
    assistant.say(sender, "/affirm")
    asked = joined(assistant.say(sender, email))
    assert CODE_PROMPT in asked, asked


@pytest.mark.parametrize("word", ["verified", "correct", "passed", "/affirm", "true"])
def test_typed_outcome_words_never_count_as_a_right_answer(
    assistant: RunningAssistant, word: str
) -> None:
    email, account_id = _victim(assistant)
    sender = f"words-{uuid.uuid4().hex[:8]}"
    _to_code_prompt(assistant, sender, "unlock", email)
    replies = [joined(assistant.say(sender, word)) for _ in range(3)]
    assert "couldn't confirm" in replies[-1], replies
    # Then the facts an attacker may know, typed as if they were being asked.
    for _stored, typed in FACTS.values():
        assistant.say(sender, typed)
    _untouched(assistant, email, account_id)


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_known_facts_without_the_mailbox_change_nothing(
    assistant: RunningAssistant, flow: str
) -> None:
    """The attacker knows the address and every fact (device, postcode, ...), not the code."""
    email, account_id = _victim(assistant)
    sender = f"facts-{flow}-{uuid.uuid4().hex[:6]}"
    _to_code_prompt(assistant, sender, flow, email)
    replies = []
    for _stored, typed in FACTS.values():
        replies.append(joined(assistant.say(sender, typed)))
    replies.append(joined(assistant.say(sender, f"attacker-{sender}@evil.example")))
    assert any("couldn't confirm" in reply for reply in replies), replies
    _untouched(assistant, email, account_id)
    assert assistant.container.outbox.list_messages(to=f"attacker-{sender}@evil.example") == []


def test_three_failed_checks_refuse_the_next_even_with_the_right_code(
    assistant: RunningAssistant,
) -> None:
    email, account_id = _victim(assistant)
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    _to_code_prompt(assistant, owner, "unlock", email)
    code = latest_code(assistant, email)  # the real code: possession is not the problem here
    for n in range(2):  # two more checks, each failing with three wrong codes
        sender = f"guess-{n}-{uuid.uuid4().hex[:6]}"
        _to_code_prompt(assistant, sender, "unlock", email)
        for guess in ("111111", "222222", "333333"):
            assistant.say(sender, guess)
    reply = joined(assistant.say(owner, code))
    assert "too many unsuccessful attempts" in reply, reply
    late = f"late-{uuid.uuid4().hex[:6]}"
    assistant.say(late, FLOWS["unlock"])
    assistant.say(late, "/affirm")
    assert "too many unsuccessful attempts" in joined(assistant.say(late, email))
    _untouched(assistant, email, account_id)


def test_codes_cannot_be_mail_bombed(assistant: RunningAssistant) -> None:
    email, _ = _victim(assistant)
    answers = []
    for n in range(5):
        sender = f"bomb-{n}-{uuid.uuid4().hex[:6]}"
        assistant.say(sender, FLOWS["unlock"])
        assistant.say(sender, "/affirm")
        answers.append(joined(assistant.say(sender, email)))
    assert sum(CODE_PROMPT in a for a in answers) == 3
    assert all("can't send another code" in a for a in answers[3:])
    assert len(wait_for_mail(assistant.container.outbox, email, "verification_code", 4,
                             timeout=2)) == 3  # fmt: skip


def test_the_owner_with_the_code_still_gets_in(assistant: RunningAssistant) -> None:
    """The same servers, the right way: the defences above do not lock the owner out."""
    from tests.support.verification import answer_for

    email, account_id = _victim(assistant)
    sender = f"owner-ok-{uuid.uuid4().hex[:8]}"
    _to_code_prompt(assistant, sender, "unlock", email)
    question = joined(assistant.say(sender, latest_code(assistant, email)))
    reply = joined(assistant.say(sender, answer_for(question)))
    reply = joined(assistant.say(sender, answer_for(reply)))
    assert "unlocked" in reply, reply
    assert assistant.container.builtin_directory.find_by_id(account_id).status == "active"
