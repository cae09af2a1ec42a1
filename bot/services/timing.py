"""Answers that take the same time whatever the account: padding to a minimum duration."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


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
