"""The FAQ (retrieval intent `faq`): every family has enough examples, one answer whose
placeholders are filled at session start and whose buttons lead into a flow, and the
held-out questions are not copies of training lines."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bot.services.conversation_facts import vendor_slot_values
from bot.settings import PROJECT_ROOT, load_settings

FAQ_FILE = PROJECT_ROOT / "data" / "nlu" / "faq.yml"
HELDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
MIN_EXAMPLES = 20


def _examples(blocks: list[dict[str, Any]]) -> dict[str, list[str]]:
    """intent -> example texts, entity annotations removed."""
    found: dict[str, list[str]] = {}
    for block in blocks:
        if "intent" not in block:
            continue
        lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
        found.setdefault(block["intent"], []).extend(
            re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line).strip().lower() for line in lines
        )
    return found


@pytest.fixture(scope="module")
def faq() -> dict[str, Any]:
    return yaml.safe_load(FAQ_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def families(faq: dict[str, Any]) -> dict[str, list[str]]:
    return {
        intent.split("/", 1)[1]: texts
        for intent, texts in _examples(faq["nlu"]).items()
        if intent.startswith("faq/")
    }


def test_at_least_25_families_each_with_enough_distinct_examples(
    families: dict[str, list[str]],
) -> None:
    assert len(families) >= 25
    for family, texts in families.items():
        assert len(set(texts)) >= MIN_EXAMPLES, family
        assert len(set(texts)) == len(texts), f"duplicate example in {family}"


def test_every_family_has_exactly_one_answer_and_no_answer_is_orphaned(
    faq: dict[str, Any], families: dict[str, list[str]]
) -> None:
    answered = {name.split("/", 1)[1] for name in faq["responses"]}
    assert answered == set(families)


def test_answers_use_only_vendor_placeholders_and_end_with_buttons_into_flows(
    faq: dict[str, Any],
) -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    filled = set(vendor_slot_values(load_settings({})))
    for name, variants in faq["responses"].items():
        for variant in variants:
            placeholders = set(re.findall(r"\{(\w+)\}", variant["text"]))
            assert placeholders <= filled, name
            assert variant.get("buttons"), f"{name} has no next step"
            for button in variant["buttons"]:
                intent = button["payload"].lstrip("/")
                assert button["payload"].startswith("/"), name
                assert intent in domain["intents"], (name, intent)


def test_no_vendor_brand_in_examples_or_answers(faq: dict[str, Any]) -> None:
    text = FAQ_FILE.read_text(encoding="utf-8").lower()
    assert load_settings({}).vendor.name.lower() not in text


def test_heldout_questions_are_not_training_lines(families: dict[str, list[str]]) -> None:
    heldout = _examples(yaml.safe_load(HELDOUT_FILE.read_text(encoding="utf-8"))["nlu"])
    held_families = {i.split("/", 1)[1] for i in heldout if i.startswith("faq/")}
    assert held_families == set(families)
    training = {text for texts in families.values() for text in texts}
    for intent, texts in heldout.items():
        if intent.startswith("faq/"):
            assert not set(texts) & training, intent
