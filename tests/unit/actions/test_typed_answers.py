"""Offers answered with text instead of the yes button: an address is kept, a code is not used."""

from __future__ import annotations

from typing import Any

import pytest

from bot.actions.password_reset import ActionTakeTypedEmail, ValidatePasswordResetForm
from bot.actions.typed_answers import typed_code
from bot.actions.verification import (
    ActionStartEmailChangeVerification,
    ActionStartUnlockVerification,
)
from bot.bootstrap import Container
from tests.unit.actions.test_actions import _slots, _user, make_tracker, run


def _typed(text: str, email_entity: str | None = None) -> Any:
    event = _user(text, "inform")
    if email_entity:
        event["parse_data"]["entities"] = [{"entity": "email", "value": email_entity}]
    return make_tracker(events=[event])


@pytest.mark.parametrize(
    ("text", "is_code"),
    [
        ("482913", True),
        ("482 913", True),
        ("code: 4829", True),
        ("my code is 48291377", True),
        ("123", False),
        ("my order 48291377 never came", False),
        ("ann@example.com", False),
    ],
)
def test_a_code_is_a_message_of_four_to_eight_digits(text: str, is_code: bool) -> None:
    assert typed_code(_typed(text)) is is_code


def test_an_address_typed_instead_of_yes_is_kept_for_the_reset_form(container: Container) -> None:
    events, messages = run(
        ActionTakeTypedEmail(), _typed("sure, it's Ann@Example.com", "Ann@Example.com")
    )
    assert _slots(events) == {"email": "ann@example.com"}
    assert messages == []
    # the form validates the kept address on activation like a typed one
    assert ValidatePasswordResetForm().validate_email("ann@example.com", None, None, {}) == {
        "email": "ann@example.com"
    }


def test_an_address_in_the_text_counts_without_an_entity(container: Container) -> None:
    events, _ = run(ActionTakeTypedEmail(), _typed("ann@example.com"))
    assert _slots(events) == {"email": "ann@example.com"}


def test_a_code_typed_too_early_is_not_used_and_the_customer_is_told(
    container: Container,
) -> None:
    events, messages = run(ActionTakeTypedEmail(), _typed("482913"))
    assert events == []
    assert [m["response"] for m in messages] == ["utter_code_not_asked_yet"]


def test_the_unlock_check_starts_with_the_typed_address(container: Container) -> None:
    events, messages = run(ActionStartUnlockVerification(), _typed("ann@example.com"))
    slots = _slots(events)
    assert slots["verification_purpose"] == "unlock"
    assert slots["email"] == "ann@example.com"  # the later SlotSet wins over the reset
    assert events[-1] == {"event": "slot", "timestamp": None, "name": "email",
                          "value": "ann@example.com"}  # fmt: skip
    assert messages == []


def test_the_unlock_check_ignores_a_code_typed_too_early(container: Container) -> None:
    events, messages = run(ActionStartUnlockVerification(), _typed("482913"))
    assert _slots(events)["email"] is None
    assert _slots(events)["verification_code"] is None
    assert [m["response"] for m in messages] == ["utter_code_not_asked_yet"]


def test_an_email_change_does_not_guess_which_address_was_typed(container: Container) -> None:
    events, _ = run(ActionStartEmailChangeVerification(), _typed("new@example.com"))
    assert _slots(events)["email"] is None
