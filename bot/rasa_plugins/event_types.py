"""Event classes found by name once (Rasa 3.6), installed in the Rasa server at import.

Rasa turns every stored or returned event back into an object through
`Event.resolve_by_type(name)`, which walks every subclass of `Event` (with `inspect` and
`abc` checks) until one has that `type_name`: a few per cent of the server's CPU per message
here (each load of a tracker, each action reply). The classes do not change while the
server runs, so the answer for a name is remembered once found; names it does not know, and
the `default`/`topic` cases, still go through Rasa's own function every time.

`install()` patches `Event.resolve_by_type` in this process; it is called by the project's
Rasa plug-ins (tracker store, lock store), and `SIGNIN_RASA_SPEEDUPS=0` leaves Rasa as it
is. Written against Rasa 3.6.21; tests/unit/rasa_plugins/test_event_types.py compares it
with Rasa's own lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.rasa_plugins.patching import patch_once

ORIGINAL: Callable[..., Any] | None = None


def remembering(original: Callable[..., Any]) -> Callable[..., Any]:
    """`original` (Rasa's lookup) with the classes it found kept by name."""
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        cls = original(type_name, default)
        if cls is not None and cls is not default and getattr(cls, "type_name", None) == type_name:
            found[type_name] = cls
        return cls

    return resolve_by_type


@patch_once
def install() -> bool:
    """Patch `Event.resolve_by_type` in this process; returns whether it is patched."""
    global ORIGINAL
    from rasa.shared.core.events import Event

    ORIGINAL = Event.resolve_by_type
    Event.resolve_by_type = staticmethod(remembering(Event.resolve_by_type))  # type: ignore[method-assign,assignment]
    return True
