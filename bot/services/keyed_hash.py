"""Keyed hashes (HMAC-SHA256 with the deployment's secret key), one helper for every use.

Throttles and verification records are keyed by a keyed hash of the address, so the app
database never holds the addresses people typed, and the hashes are useless without the key.
"""

from __future__ import annotations

import hashlib
import hmac


class KeyedHasher:
    """HMAC-SHA256 of "purpose:value" under one secret key."""

    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key.encode("utf-8")

    def __repr__(self) -> str:
        return "KeyedHasher(<secret>)"

    def hash(self, purpose: str, value: str) -> str:
        """Hex digest of `purpose:value`."""
        message = f"{purpose}:{value}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def plain(self, value: str) -> str:
        """Hex digest of `value` alone (the reset throttle's historic key form)."""
        return hmac.new(self._secret, value.encode("utf-8"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a.encode(), b.encode())
