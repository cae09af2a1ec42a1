"""Whether people are at work right now, and how to say so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SupportHours:
    """When people answer: weekdays (0 = Monday), opening and closing time, time zone."""

    timezone: str = "UTC"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens: time = time(8, 0)
    closes: time = time(18, 0)

    def describe(self) -> str:
        """Human wording such as 'Mon–Fri 08:00–18:00 (Europe/London)'."""
        names = [DAY_NAMES[d].capitalize() for d in self.days]
        if len(names) > 2 and list(self.days) == list(range(self.days[0], self.days[-1] + 1)):
            span = f"{names[0]}–{names[-1]}"
        else:
            span = ", ".join(names)
        return f"{span} {self.opens:%H:%M}–{self.closes:%H:%M} ({self.timezone})"


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
