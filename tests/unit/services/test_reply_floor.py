"""Reply floors: time spent before the account work counts, the work floor always holds."""

from __future__ import annotations

import time

import pytest

from bot.services.timing import MAX_MESSAGE_AGE_SECONDS, ReplyFloor, padded_after

FLOOR = ReplyFloor(0.3, 0.15)


def test_an_unknown_message_time_gets_the_whole_floor() -> None:
    assert FLOOR.seconds_from_now(None, now=1000.0) == 0.3


def test_time_since_the_message_counts_towards_the_floor() -> None:
    assert FLOOR.seconds_from_now(1000.0, now=1000.1) == pytest.approx(0.2)


def test_the_work_floor_holds_however_long_the_message_waited() -> None:
    assert FLOOR.seconds_from_now(1000.0, now=1000.25) == 0.15
    assert FLOOR.seconds_from_now(1000.0, now=1005.0) == 0.15


@pytest.mark.parametrize("message_at", [1000.5, 1000.0 - MAX_MESSAGE_AGE_SECONDS - 1])
def test_a_message_time_in_the_future_or_long_past_is_not_believed(message_at: float) -> None:
    assert FLOOR.seconds_from_now(message_at, now=1000.0) == 0.3


def test_the_work_floor_never_exceeds_the_message_floor_and_none_is_negative() -> None:
    assert ReplyFloor.from_ms(300, 500) == ReplyFloor(0.3, 0.3)
    with pytest.raises(ValueError):
        ReplyFloor(-0.1)


def test_padding_after_a_message_waits_only_for_what_is_left() -> None:
    floor = ReplyFloor(0.2, 0.05)
    slept: list[float] = []
    now = time.time()
    assert padded_after(floor, now - 0.12, lambda: "done", wall=lambda: now,
                        sleep=slept.append) == "done"  # fmt: skip
    padded_after(floor, now - 5, lambda: None, wall=lambda: now, sleep=slept.append)
    assert slept[0] == pytest.approx(0.08, abs=0.01)  # 0.2 - 0.12 left, not the whole 0.2
    assert slept[1] == pytest.approx(0.05, abs=0.01)  # the work floor


def test_the_padding_really_waits() -> None:
    started = time.perf_counter()
    padded_after(ReplyFloor(0.2, 0.06), time.time() - 5, lambda: None)
    assert time.perf_counter() - started >= 0.06
