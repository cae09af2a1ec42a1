"""The NLU parse cache: same text and model, same parse; secrets and new models never hit."""

from __future__ import annotations

from rasa.core.processor import MessageProcessor

from bot.rasa_plugins import parse_cache
from bot.rasa_plugins.parse_cache import ParseCache


class CountingParser:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> dict:
        self.calls += 1
        return {"text": text, "intent": {"name": "greet", "confidence": 0.9}, "entities": []}


def _parse(cache: ParseCache, parser: CountingParser, text: str, model: str = "m1",
           requested: str | None = None) -> dict:  # fmt: skip
    return cache.parse((model, text, True), cache.cacheable(text, requested),
                       lambda: parser(text))  # fmt: skip


def test_a_repeated_text_is_parsed_once_per_model() -> None:
    cache, parser = ParseCache(), CountingParser()
    first = _parse(cache, parser, "yes")
    assert _parse(cache, parser, "yes") == first
    assert parser.calls == 1 and cache.hits == 1
    _parse(cache, parser, "yes", model="m2")  # a new model parses again
    assert parser.calls == 2


def test_callers_get_their_own_copy() -> None:
    cache, parser = ParseCache(), CountingParser()
    _parse(cache, parser, "hi")["intent"]["full_retrieval_intent_name"] = "changed"
    assert "full_retrieval_intent_name" not in _parse(cache, parser, "hi")["intent"]


def test_secrets_and_answers_to_secret_prompts_are_never_kept() -> None:
    cache, parser = ParseCache(), CountingParser()
    for text, requested in [("my password is hunter22", None), ("481516", None),
                            ("Fluffy", "verification_answer"), ("hunter22", "email")]:  # fmt: skip
        _parse(cache, parser, text, requested=requested)
        _parse(cache, parser, text, requested=requested)
    assert len(cache) == 0 and cache.hits == 0 and parser.calls == 8


def test_texts_naming_an_email_address_are_never_kept() -> None:
    # a cached parse answers faster: that would tell whoever types an address whether
    # someone else typed it recently
    cache, parser = ParseCache(), CountingParser()
    for text in ["victim@example.com", "it's jane.doe@example.org thanks"]:
        _parse(cache, parser, text)
        _parse(cache, parser, text)
    assert len(cache) == 0 and cache.hits == 0 and parser.calls == 4


def test_long_texts_are_not_kept_and_the_cache_is_bounded() -> None:
    cache, parser = ParseCache(max_entries=3, max_text_chars=20), CountingParser()
    _parse(cache, parser, "x" * 21)
    for word in ["a", "b", "c", "d"]:
        _parse(cache, parser, word)
    assert len(cache) == 3
    _parse(cache, parser, "a")  # the oldest went first
    assert parser.calls == 6


def test_installed_over_rasas_parse() -> None:
    assert parse_cache.install()
    assert getattr(MessageProcessor._parse_message_with_graph, "_signin_parse_cache", False)
