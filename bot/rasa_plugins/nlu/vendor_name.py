"""The vendor's own name, left out of what the classifiers see.

Customers name the company all the time ("why do I need an Example Security account?"), and
that says nothing about what they want: every conversation is about this vendor. But the
name is configurable (`vendor.name` in settings.yml), so the training data cannot hold it,
and to a model trained without it the unknown words pull the message towards whatever
intent shares their character n-grams (a name ending in "Security" looked like a product
named in an `inform` reply). So the intent classifier, the FAQ vote and the tokens the
ResponseSelector is fed all see the text with the configured name blanked out (spaces of
the same length, so character offsets, and the entities found on the original text, stay
as they are). The text kept in the conversation is never changed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.settings import SettingsError, get_settings


def name_pattern(name: str) -> re.Pattern[str] | None:
    """The name as whole words, any case and spacing, with an optional possessive 's."""
    words = name.split()
    if not words:
        return None
    body = r"\s*".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w){body}(?:['’]s)?(?!\w)", re.IGNORECASE)


def name_spans(text: str, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Where the name occurs in `text` (start, end)."""
    if pattern is None or not text:
        return []
    return [match.span() for match in pattern.finditer(text)]


def blanked(text: str, pattern: re.Pattern[str] | None) -> str:
    """`text` with every occurrence of the name replaced by as many spaces."""
    if pattern is None or not text:
        return text
    return pattern.sub(lambda match: " " * len(match.group(0)), text)


@lru_cache(maxsize=1)
def configured_pattern() -> re.Pattern[str] | None:
    """The pattern for `vendor.name` in the settings (none if the settings cannot be read)."""
    try:
        return name_pattern(get_settings().vendor.name)
    except SettingsError:
        return None


def without_vendor_name(text: str) -> str:
    """`text` as the classifiers see it: the configured vendor's name blanked out."""
    return blanked(text, configured_pattern())
