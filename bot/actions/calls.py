"""Calling services from actions without stalling the action server's event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from bot.domain.chat import RECEIVED_AT
from bot.domain.ports import IdentityUnavailableError, StatusUnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")

# The customer hears something within this many seconds, even when an API hangs.
ANSWER_WITHIN_SECONDS = 2.8


class ServiceUnavailable(RuntimeError):
    """An external system did not answer in time or answered with an error."""


async def call_service(function: Callable[..., T], *args: object) -> T:
    """Run a blocking service call in a worker thread, bounded by ANSWER_WITHIN_SECONDS.

    Raises ServiceUnavailable when an adapter reports an outage or the deadline passes
    (the worker finishes in the background; adapters have their own timeouts).
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(function, *args), ANSWER_WITHIN_SECONDS)
    except asyncio.TimeoutError as exc:
        log.error("%s took longer than %.1f s", getattr(function, "__qualname__", function),
                  ANSWER_WITHIN_SECONDS)  # fmt: skip
        raise ServiceUnavailable("timeout") from exc
    except (IdentityUnavailableError, StatusUnavailableError) as exc:
        log.error("%s failed: %s", getattr(function, "__qualname__", function), exc)
        raise ServiceUnavailable(str(exc)) from exc


def message_time(tracker: Any) -> float | None:
    """When the customer's latest message reached the Rasa server (wall-clock seconds), None
    when unknown: the arrival time our channels write into the message metadata, else the
    timestamp Rasa put on the user event (later: after the lock wait and the NLU). Used only
    to count time already spent towards a reply floor; a service never pads less than its
    work floor whatever this says."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        stamps = [event.get("timestamp"), (event.get("metadata") or {}).get(RECEIVED_AT)]
        known = [float(s) for s in stamps if isinstance(s, int | float) and not isinstance(s, bool)]
        return min(known) if known else None
    return None
