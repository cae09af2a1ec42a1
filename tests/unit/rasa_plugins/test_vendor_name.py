"""The vendor's name is left out of what the classifiers see, never out of the text kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu.tfidf_intent_classifier import TfidfIntentClassifier
from bot.rasa_plugins.nlu.vendor_name import (
    blanked,
    name_pattern,
    name_spans,
    without_vendor_name,
)
from bot.rasa_plugins.nlu.vendor_tokenizer import VendorAwareWhitespaceTokenizer
from bot.settings import get_settings

PATTERN = name_pattern("Acme Guard")


def test_the_name_is_found_in_any_case_spacing_and_possessive() -> None:
    for text in (
        "acme guard",
        "ACME GUARD",
        "Acme  Guard",
        "AcmeGuard",
        "Acme Guard's",
        "Acme Guard’s",
    ):
        assert name_spans(f"is my {text} account safe", PATTERN), text


def test_only_whole_words_are_the_name() -> None:
    for text in ("acme guardian", "xacme guard", "acme", "guard my account"):
        assert not name_spans(text, PATTERN), text


def test_blanking_keeps_every_other_character_where_it_was() -> None:
    text = "why do I need an Acme Guard account?"
    result = blanked(text, PATTERN)
    assert len(result) == len(text)
    assert result.split() == ["why", "do", "I", "need", "an", "account?"]
    assert result.index("account") == text.index("account")


def test_no_name_changes_nothing() -> None:
    assert name_pattern("  ") is None
    assert blanked("Acme Guard", None) == "Acme Guard"


def test_the_configured_name_comes_from_the_settings() -> None:
    name = get_settings().vendor.name
    assert without_vendor_name(f"what is my {name} account for").split() == [
        "what",
        "is",
        "my",
        "account",
        "for",
    ]


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def test_the_tokenizer_leaves_out_the_name_but_keeps_offsets(tmp_path: Path) -> None:
    tokenizer = VendorAwareWhitespaceTokenizer.create(
        VendorAwareWhitespaceTokenizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("tokens"),
        _context(),
    )
    name = get_settings().vendor.name
    text = f"why do I need an {name} account"
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in tokens] == ["why", "do", "I", "need", "an", "account"]
    assert tokens[-1].start == text.index("account")
    only_name = tokenizer.tokenize(Message(data={"text": name}), "text")
    assert [t.text for t in only_name] == name.split()  # never an empty message


def test_the_intent_classifier_ignores_the_name(tmp_path: Path) -> None:
    examples = {
        "forgot_password": ["i forgot my password", "reset my password please"],
        "greet": ["hello", "hi there", "good morning"],
    }
    data = TrainingData(
        [Message(data={"text": t, "intent": i}) for i, texts in examples.items() for t in texts]
    )
    classifier = TfidfIntentClassifier.create(
        {}, LocalModelStorage(tmp_path), Resource("intents"), _context()
    )
    classifier.train(data)
    name = get_settings().vendor.name
    plain, named = (
        Message(data={"text": "i forgot my password"}),
        Message(data={"text": f"{name} i forgot my {name} password"}),
    )
    classifier.process([plain, named])
    assert named.get("intent")["name"] == plain.get("intent")["name"]
    assert named.get("intent")["confidence"] == pytest.approx(plain.get("intent")["confidence"])
    assert named.get("text") == f"{name} i forgot my {name} password"
