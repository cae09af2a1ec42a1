"""Recognising email addresses in what customers type."""

from __future__ import annotations

import re

# Pragmatic, not RFC 5322: a local part, an @, and a domain with a dot and a 2+ letter TLD.
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+'-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63})(?![\w-])"
)
_FULL = re.compile(r"^" + _EMAIL.pattern[len(r"(?<![\w.+-])") :] + r"$")


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed address (how the directory stores them)."""
    return email.strip().strip(".,;:!?<>()[]\"'").lower()


def is_valid_email(email: str) -> bool:
    """True for a plausible, complete address such as name@example.com."""
    candidate = normalise_email(email)
    if ".." in candidate or candidate.startswith(".") or "@." in candidate:
        return False
    return bool(_FULL.match(candidate)) and len(candidate) <= 320


def find_email(text: str) -> str | None:
    """The first valid address inside free text ("it's Me@Example.com thanks"), normalised."""
    for match in _EMAIL.finditer(text or ""):
        candidate = normalise_email(match.group(1))
        if is_valid_email(candidate):
            return candidate
    return None


def mask_email(email: str) -> str:
    """'jane.doe@example.com' -> 'j•••e@e•••e.com': enough to recognise, not to learn."""
    local, _, domain = normalise_email(email).partition("@")
    name, dot, tld = domain.rpartition(".")

    def squeeze(part: str) -> str:
        return part[:1] + "•••" + part[-1:] if len(part) > 2 else part[:1] + "•••"

    return f"{squeeze(local)}@{squeeze(name)}{dot}{tld}"
