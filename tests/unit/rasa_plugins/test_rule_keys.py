"""Remembered rule matches give the rules Rasa's own filter gives, for any history."""

from __future__ import annotations

import json
import random

from rasa.core.policies.rule_policy import RulePolicy

from bot.rasa_plugins import rule_keys


def _state(chooser: random.Random) -> dict:
    state: dict = {"prev_action": {"action_name": chooser.choice(["action_listen", "utter_a",
                                                                  "reset_form"])}}  # fmt: skip
    if chooser.random() < 0.6:
        state["user"] = {"intent": chooser.choice(["greet", "deny", "inform", "forgot"])}
    if chooser.random() < 0.3:
        state["active_loop"] = {"name": chooser.choice(["reset_form", "should_not_be_set"])}
    if chooser.random() < 0.3:
        state["slots"] = {"email": (1.0,)}
    return state


def _rules(chooser: random.Random) -> dict[str, str]:
    lookup = {}
    for n in range(40):
        states = [_state(chooser) for _ in range(chooser.randint(1, 4))]
        if chooser.random() < 0.2:
            states[0] = {}  # a conversation start
        lookup[json.dumps(states, sort_keys=True)] = f"utter_{n}"
    return lookup


def test_same_rules_as_rasas_filter_for_random_histories() -> None:
    chooser = random.Random(3)
    policy = object.__new__(RulePolicy)  # the filter uses no trained state but `lookup`
    original = rule_keys.ORIGINAL_FILTER or RulePolicy._get_possible_keys
    remembered = rule_keys.remembering(original)
    lookup = _rules(chooser)
    # histories share their newest states often, as conversations do
    tails = [[_state(chooser) for _ in range(chooser.randint(1, 5))] for _ in range(30)]
    for _ in range(400):
        history = [_state(chooser) for _ in range(chooser.randint(0, 6))]
        states = history + chooser.choice(tails)
        assert remembered(policy, lookup, states) == original(policy, lookup, states)
    table = policy._signin_rule_matches[id(lookup)]
    assert table.hits > 100 and table.longest == 4
    assert len(table._answers) <= rule_keys.MAX_ENTRIES


def test_the_answer_is_a_fresh_set_each_time() -> None:
    policy = object.__new__(RulePolicy)
    lookup = {json.dumps([{"prev_action": {"action_name": "action_listen"}}]): "utter_x"}
    remembered = rule_keys.remembering(rule_keys.ORIGINAL_FILTER or RulePolicy._get_possible_keys)
    states = [{"prev_action": {"action_name": "action_listen"}}]
    first = remembered(policy, lookup, states)
    first.clear()
    assert remembered(policy, lookup, states) == set(lookup)


def test_installed_over_rasas_filter() -> None:
    assert rule_keys.install()
    assert getattr(RulePolicy._get_possible_keys, "_signin_rule_keys", False)
    assert rule_keys.ORIGINAL_FILTER is not None
    assert not getattr(rule_keys.ORIGINAL_FILTER, "_signin_rule_keys", False)
