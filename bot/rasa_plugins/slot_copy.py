"""Slots copied without `copy.copy`'s generic machinery (Rasa 3.6), installed at import.

Every `DialogueStateTracker` Rasa creates copies each slot of the domain with `copy.copy`
(`trackers.py`: `{slot.name: copy.copy(slot) for slot in slots}`), and Rasa creates many:
one per tracker load, one per action run (`tracker.copy()` replays the events into a fresh
tracker) and one per policy and prediction (`generate_all_prior_trackers`). `copy.copy` on a
plain object goes through `__reduce_ex__` and `copyreg`, ~5 µs a slot; with 24 slots that was
about 0.2 ms per tracker and 5-7 % of the Rasa server's CPU per message (py-spy under
`make bench-load`). Rasa's slot classes define no `__copy__`, `__slots__`, `__getstate__` or
`__setstate__`, so `copy.copy` makes a new instance of the same class whose `__dict__` is a
shallow copy of the original's: `fast_copy` does exactly that directly.

`install()` sets `Slot.__copy__` (inherited by every slot type); `SIGNIN_RASA_SPEEDUPS=0`
leaves Rasa as it is. tests/unit/rasa_plugins/test_slot_copy.py compares both copies.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_plugins.patching import patch_once


def fast_copy(slot: Any) -> Any:
    """What `copy.copy(slot)` returns for a slot: same class, shallow copy of its attributes."""
    new = object.__new__(type(slot))
    new.__dict__.update(slot.__dict__)
    return new


@patch_once
def install() -> bool:
    """Give Rasa's `Slot` (and so every slot type) `fast_copy` as `__copy__`."""
    from rasa.shared.core.slots import Slot

    for cls in _slot_classes(Slot):
        own = vars(cls)
        if own.get("__slots__") or any(
            name in own for name in ("__getstate__", "__setstate__", "__reduce_ex__", "__copy__")
        ):
            return False  # a Rasa that copies slots differently: leave it alone
    Slot.__copy__ = fast_copy  # type: ignore[attr-defined]
    return True


def _slot_classes(root: type) -> list[type]:
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found
