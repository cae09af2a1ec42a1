"""Scoring of the fresh FAQ questions, and the questions file itself (no trained model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.modelops.faq_fresh import (
    FreshQuestion,
    first_replies,
    load_questions,
    response_texts,
    score_questions,
)
from bot.settings import PROJECT_ROOT

FRESH_FILE = PROJECT_ROOT / "tests" / "nlu" / "faq_fresh.yml"
FAQ_FILE = PROJECT_ROOT / "data" / "nlu" / "faq.yml"
REPLIES = {
    "password_case_sensitive": "Yes, passwords are case-sensitive.",
    "what_is_account": "Your account holds your subscriptions.",
    "what_after_sign_in": "You land on the dashboard: subscriptions, devices.",
}


def _question(family: str, fact: str) -> FreshQuestion:
    return FreshQuestion("q", tuple(family.split("|")), (fact,))


def test_a_question_passes_with_its_family_and_the_key_fact() -> None:
    [result] = score_questions(
        [_question("password_case_sensitive", "CASE-SENSITIVE")],
        ["faq"],
        ["faq/password_case_sensitive"],
        REPLIES,
    )
    assert result.passed


def test_the_selector_only_counts_when_the_intent_is_faq() -> None:
    [result] = score_questions(
        [_question("password_case_sensitive", "case-sensitive")],
        ["wrong_credentials"],
        ["faq/password_case_sensitive"],
        REPLIES,
    )
    assert not result.right_family
    assert not result.passed


def test_another_family_or_a_missing_fact_fails() -> None:
    wrong_family, no_fact = score_questions(
        [_question("password_case_sensitive", "case"), _question("what_is_account", "billing")],
        ["faq", "faq"],
        ["faq/what_is_account", "faq/what_is_account"],
        REPLIES,
    )
    assert not wrong_family.passed
    assert no_fact.right_family and not no_fact.states_fact and not no_fact.passed


def test_an_alternative_family_is_judged_on_its_own_answer() -> None:
    passes, fails = score_questions(
        [
            _question("what_is_account|what_after_sign_in", "dashboard"),
            _question("what_is_account|what_after_sign_in", "dashboard"),
        ],
        ["faq", "faq"],
        ["faq/what_after_sign_in", "faq/what_is_account"],
        REPLIES,
    )
    assert passes.passed
    assert fails.right_family and not fails.passed


def test_a_flow_named_in_or_flow_passes_on_its_own_first_reply() -> None:
    question = FreshQuestion(
        "how long is a reset link good for",
        ("how_password_recovery_works",),
        ("minutes",),
        (("reset_email_missing", "utter_reset_email_tips"),),
    )
    responses = {"utter_reset_email_tips": "each link works for 30 minutes", "utter_x": "no"}
    passes, wrong_flow = score_questions(
        [question, question], ["reset_email_missing", "cant_login"], [None, None], {}, responses
    )
    assert passes.passed
    assert not wrong_flow.right_family


def test_load_questions_rejects_a_question_without_key_fact(tmp_path: Path) -> None:
    path = tmp_path / "fresh.yml"
    path.write_text("questions:\n  - {text: hi, family: a, key_fact: ''}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="key_fact"):
        load_questions(path)


# --- the questions file ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def questions() -> list[FreshQuestion]:
    return load_questions(FRESH_FILE)


def _norm(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).lower()
    return " ".join(re.sub(r"[^a-z0-9@' ]", " ", text).split())


def test_at_least_24_questions_covering_most_families(questions: list[FreshQuestion]) -> None:
    replies = first_replies(FAQ_FILE)
    assert len(questions) >= 24
    assert {f for q in questions for f in q.families} <= set(replies)
    assert len({q.family for q in questions}) >= 20


def test_every_key_fact_is_in_the_first_reply_of_each_accepted_family(
    questions: list[FreshQuestion],
) -> None:
    replies = {family: text.lower() for family, text in first_replies(FAQ_FILE).items()}
    responses = response_texts(PROJECT_ROOT / "domain.yml")
    for question in questions:
        texts = [replies[f] for f in question.families]
        texts += [responses[r].lower() for _intent, r in question.flows]
        for text in texts:
            assert any(fact.lower() in text for fact in question.key_facts), question.text


def test_fresh_questions_are_not_training_lines(questions: list[FreshQuestion]) -> None:
    training: set[str] = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in str(block.get("examples", "")).splitlines():
                training.add(_norm(line.strip()[2:]))
    assert not {_norm(q.text) for q in questions} & training
