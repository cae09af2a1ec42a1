"""The FAQ rescue: `nlu_fallback`, or a flow barely ahead of `faq`, becomes `faq` only when
the selector is sure."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.nlu.faq_rescue import FaqFallbackRescue, rescued_intent

FALLBACK = {"name": "nlu_fallback", "confidence": 0.3}


def _ranking(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [FALLBACK, *({"name": n, "confidence": c} for n, c in pairs)]


def _selector(confidence: float) -> dict[str, Any]:
    return {
        "faq": {"response": {"intent_response_key": "faq/support_hours", "confidence": confidence}}
    }


@pytest.mark.parametrize(
    ("ranking", "selector_confidence", "expected"),
    [
        # faq is DIET's best (but unsure) guess and the selector is sure: rescued
        (_ranking(("faq", 0.28), ("request_human", 0.25)), 0.9, "faq"),
        # faq is the runner-up: rescued
        (_ranking(("cant_login", 0.29), ("faq", 0.27)), 0.8, "faq"),
        # the selector is not sure enough
        (_ranking(("faq", 0.28), ("request_human", 0.25)), 0.79, None),
        # faq is only third
        (_ranking(("cant_login", 0.29), ("deny", 0.2), ("faq", 0.19)), 0.95, None),
    ],
)
def test_rescue_needs_faq_among_the_best_guesses_and_a_sure_selector(
    ranking: list[dict[str, Any]], selector_confidence: float, expected: str | None
) -> None:
    intent = rescued_intent(FALLBACK, ranking, _selector(selector_confidence))
    assert (intent or {}).get("name") == expected


@pytest.mark.parametrize("final", ["out_of_scope", "wrong_credentials", "faq"])
def test_an_intent_that_is_not_the_fallback_is_never_touched(final: str) -> None:
    ranking = [{"name": final, "confidence": 0.6}, {"name": "faq", "confidence": 0.3}]
    assert rescued_intent({"name": final, "confidence": 0.6}, ranking, _selector(0.99)) is None


def test_no_selector_output_means_no_rescue() -> None:
    assert rescued_intent(FALLBACK, _ranking(("faq", 0.29)), {}) is None


def test_component_sets_faq_with_its_own_confidence_and_drops_the_fallback_entry() -> None:
    message = Message(
        data={
            "text": "support hrs??",
            "intent": dict(FALLBACK),
            "intent_ranking": _ranking(("faq", 0.28), ("request_human", 0.25)),
            "response_selector": _selector(0.92),
        }
    )
    FaqFallbackRescue({}).process([message])
    assert message.get("intent") == {"name": "faq", "confidence": 0.28}
    assert [r["name"] for r in message.get("intent_ranking")] == ["faq", "request_human"]


def test_component_leaves_an_unsure_selector_alone() -> None:
    message = Message(
        data={
            "text": "hmm",
            "intent": dict(FALLBACK),
            "intent_ranking": _ranking(("faq", 0.28), ("deny", 0.25)),
            "response_selector": _selector(0.4),
        }
    )
    FaqFallbackRescue({"min_selector_confidence": 0.7}).process([message])
    assert message.get("intent") == FALLBACK


@pytest.mark.parametrize(
    ("best", "faq", "selector_confidence", "expected"),
    [
        # a flow barely ahead of faq, the selector sure: the question is answered
        (("forgot_email", 0.44), 0.40, 0.9, "faq"),
        (("out_of_scope", 0.44), 0.30, 0.85, "faq"),
        # clearly ahead: the flow (or out of scope) stays
        (("forgot_email", 0.50), 0.30, 0.99, None),
        # close, but the selector is not sure of a family
        (("forgot_email", 0.44), 0.40, 0.6, None),
    ],
)
def test_a_flow_barely_ahead_of_faq_gives_way_to_a_sure_selector(
    best: tuple[str, float], faq: float, selector_confidence: float, expected: str | None
) -> None:
    name, confidence = best
    ranking = [{"name": name, "confidence": confidence}, {"name": "faq", "confidence": faq}]
    intent = rescued_intent(
        {"name": name, "confidence": confidence},
        ranking,
        _selector(selector_confidence),
        max_margin=0.15,
    )
    assert (intent or {}).get("name") == expected


def test_the_margin_only_counts_when_faq_is_the_runner_up() -> None:
    ranking = [
        {"name": "cant_login", "confidence": 0.35},
        {"name": "account_locked", "confidence": 0.33},
        {"name": "faq", "confidence": 0.30},
    ]
    intent = rescued_intent(ranking[0], ranking, _selector(0.99), max_margin=0.15)
    assert intent is None


def test_component_puts_faq_first_when_it_overrules_a_flow() -> None:
    message = Message(
        data={
            "text": "is my login name the email?",
            "intent": {"name": "forgot_email", "confidence": 0.44},
            "intent_ranking": [
                {"name": "forgot_email", "confidence": 0.44},
                {"name": "faq", "confidence": 0.40},
                {"name": "change_email", "confidence": 0.06},
            ],
            "response_selector": _selector(0.95),
        }
    )
    FaqFallbackRescue({"max_margin": 0.15}).process([message])
    assert message.get("intent") == {"name": "faq", "confidence": 0.40}
    assert [r["name"] for r in message.get("intent_ranking")] == [
        "faq",
        "forgot_email",
        "change_email",
    ]
