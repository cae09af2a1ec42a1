"""Slots copied directly: the same copies `copy.copy` makes, and the same tracker states."""

from __future__ import annotations

import copy

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_plugins import slot_copy
from bot.settings import PROJECT_ROOT


def _generic_copy(slot: Slot) -> Slot:
    """What `copy.copy` does for an object without `__copy__`."""
    return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]


def _domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def test_every_slot_of_the_domain_copies_like_copy_copy() -> None:
    domain = _domain()
    assert len({type(s) for s in domain.slots}) >= 3  # text, bool, categorical, any ...
    for slot in domain.slots:
        slot.value = ["shared"] if slot.type_name == "any" else slot.value
        fast, generic = slot_copy.fast_copy(slot), _generic_copy(slot)
        assert type(fast) is type(generic) is type(slot)
        assert fast is not slot
        assert fast.__dict__ == generic.__dict__ == slot.__dict__
        assert fast.mappings is slot.mappings  # shallow, as copy.copy


def test_trackers_replay_to_the_same_states_with_and_without_the_patch() -> None:
    domain = _domain()
    events = [
        ActionExecuted("action_listen"),
        UserUttered("i forgot my password", {"name": "forgot_password", "confidence": 1.0}),
        ActionExecuted("password_reset_form"),
        SlotSet("requested_slot", "email"),
        ActionExecuted("action_listen"),
        UserUttered("me@example.com", {"name": "inform", "confidence": 1.0}),
        SlotSet("email", "me@example.com"),
    ]

    def states() -> list:
        tracker = DialogueStateTracker.from_events("s", events, domain.slots)
        return [tracker.copy().past_states(domain), tracker.current_slot_values()]

    assert slot_copy.install()
    patched = states()
    del Slot.__copy__  # type: ignore[attr-defined]
    try:
        plain = states()
    finally:
        Slot.__copy__ = slot_copy.fast_copy  # type: ignore[attr-defined]
    assert patched == plain
    assert patched[1]["email"] == "me@example.com"
