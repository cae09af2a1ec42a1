"""Single-use link and session tokens: random, and stored only as their SHA-256."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """The form in which a token is stored (the token itself lives only in the link or cookie)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
