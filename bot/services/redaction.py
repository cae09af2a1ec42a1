"""Removing secrets customers type (passwords, one-time codes, card numbers) from text.

Used wherever customer text leaves the conversation: case transcripts and summaries.
Errs on the side of hiding: a redacted harmless word costs little, a leaked password a lot.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

# "my password is hunter2", "pwd: x", "passcode = y", "new password Secr3t!" ...
_SECRET_AFTER_KEYWORD = re.compile(
    r"(?i)\b(pass\s*word|passwd|pwd|pw|pass\s*code|passphrase|pin|otp|code|"
    r"verification\s+code|security\s+code|one[-\s]?time\s+(?:pass\s*word|code))"
    r"(\s*(?:is|was|=|:|-|would\s+be|should\s+be)?\s*)"
    r"(\"[^\"]+\"|'[^']+'|\S+)"
)
# 13-19 digits, possibly grouped by spaces or dashes: checked with Luhn before redacting.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# A lone 4-8 digit number (one-time codes, PINs); years 1900-2099 are left alone.
_CODE = re.compile(r"(?<![\d/.-])(\d{3}[ -]?\d{3}|\d{4,8})(?![\d/.-])")
_YEAR = re.compile(r"^(19|20)\d{2}$")
_EMAIL_OR_URL = re.compile(r"(?i)^(?:\S+@\S+\.\S+|https?://\S+|www\.\S+)$")
_WORDS_THAT_ARE_NOT_SECRETS = {
    "is", "was", "reset", "expired", "wrong", "incorrect", "not", "doesn't", "didnt",
    "didn't", "never", "isn't", "again", "please", "arrive", "arrived", "working", "for",
    "to", "the", "a", "and", "or", "on", "in", "by", "via", "sent", "request",
}  # fmt: skip


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _looks_like_password(token: str) -> bool:
    """Mixed character classes, no spaces, not an address: 'Tr0ub4dor&3', 'hunter2!'."""
    word = token.strip(".,;:!?\"'()[]")
    if len(word) < 8 or _EMAIL_OR_URL.match(word):
        return False
    classes = sum(
        bool(re.search(pattern, word)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w\s]")
    )
    return classes >= 3


def redact(text: str) -> str:
    """`text` with anything that looks like a secret replaced by [redacted]."""
    if not text:
        return text

    def keyword(match: re.Match[str]) -> str:
        secret = match.group(3)
        if secret.lower().strip(".,!?") in _WORDS_THAT_ARE_NOT_SECRETS:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

    text = _SECRET_AFTER_KEYWORD.sub(keyword, text)
    text = _CARD.sub(
        lambda m: REDACTED if _luhn_ok(re.sub(r"\D", "", m.group(0))) else m.group(0), text
    )
    text = _CODE.sub(lambda m: m.group(0) if _YEAR.match(m.group(0)) else REDACTED, text)
    return " ".join(REDACTED if _looks_like_password(t) else t for t in text.split(" "))


# While the assistant waits for one of these slots, the customer's reply is a secret.
SECRET_SLOTS = frozenset({"verification_code", "kq_1", "kq_2", "kq_3"})
SLOT_OUTCOMES = frozenset({"verified", "failed", "correct", "wrong"})
ANSWER_REDACTED = "[redacted: verification answer]"


def redact_events(events: list[dict]) -> list[dict]:
    """Copies of Rasa event dicts safe to store: secrets in user text and slots removed.

    A user message sent while a verification question was open is replaced whole; any
    other user message goes through `redact`; a secret slot keeps only its outcome.
    """
    requested: str | None = None
    after_secret = False  # slots filled from a secret answer (before the next action)
    cleaned = []
    for event in events:
        kind = event.get("event")
        copy = dict(event)
        if kind == "action":
            after_secret = False
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "requested_slot":
                requested = value
            elif (name in SECRET_SLOTS or after_secret) and value not in (None, *SLOT_OUTCOMES):
                copy["value"] = REDACTED
        elif kind == "user":
            text = event.get("text") or ""
            secret = requested in SECRET_SLOTS and not text.startswith("/")
            after_secret = secret
            safe = ANSWER_REDACTED if secret else redact(text)
            copy["text"] = safe
            if isinstance(event.get("parse_data"), dict):
                parse = dict(event["parse_data"])
                parse["text"] = safe
                if secret:
                    parse["entities"] = []
                copy["parse_data"] = parse
        cleaned.append(copy)
    return cleaned
