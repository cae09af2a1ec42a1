"""Removing secrets customers type (passwords, one-time codes, card numbers, link tokens).

Used wherever customer text leaves the conversation: the tracker store and event broker
(`redact_events`: message text, entity values and slot values), case transcripts and
summaries, insights exports. Errs on the side of hiding: a redacted harmless word costs
little, a leaked password a lot. It keeps what agents need: error codes such as
`0x80070005` or `ERR_CONNECTION_RESET`, case and ticket numbers, email addresses, years.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.domain.dialogue import ADDRESS_SLOTS, SECRET_SLOTS
from bot.domain.emails import find_email

REDACTED = "[redacted]"

# Words whose secret may be a whole phrase ("my password is correct horse battery staple").
_PHRASE_KEYWORD = r"pass\s*words?|passwd|pwd|pw|passphrase|pass"
_KEYWORD = (
    rf"{_PHRASE_KEYWORD}|pass\s*codes?|pins?|otp|cvv2?|cvc2?|csc|"
    r"(?:verification|security|sign[-\s]?in|login|2fa|mfa|one[-\s]?time|sms|auth)?\s*codes?|"
    r"one[-\s]?time\s+pass\s*word"
)
# Words between the keyword and the secret: "is", "was", ":", "I use is", "I typed was" ...
_FILLER = (
    r"(?:\s*(?:is|was|=|:|-|would\s+be|should\s+be|i\s+(?:use|used|typed|entered|tried|"
    r"put\s+in|have|got|received|chose|picked|set)|(?:it|they|you)\s+(?:gave|sent)(?:\s+me)?|"
    r"of|says?)\b\s*|\s*[:=]\s*|\s+)*"
)
_SECRET_AFTER_KEYWORD = re.compile(
    rf"(?i)\b({_KEYWORD})\b({_FILLER})"
    r"(\"[^\"]+\"|'[^']+'|\d{3}[ -]\d{3}\b|(?:\d[ -]){3,7}\d\b|[^\s\"']+)"
)
# After a password word, the rest of the clause: a passphrase can have several words.
_PHRASE_AFTER_KEYWORD = re.compile(
    rf"(?i)\b({_PHRASE_KEYWORD})\b((?:\s*(?:is|was|=|:|would\s+be|should\s+be|i\s+\w+"
    r"(?:\s+is)?)\b)?\s*:?\s*)"
    r"([^\s.,;!?\"'][^.,;!?\n]*?)(?=\s+(?:but|and|so|because|which|though|however)\b|"
    r"[.,;!?](?:\s|$)|$)"
)
# "I typed hunter2 as my password", "used Spring22 for the pin"
_SECRET_BEFORE_KEYWORD = re.compile(
    r"(?i)\b(typed|entered|tried|used|use|put\s+in|set)\s+(\S+(?:\s+\S+){0,5}?)\s+(as|for)\s+"
    r"((?:my|the|a)\s+)?(pass\s*word|passwd|pwd|pass\s*code|passphrase|pin|code)\b"
)
# 13-19 digits, possibly grouped by spaces or dashes: checked with Luhn before redacting.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# A lone 4-8 digit number (one-time codes, PINs), or 3+3 digits; years are left alone.
_CODE = re.compile(r"(?<![\w/.:#-])(\d{3}[ -]\d{3}|\d{4,8})(?![\w/:-]|\.\w)")
# 4 to 8 digits typed one by one: "4 8 1 5", "8-4-2-9-1-3".
_SPACED_DIGITS = re.compile(r"(?<![\w.])(?:\d[ -]){3,7}\d(?![\w.])")
_YEAR = re.compile(r"^(19|20)\d{2}$")
# Numbers agents need: "case 123", "ticket #4567", "order 889911", "error 1234".
_REFERENCE_BEFORE = re.compile(
    r"(?i)\b(case|ticket|order|invoice|ref|reference|error|status|http|version|build|"
    r"model|kb|port)\s*(?:no\.?|number|#|:)?\s*$"
)
_ERROR_CODE = re.compile(r"^(0[xX][0-9a-fA-F]{4,}|[A-Z]{2,}[_A-Z]*_[A-Z_]+|[A-Z]{3,}\d{3,})$")
_URL = re.compile(r"(?i)\b((?:https?://|www\.)[^\s<>\"']+)")
_TOKENISH = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.~%]{16,}$")
_EMAIL_OR_URL = re.compile(r"(?i)^(?:\S+@\S+\.\S+|https?://\S+|www\.\S+)$")
_WORDS_THAT_ARE_NOT_SECRETS = {
    "is", "was", "reset", "resets", "expired", "wrong", "incorrect", "not", "doesn't",
    "didnt", "didn't", "never", "isn't", "again", "please", "arrive", "arrived", "arriving",
    "working", "work", "works", "for", "to", "the", "a", "an", "and", "or", "on", "in", "by",
    "via", "sent", "request", "requested", "it", "my", "this", "that", "i", "you", "me",
    "email", "emails", "text", "texts", "sms", "app", "link", "page", "field", "box",
    "change", "changed", "help", "manager", "anymore", "any", "no", "still", "but", "so",
    "because", "since", "with", "from", "when", "if", "has", "have", "had", "keeps", "keep",
    "isnt", "wont", "won't", "cant", "can't", "does", "do", "did", "will", "would", "should",
    "could", "be", "been", "being", "at", "all", "of", "up", "out", "just", "too", "very",
    "rules", "policy", "strength", "requirements", "hint", "hints", "tips", "advice",
    "what", "how", "why", "where", "which", "who", "ok", "okay", "thanks", "thank",
    "yes", "yeah", "nope", "sure", "again.", "now", "expire", "expires", "invalid",
    "needed", "need", "required", "asked", "ask", "there", "here", "we", "they", "he", "she",
    "your", "our", "their", "its", "whatever", "something", "anything", "nothing",
    "forgotten", "forgot", "lost", "remember", "protected", "strong", "weak", "new", "old",
    "generator", "length", "long", "short", "case", "sensitive", "error", "number",
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
    """Mixed character classes, no spaces, not an address or error code: 'Tr0ub4dor&3'."""
    word = token.strip(".,;:!?\"'()[]")
    if len(word) < 8 or _EMAIL_OR_URL.match(word) or _ERROR_CODE.match(word):
        return False
    if word.startswith("[redacted"):
        return False
    classes = sum(
        bool(re.search(pattern, word)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w\s]")
    )
    return classes >= 3


def _redact_url(url: str) -> str:
    """Keep scheme, host and plain path words; hide query values, fragments and tokens."""
    trail = ""
    while url and url[-1] in ".,;:!?)]}":
        trail = url[-1] + trail
        url = url[:-1]
    base, _, fragment = url.partition("#")
    base, sep, query = base.partition("?")
    head, _, path = base.partition("//") if "//" in base else ("", "", base)
    host, slash, rest = path.partition("/")
    segments = [REDACTED if _TOKENISH.match(part) else part for part in rest.split("/")]
    cleaned = (f"{head}//" if head else "") + host + slash + "/".join(segments)
    if sep:
        pairs = []
        for pair in query.split("&"):
            name, eq, value = pair.partition("=")
            pairs.append(f"{name}={REDACTED}" if eq and value else pair)
        cleaned += "?" + "&".join(pairs)
    if fragment:
        cleaned += "#" + REDACTED
    return cleaned + trail


def _is_reference(text: str, start: int) -> bool:
    return bool(_REFERENCE_BEFORE.search(text[max(0, start - 24) : start]))


def redact(text: str) -> str:
    """`text` with anything that looks like a secret replaced by [redacted]."""
    if not text:
        return text
    text = _URL.sub(lambda m: _redact_url(m.group(1)), text)

    def phrase(match: re.Match[str]) -> str:
        secret = match.group(3)
        first = secret.split()[0].lower().strip(".,!?;:") if secret.split() else ""
        if (
            not first
            or first in _WORDS_THAT_ARE_NOT_SECRETS
            or first.startswith("[redacted")
            or find_email(secret) is not None
            or len(secret.split()) == 1  # one word: the keyword rule below decides
        ):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

    def keyword(match: re.Match[str]) -> str:
        secret = match.group(3)
        bare = secret.lower().strip(".,!?;:")
        if (
            not re.search(r"\w", bare)
            or bare in _WORDS_THAT_ARE_NOT_SECRETS
            or bare.startswith("[redacted")
            or _ERROR_CODE.match(secret.strip(".,!?;:"))
            or _is_reference(text, match.start())
            or find_email(secret) is not None
        ):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

    text = _PHRASE_AFTER_KEYWORD.sub(phrase, text)
    text = _SECRET_AFTER_KEYWORD.sub(keyword, text)
    text = _SECRET_BEFORE_KEYWORD.sub(
        lambda m: (
            m.group(0)
            if m.group(2).lower() in _WORDS_THAT_ARE_NOT_SECRETS
            else m.group(0).replace(m.group(2), REDACTED, 1)
        ),
        text,
    )
    text = _CARD.sub(
        lambda m: REDACTED if _luhn_ok(re.sub(r"\D", "", m.group(0))) else m.group(0), text
    )
    text = _SPACED_DIGITS.sub(
        lambda m: m.group(0) if _is_reference(text, m.start()) else REDACTED, text
    )
    text = _CODE.sub(
        lambda m: (
            m.group(0) if _YEAR.match(m.group(0)) or _is_reference(text, m.start()) else REDACTED
        ),
        text,
    )
    return " ".join(REDACTED if _looks_like_password(t) else t for t in text.split(" "))


ANSWER_REDACTED = "[redacted: verification answer]"
# Words that make a reply at an email prompt a sentence ("I don't know which email I
# used"), not a passphrase typed in the wrong box ("correct horse battery staple").
_SENTENCE_WORDS = frozenset(
    [
        "i",
        "i'm",
        "im",
        "my",
        "me",
        "it",
        "it's",
        "its",
        "the",
        "a",
        "an",
        "is",
        "was",
        "are",
        "do",
        "don't",
        "dont",
        "did",
        "didn't",
        "can",
        "can't",
        "cant",
        "not",
        "no",
        "yes",
        "what",
        "which",
        "how",
        "why",
        "where",
        "who",
        "email",
        "e-mail",
        "mail",
        "address",
        "account",
        "know",
        "remember",
        "forgot",
        "forget",
        "lost",
        "help",
        "please",
        "sorry",
        "thanks",
        "thank",
        "you",
        "your",
        "use",
        "used",
        "have",
        "had",
        "get",
        "got",
        "want",
        "need",
        "sign",
        "login",
        "log",
        "in",
        "on",
        "of",
        "to",
        "for",
        "with",
        "this",
        "that",
        "there",
        "here",
    ]
)
# Rasa fills slots from the latest message in this action, before predicting the next one.
_EXTRACTION_ACTIONS = frozenset({"action_extract_slots"})


def redact_reply(text: str, requested_slot: str | None) -> str:
    """How a customer message is kept, given what the assistant had just asked for."""
    if text.startswith("/"):
        return redact(text)
    if requested_slot in SECRET_SLOTS:
        return ANSWER_REDACTED
    stripped = text.strip()
    if requested_slot in ADDRESS_SLOTS and stripped and find_email(stripped) is None:
        words = re.findall(r"[\w'’]+", stripped.lower())
        if " " not in stripped or not set(words) & _SENTENCE_WORDS:
            return REDACTED  # a password, or a passphrase, typed in the wrong box
    return redact(text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    return value


def redact_events(events: Iterable[dict]) -> list[dict]:
    """Copies of Rasa event dicts safe to store: secrets in user text, entities and slots
    removed. A reply to a verification prompt is replaced whole, and every slot filled from
    it is hidden; a slot filled from another message is as redacted as that message."""
    requested: str | None = None
    last_raw: str | None = None
    last_safe = ""
    after_secret = False  # slots filled from a secret reply (until the next prediction)
    cleaned = []
    for event in events:
        kind = event.get("event")
        copy = dict(event)
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "requested_slot":
                requested = value
            elif (after_secret or name in SECRET_SLOTS) and value is not None:
                copy["value"] = REDACTED
            elif isinstance(value, str) and last_raw is not None and value == last_raw:
                copy["value"] = last_safe
            else:
                copy["value"] = _redact_value(value)
        elif kind == "action" and event.get("name") not in _EXTRACTION_ACTIONS:
            after_secret = False
        elif kind == "user":
            text = event.get("text") or ""
            safe = redact_reply(text, requested)
            secret = requested in SECRET_SLOTS and not text.startswith("/")
            last_raw, last_safe, after_secret = text, safe, secret
            copy["text"] = safe
            if isinstance(event.get("parse_data"), dict):
                parse = dict(event["parse_data"])
                parse["text"] = safe
                parse["entities"] = (
                    []
                    if secret or safe == REDACTED
                    else [_redact_entity(entity) for entity in parse.get("entities") or []]
                )
                copy["parse_data"] = parse
        cleaned.append(copy)
    return cleaned


def _redact_entity(entity: Any) -> Any:
    if not isinstance(entity, dict):
        return entity
    copy = dict(entity)
    copy["value"] = _redact_value(entity.get("value"))
    return copy
