"""Answers that take the same time whatever the account: padding to a minimum duration."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# A message time further back than this (or in the future) is not believed: clocks of two
# machines disagree, or the message waited in a queue; the full padding applies instead.
MAX_MESSAGE_AGE_SECONDS = 10.0


@dataclass(frozen=True)
class ReplyFloor:
    """How soon an answer that must not reveal an account may come.

    `after_message`: seconds after the customer's message reached the server; that is what a
    customer can measure (send, wait, read). Time the server spent before the account work
    (understanding the message, checking the address) counts towards it, so it is not paid
    twice. `after_work`: seconds after the account-dependent work started, whatever the
    message time: the work alone (lookup, token, queueing the mail; tens of milliseconds,
    `make bench-reset-timing`) stays hidden when the message waited long before it, or when
    its time is unknown or not believable.
    """

    after_message: float
    after_work: float = 0.0

    def __post_init__(self) -> None:
        if self.after_message < 0 or self.after_work < 0:
            raise ValueError("reply floors cannot be negative")

    @classmethod
    def from_ms(cls, after_message_ms: int, after_work_ms: int) -> ReplyFloor:
        """From settings in milliseconds; the work floor never exceeds the message floor."""
        return cls(after_message_ms / 1000, min(after_work_ms, after_message_ms) / 1000)

    def seconds_from_now(self, message_at: float | None, now: float) -> float:
        """How long the work that starts `now` must take at least (both wall-clock seconds)."""
        if message_at is None:
            return self.after_message
        waited = now - message_at
        if not 0 <= waited <= MAX_MESSAGE_AGE_SECONDS:
            return self.after_message
        return max(self.after_work, self.after_message - waited)


NO_FLOOR = ReplyFloor(0.0)


def padded(
    min_seconds: float,
    function: Callable[..., T],
    *args: object,
    sleep: Callable[[float], None] = time.sleep,
    timer: Callable[[], float] = time.perf_counter,
) -> T:
    """Run `function(*args)` and return no sooner than `min_seconds` after starting.

    The slow, account-dependent work (mail, identity-provider writes) is queued off the
    request path, so what remains is well below the padding and the reply time says nothing
    about whether an account exists.
    """
    started = timer()
    try:
        return function(*args)
    finally:
        remaining = min_seconds - (timer() - started)
        if remaining > 0:
            sleep(remaining)


def padded_after(
    floor: ReplyFloor,
    message_at: float | None,
    function: Callable[..., T],
    *args: object,
    wall: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`padded` with the minimum `floor` sets for a message that reached the server at
    `message_at` (wall-clock seconds, None when unknown)."""
    return padded(floor.seconds_from_now(message_at, wall()), function, *args, sleep=sleep)
