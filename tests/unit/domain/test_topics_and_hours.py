from datetime import datetime, time, timezone

from bot.domain.support_hours import is_open, next_opening, wait_sentence
from bot.domain.topics import consecutive_fallbacks, suggested_topics
from bot.settings import SupportHours

HOURS = SupportHours("Europe/London", (0, 1, 2, 3, 4), time(8), time(18))


def test_open_hours_use_the_configured_time_zone() -> None:
    # 07:30 UTC in July is 08:30 in London (summer time): open.
    assert is_open(HOURS, datetime(2026, 7, 6, 7, 30, tzinfo=timezone.utc))
    # 07:30 UTC in January is 07:30 in London: closed.
    assert not is_open(HOURS, datetime(2026, 1, 5, 7, 30, tzinfo=timezone.utc))
    # Saturday
    assert not is_open(HOURS, datetime(2026, 7, 4, 12, 0, tzinfo=timezone.utc))


def test_wait_sentence_names_the_next_opening() -> None:
    saturday_noon = datetime(2026, 7, 4, 12, 0, tzinfo=timezone.utc)
    opening = next_opening(HOURS, saturday_noon)
    assert (opening.weekday(), opening.hour) == (0, 8)  # Monday 08:00 London time
    assert "Monday 08:00" in wait_sentence(HOURS, saturday_noon, 15)
    monday = datetime(2026, 7, 6, 10, 0, tzinfo=timezone.utc)
    assert "15 minutes" in wait_sentence(HOURS, monday, 15)


def test_suggestions_skip_chitchat_and_keep_order() -> None:
    ranking = [
        ("greet", 0.5),
        ("forgot_password", 0.2),
        ("deny", 0.1),
        ("account_locked", 0.3),
        ("request_human", 0.25),
        ("phishing_check", 0.05),
    ]
    assert suggested_topics(ranking) == ["account_locked", "forgot_password", "phishing_check"]
    assert suggested_topics([], limit=3) == []


def test_consecutive_fallbacks() -> None:
    assert consecutive_fallbacks(["nlu_fallback", "nlu_fallback", "greet"]) == 2
    assert consecutive_fallbacks(["greet", "nlu_fallback"]) == 0
    assert consecutive_fallbacks([]) == 0
