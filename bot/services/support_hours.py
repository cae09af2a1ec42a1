"""Whether people are at work right now, and how to say so."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.settings import SupportHours


def is_open(hours: SupportHours, now: datetime) -> bool:
    """True when `now` (timezone-aware) falls inside the support hours."""
    local = now.astimezone(ZoneInfo(hours.timezone))
    return local.weekday() in hours.days and hours.opens <= local.time() < hours.closes


def next_opening(hours: SupportHours, now: datetime) -> datetime:
    """When the team is next at work (now, if it is at work)."""
    zone = ZoneInfo(hours.timezone)
    local = now.astimezone(zone)
    if is_open(hours, now):
        return now
    for days_ahead in range(0, 8):
        day = (local + timedelta(days=days_ahead)).date()
        opening = datetime.combine(day, hours.opens, tzinfo=zone)
        if day.weekday() in hours.days and opening > local:
            return opening
    return now


def wait_sentence(hours: SupportHours, now: datetime, expected_minutes: int) -> str:
    """How long until a person answers, in words."""
    if is_open(hours, now):
        return f"Someone from our team usually answers within about {expected_minutes} minutes."
    opening = next_opening(hours, now)
    return (
        f"Our team is away right now; they'll pick this up when they're back "
        f"({opening:%A %H:%M}, {hours.timezone})."
    )
