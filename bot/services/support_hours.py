"""Whether people are at work right now, and how to say so."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.settings import SupportHours


def is_open(hours: SupportHours, now: datetime) -> bool:
    """True when `now` (timezone-aware) falls inside the support hours."""
    local = now.astimezone(ZoneInfo(hours.timezone))
    return local.weekday() in hours.days and hours.opens <= local.time() < hours.closes


def availability_sentence(hours: SupportHours, now: datetime) -> str:
    """'Our team is available now (…)' or 'Our team is away now; hours are …'."""
    if is_open(hours, now):
        return f"Our support team is available now ({hours.describe()})."
    return (
        f"Our support team is away right now; they work {hours.describe()} "
        f"and answer in order of arrival."
    )
