"""Helpers for conversations that go through ownership verification over REST."""

from __future__ import annotations

import re

from tests.http_fakes import wait_for_mail
from tests.support.assistant import RunningAssistant

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
