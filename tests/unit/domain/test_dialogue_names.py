"""Every name the code relies on exists in domain.yml (a rename there fails here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from bot.domain import dialogue
from bot.domain.conversation import ANSWERS, TRIED
from bot.domain.topics import TOPIC_TITLES
from bot.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
RASA_BUILT_INS = {
    "action_listen", "action_restart", "action_session_start", "action_default_fallback",
    "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "action_back", "action_two_stage_fallback",
    "action_unlikely_intent", "action_extract_slots",
}  # fmt: skip
NAME = re.compile(r"^(utter|action)_[a-z0-9_]*[a-z0-9]$")
# Not names of responses or actions: keys of Rasa's event dicts and metadata.
NOT_NAMES = {"action_name", "utter_action", "action_endpoint"}
# The load benchmark builds another bot (the stock reference), with names of its own.
OTHER_BOTS = {"bot/modelops/bench_load.py"}


def _names_in_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        if str(path.relative_to(PROJECT_ROOT)) in OTHER_BOTS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and NAME.match(value) and value not in NOT_NAMES:
                found.setdefault(value, str(path.relative_to(PROJECT_ROOT)))
    return found


def _known() -> set[str]:
    responses = set(DOMAIN.get("responses") or {})
    for path in (PROJECT_ROOT / "data").rglob("*.yml"):
        responses |= set((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
    forms = set(DOMAIN.get("forms") or {})
    return responses | set(DOMAIN.get("actions") or []) | forms | RASA_BUILT_INS


def test_every_response_and_action_the_code_names_is_in_the_domain() -> None:
    known = _known()
    # f-string prefixes such as f"utter_question_{kind}" are checked by the tests of their
    # flows; whole names must exist.
    missing = {name: where for name, where in _names_in_code().items() if name not in known}
    assert missing == {}


def test_slots_and_intents_the_code_relies_on_are_in_the_domain() -> None:
    slots = set(DOMAIN["slots"])
    intents = set(DOMAIN["intents"]) | {dialogue.FALLBACK_INTENT}
    assert slots >= dialogue.SECRET_SLOTS | dialogue.ADDRESS_SLOTS
    assert {dialogue.AFFIRM, dialogue.DENY, dialogue.REQUEST_HUMAN} <= intents
    assert set(TOPIC_TITLES) <= intents
    assert set(ANSWERS) <= intents
    assert set(TRIED) <= _known()


def test_the_check_would_catch_a_rename(tmp_path: Path) -> None:
    assert NAME.match("utter_offer_unlock") and "utter_no_such_response" not in _known()
