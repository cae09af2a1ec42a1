"""How this project's changes to a Rasa 3.6 process are switched on and applied once.

Each module of `bot.rasa_plugins` that replaces something inside Rasa exposes `install()`,
called whenever Rasa imports the tracker store or lock store of this project (so possibly
several times per process). `patch_once` turns a function that applies one patch into that
`install()`: it does nothing when `SIGNIN_RASA_SPEEDUPS=0` (to compare with stock Rasa), and
once the patch has applied, later calls return `True` without applying it again. A patch
that declines (returns `False`, e.g. a Rasa whose internals differ) is tried again next time.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable

log = logging.getLogger(__name__)

ENV_SWITCH = "SIGNIN_RASA_SPEEDUPS"


def enabled(env: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """Whether the speed-ups are on (`SIGNIN_RASA_SPEEDUPS`, on unless 0/false/no/off)."""
    value = (os.environ if env is None else env).get(ENV_SWITCH, "1")
    return value.strip().lower() not in {"0", "false", "no", "off"}


def patch_once(patch: Callable[[], bool]) -> Callable[[], bool]:
    """`patch` as an idempotent `install()` that honours `SIGNIN_RASA_SPEEDUPS`."""
    applied = False

    @functools.wraps(patch)
    def install() -> bool:
        nonlocal applied
        if applied:
            return True
        if not enabled():
            log.info("%s=0: %s left Rasa as it is", ENV_SWITCH, patch.__module__)
            return False
        applied = bool(patch())
        return applied

    return install
