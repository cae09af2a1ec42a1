"""Reading a typed reply where the assistant offered yes / no buttons.

Customers often answer "Shall we unlock it?" with their address ("me@example.com": yes, and
here it is) or with a code they already have in front of them, before the assistant asked
for one. Both count as "yes"; the address is kept so that it is not asked for again, and a
code is never used: codes are only taken when the verification step has just sent one.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from bot.domain.emails import find_email

# A message that is only a one-time code: 4 to 8 digits, perhaps spaced ("482 913") or with
# a word in front ("code 482913").
_CODE_ONLY = re.compile(
    r"^\s*(?:(?:my\s+)?(?:code|otp|pin)\s*(?:is|:)?\s*)?(?:\d[\s-]?){4,8}\s*$", re.I
)


def typed_email(tracker: Tracker) -> str | None:
    """The address in the latest message (entity or text), normalised; None without one."""
    message = tracker.latest_message or {}
    for entity in message.get("entities") or []:
        if entity.get("entity") == "email":
            found = find_email(str(entity.get("value") or ""))
            if found:
                return found
    return find_email(str(message.get("text") or ""))


def typed_code(tracker: Tracker) -> bool:
    """True when the latest message is nothing but a code."""
    return bool(_CODE_ONLY.match(str((tracker.latest_message or {}).get("text") or "")))
