"""Rules for what a chat message may be, shared by every channel."""

from __future__ import annotations


def is_too_long(text: object, limit: int) -> bool:
    """Whether a message is over the length limit (such messages are not processed)."""
    return isinstance(text, str) and len(text) > limit


def too_long_reply(limit: int) -> str:
    """The polite answer to an over-long message."""
    return (
        f"That message is longer than I can take ({limit:,} characters at most), so I haven't "
        "read it. Could you send a shorter version? The problem in a sentence or two is plenty."
    )
