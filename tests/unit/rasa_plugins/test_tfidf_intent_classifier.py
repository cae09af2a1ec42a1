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


FAQ = {
    "faq/password_case_sensitive": ["is the password case sensitive", "do capitals matter"],
    "faq/support_hours": ["when is support open", "what are your support hours"],
}


def _data_with_faq() -> TrainingData:
    messages = [
        Message(data={"text": text, "intent": intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    for full, texts in FAQ.items():
        intent = full.split("/")[0]
        messages += [
            Message(data={"text": t, "intent": intent, "intent_response_key": full}) for t in texts
        ]
    return TrainingData(messages)


def test_a_retrieval_intent_is_ranked_once_with_its_families_summed(tmp_path: Path) -> None:
    classifier = TfidfIntentClassifier.create(
        {}, LocalModelStorage(tmp_path), Resource("intents"), _context()
    )
    classifier.train(_data_with_faq())
    # learned per family: the fitted model knows both families, not one bare `faq`
    assert {"faq/password_case_sensitive", "faq/support_hours"} <= set(classifier._fitted.classes_)
    [message] = classifier.process([Message(data={"text": "is my password case sensitive"})])
    ranking = message.get("intent_ranking")
    names = [r["name"] for r in ranking]
    assert message.get("intent")["name"] == "faq"
    assert names.count("faq") == 1 and not any("/" in name for name in names)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert len(ranking) == 4


def test_families_can_be_switched_off(tmp_path: Path) -> None:
    classifier = TfidfIntentClassifier.create(
        {"retrieval_families": False}, LocalModelStorage(tmp_path), Resource("i"), _context()
    )
    classifier.train(_data_with_faq())
    assert "faq" in set(classifier._fitted.classes_)
    [message] = classifier.process([Message(data={"text": "what are your support hours"})])
    assert message.get("intent")["name"] == "faq"


def test_by_intent_sums_keyed_columns_and_passes_bare_ones() -> None:
    import numpy as np

    from bot.rasa_plugins.nlu.tfidf_intent_classifier import by_intent

    summed, intents = by_intent(
        np.array([[0.1, 0.2, 0.3, 0.4]]), ["faq/a", "greet", "faq/b", "deny"]
    )
    assert intents == ["deny", "faq", "greet"]
    assert summed[0].tolist() == pytest.approx([0.4, 0.4, 0.2])
