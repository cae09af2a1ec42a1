"""Every change this project makes inside a Rasa 3.6 server process, installed in one call.

The tracker store and the lock store, which every endpoints file of this project names, call
`install()` when Rasa imports them, so `rasa run`, `make run` and the production profile
all get: cheaper action calls (`action_client.py`), the parse cache (`parse_cache.py`),
remembered rule matches (`rule_keys.py`), event classes found once (`event_types.py`),
slots copied directly (`slot_copy.py`) and the session start in process
(`session_start.py`). Each is idempotent; `SIGNIN_RASA_SPEEDUPS=0` turns off all but the
action endpoint's shared secret (see `action_client.py`).
"""

from __future__ import annotations

from bot.rasa_plugins import (
    action_client,
    event_types,
    parse_cache,
    rule_keys,
    session_start,
    slot_copy,
)


def install() -> None:
    """Install every patch in this process (each one only once)."""
    action_client.install()
    parse_cache.install()
    rule_keys.install()
    event_types.install()
    slot_copy.install()
    session_start.install()
