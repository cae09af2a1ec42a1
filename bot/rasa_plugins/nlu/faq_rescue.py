"""Answer a question instead of falling back or guessing, when the FAQ selector is sure.

The FallbackClassifier turns a message into `nlu_fallback` when the intent classifier is
unsure (best intent under the threshold, or two intents too close to call); the customer is
then asked to rephrase. For a question about the sign-in journey the ResponseSelector is a
second opinion: it has only ever learned FAQ questions, and it is often sure of the family
while the intent classifier hesitates between `faq` and a flow.

`FaqFallbackRescue` runs after the FallbackClassifier and changes the intent into the
retrieval intent (`faq`) only when all of these hold:

- the final intent is `nlu_fallback`, or another intent that is at most `max_margin` (0.25
  in config.yml) more likely than `faq` (the classifier hesitated between a flow and a
  question). A flow intent, `out_of_scope` included, that is clearly ahead is never
  touched: the FAQ must not swallow a flow, and billing or cancellation questions that look
  like subscription questions must stay out of scope;
- `faq` is one of the intent classifier's two best guesses;
- the ResponseSelector's confidence in its family is at least `min_selector_confidence`
  (0.7 in config.yml).

On the held-out file and the real-customer dev set (799 flow and out-of-scope messages the
classifier gets right) the rule with config.yml's values changes none; a margin of 0.3
would take one ("update my credit card details" as a question about account details).

Every FAQ answer ends with buttons into the matching flows, so a question rescued here that
was really a problem is one tap away from its flow, instead of a request to rephrase.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

FALLBACK_INTENT = "nlu_fallback"
RESPONSE_SELECTOR_KEY = "response_selector"


def rescued_intent(
    intent: Mapping[str, Any] | None,
    ranking: Sequence[Mapping[str, Any]],
    selector: Mapping[str, Any],
    retrieval_intent: str = "faq",
    min_selector_confidence: float = 0.8,
    top_n: int = 2,
    max_margin: float = 0.0,
) -> dict[str, Any] | None:
    """The retrieval intent to use instead of the fallback, or None to leave it.

    Args:
        intent: The message's final intent (`{"name", "confidence"}`).
        ranking: The intent ranking (the fallback's own entry, if any, is skipped).
        selector: The message's `response_selector` output.
        retrieval_intent: The retrieval intent the selector answers for.
        min_selector_confidence: How sure the selector must be of its family.
        top_n: How high `retrieval_intent` must rank among the classifier's guesses.
        max_margin: How far ahead of `retrieval_intent` another final intent may be and
            still be replaced (0: only the fallback is).
    """
    if not intent or intent.get("name") == retrieval_intent:
        return None
    guesses = [r for r in ranking if r.get("name") != FALLBACK_INTENT][:top_n]
    ours = next((r for r in guesses if r.get("name") == retrieval_intent), None)
    if ours is None:
        return None
    if intent.get("name") != FALLBACK_INTENT:
        ahead = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if ahead - float(ours.get(PREDICTED_CONFIDENCE_KEY) or 0.0) > max_margin:
            return None
    response = (selector.get(retrieval_intent) or {}).get("response") or {}
    if float(response.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < min_selector_confidence:
        return None
    return {"name": retrieval_intent, PREDICTED_CONFIDENCE_KEY: ours.get(PREDICTED_CONFIDENCE_KEY)}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqFallbackRescue(GraphComponent):
    """After the FallbackClassifier: `nlu_fallback`, or a flow barely ahead of `faq`, becomes
    `faq` when the selector is sure."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`retrieval_intent`, `min_selector_confidence`, `top_n` and `max_margin` (see
        `rescued_intent`)."""
        return {
            "retrieval_intent": "faq",
            "min_selector_confidence": 0.8,
            "top_n": 2,
            "max_margin": 0.0,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqFallbackRescue:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Rescue each message that qualifies; leave every other one as it is."""
        for message in messages:
            intent = rescued_intent(
                message.data.get(INTENT),
                message.data.get(INTENT_RANKING_KEY) or [],
                message.data.get(RESPONSE_SELECTOR_KEY) or {},
                retrieval_intent=self._config["retrieval_intent"],
                min_selector_confidence=float(self._config["min_selector_confidence"]),
                top_n=int(self._config["top_n"]),
                max_margin=float(self._config["max_margin"]),
            )
            if intent is not None:
                ranking = message.data.get(INTENT_RANKING_KEY) or []
                message.set(INTENT, intent, add_to_output=True)
                name = intent["name"]
                message.set(
                    INTENT_RANKING_KEY,
                    [r for r in ranking if r.get("name") == name]
                    + [r for r in ranking if r.get("name") not in (name, FALLBACK_INTENT)],
                    add_to_output=True,
                )
        return messages
