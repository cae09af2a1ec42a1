"""The FAQ family vote: the selector's and the regression's probabilities, averaged."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu.faq_family_vote import FaqFamilyVote, voted_ranking

EXAMPLES = {
    "faq/clear_cookies": ["how do i clear cookies", "wipe the cookies and cache", "delete cookies"],
    "faq/support_hours": ["when is support open", "what are your hours", "opening hours"],
}
RESPONSES = {
    "utter_faq/clear_cookies": [{"text": "Open the browser settings and clear cookies."}],
    "utter_faq/support_hours": [{"text": "Support is open on weekdays."}],
}


def _trained(tmp_path: Path) -> FaqFamilyVote:
    data = TrainingData(
        [
            Message(data={"text": t, "intent": "faq", "intent_response_key": key})
            for key, texts in EXAMPLES.items()
            for t in texts
        ]
        + [Message(data={"text": "hello", "intent": "greet"})],
        responses=RESPONSES,
    )
    storage, resource = LocalModelStorage(tmp_path), Resource("vote")
    context = ExecutionContext(GraphSchema({}), "test")
    FaqFamilyVote.create({}, storage, resource, context).train(data)
    return FaqFamilyVote.load({}, storage, resource, context)


def _selected(key: str, confidence: float, other: str) -> dict:
    return {
        "faq": {
            "response": {
                "responses": RESPONSES[f"utter_{key}"],
                "confidence": confidence,
                "intent_response_key": key,
                "utter_action": f"utter_{key}",
            },
            "ranking": [
                {"intent_response_key": key, "confidence": confidence},
                {"intent_response_key": other, "confidence": 1 - confidence},
            ],
        }
    }


def test_a_clear_regression_overrules_a_hesitant_selector(tmp_path: Path) -> None:
    vote = _trained(tmp_path)
    message = Message(
        data={
            "text": "why would clearing cookies help",
            "intent": {"name": "faq", "confidence": 0.9, "full_retrieval_intent_name": "x"},
            "response_selector": _selected("faq/support_hours", 0.55, "faq/clear_cookies"),
        }
    )
    vote.process([message])
    response = message.get("response_selector")["faq"]["response"]
    assert response["intent_response_key"] == "faq/clear_cookies"
    assert response["utter_action"] == "utter_faq/clear_cookies"
    assert response["responses"] == RESPONSES["utter_faq/clear_cookies"]
    assert message.get("intent")["full_retrieval_intent_name"] == "faq/clear_cookies"
    ranking = message.get("response_selector")["faq"]["ranking"]
    assert ranking[0]["intent_response_key"] == "faq/clear_cookies"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_a_sure_selector_keeps_its_answer_and_other_intents_are_untouched(
    tmp_path: Path,
) -> None:
    vote = _trained(tmp_path)
    message = Message(
        data={
            "text": "cookies hours",
            "intent": {"name": "greet", "confidence": 0.9},
            "response_selector": _selected("faq/support_hours", 0.99, "faq/clear_cookies"),
        }
    )
    vote.process([message])
    response = message.get("response_selector")["faq"]["response"]
    assert response["intent_response_key"] == "faq/support_hours"
    assert response["responses"] == RESPONSES["utter_faq/support_hours"]
    assert message.get("intent") == {"name": "greet", "confidence": 0.9}


def test_messages_without_selector_output_are_left_alone(tmp_path: Path) -> None:
    vote = _trained(tmp_path)
    message = Message(data={"text": "hello"})
    vote.process([message])
    assert message.get("response_selector") is None


def test_voted_ranking_weighs_both_sides() -> None:
    selector = [{"intent_response_key": "faq/a", "confidence": 0.6},
                {"intent_response_key": "faq/b", "confidence": 0.4}]  # fmt: skip
    assert voted_ranking(selector, {"faq/a": 0.0, "faq/b": 1.0}, 0.5)[0] == {
        "intent_response_key": "faq/b",
        "confidence": pytest.approx(0.7),
    }
    assert voted_ranking(selector, {"faq/b": 1.0}, 0.0)[0]["intent_response_key"] == "faq/a"
