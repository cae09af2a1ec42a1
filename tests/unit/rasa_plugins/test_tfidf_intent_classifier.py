"""The TF-IDF intent classifier: trains, survives the model archive, ranks like Rasa's."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu.tfidf_intent_classifier import TfidfIntentClassifier

EXAMPLES = {
    "forgot_password": ["i forgot my password", "reset my password please", "lost my pasword"],
    "account_locked": ["my account is locked", "it says account locked", "locked out of acount"],
    "greet": ["hello", "hi there", "good morning"],
}


def _data() -> TrainingData:
    return TrainingData(
        [
            Message(data={"text": text, "intent": intent})
            for intent, texts in EXAMPLES.items()
            for text in texts
        ]
    )


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def test_trained_classifier_is_stored_and_loaded_from_the_archive(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intents")
    trained = TfidfIntentClassifier.create({}, storage, resource, _context())
    trained.train(_data())
    loaded = TfidfIntentClassifier.load({}, storage, resource, _context())

    [message] = loaded.process([Message(data={"text": "I forgot my passwrd"})])

    intent = message.get("intent")
    ranking = message.get("intent_ranking")
    assert intent["name"] == "forgot_password"
    assert ranking[0] == intent
    assert [r["name"] for r in ranking].count("forgot_password") == 1
    assert len(ranking) == 3
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert ranking == sorted(ranking, key=lambda r: r["confidence"], reverse=True)
    assert message.as_dict(only_output_properties=True)["intent"] == intent


def test_ranking_length_limits_the_ranking(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    classifier = TfidfIntentClassifier.create(
        {"ranking_length": 2}, storage, Resource("intents"), _context()
    )
    classifier.train(_data())
    [message] = classifier.process([Message(data={"text": "locked out"})])
    assert message.get("intent")["name"] == "account_locked"
    assert len(message.get("intent_ranking")) == 2


def test_messages_without_text_are_left_alone(tmp_path: Path) -> None:
    classifier = TfidfIntentClassifier.create(
        {}, LocalModelStorage(tmp_path), Resource("intents"), _context()
    )
    classifier.train(_data())
    [message] = classifier.process([Message(data={"text": ""})])
    assert message.get("intent") is None


def test_one_intent_is_not_enough_to_train(tmp_path: Path) -> None:
    classifier = TfidfIntentClassifier.create(
        {}, LocalModelStorage(tmp_path), Resource("intents"), _context()
    )
    with pytest.raises(ValueError, match="two intents"):
        classifier.train(TrainingData([Message(data={"text": "hi", "intent": "greet"})]))
