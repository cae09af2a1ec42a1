"""A stored conversation as a Rasa test story, so a reviewed conversation can grow `tests/`.

`python -m bot insights stories --conversation ID` writes one story: each user message
(redacted and with email addresses masked, as everywhere in insights) with its intent and
its entities annotated where their value is in the text, button clicks as their intent,
then the actions, form activations and slot changes that followed. Answers to
verification questions and typed secrets are never written (the redacted text stands in,
and secret slots are left out), so such steps need editing before the story can pass.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any

import yaml

from bot.domain.dialogue import SECRET_SLOTS
from bot.domain.redaction import redact_reply
from bot.insights.metrics import is_button_click, mask_emails, user_intent
from bot.insights.reader import Conversation

QUIET_ACTIONS = frozenset({"action_listen", "action_session_start"})


def _annotate(text: str, entities: list[dict[str, Any]]) -> str:
    """`[value](entity)` for each entity whose (masked) value is in the text once."""
    for entity in entities:
        name, value = entity.get("entity"), entity.get("value")
        if not name or not isinstance(value, str) or name in SECRET_SLOTS:
            continue
        shown = mask_emails(value)
        if shown and text.count(shown) == 1 and f"[{shown}]" not in text:
            text = text.replace(shown, f"[{shown}]({name})")
    return text


def _slot_value(name: str, value: Any) -> Any:
    return mask_emails(value) if isinstance(value, str) else value


def story_steps(conversation: Conversation) -> list[dict[str, Any]]:
    """The steps of a test story (see the module docstring)."""
    steps: list[dict[str, Any]] = []
    requested: str | None = None
    started = False
    for event in conversation.events:
        kind = event.get("event")
        if kind == "user":
            started = True
            intent = user_intent(event) or "nlu_fallback"
            if is_button_click(event):
                steps.append({"intent": intent})
            else:
                text = mask_emails(redact_reply(event.get("text") or "", requested))
                entities = (event.get("parse_data") or {}).get("entities") or []
                steps.append({"user": _annotate(text, entities), "intent": intent})
        elif not started:
            continue  # session start and greeting before the customer said anything
        elif kind == "action" and event.get("name") not in QUIET_ACTIONS:
            steps.append({"action": event.get("name")})
        elif kind == "active_loop":
            steps.append({"active_loop": event.get("name")})
        elif kind == "slot":
            name = event.get("name")
            if name == "requested_slot":
                requested = event.get("value")
            if name and name not in SECRET_SLOTS:
                steps.append({"slot_was_set": [{name: _slot_value(name, event.get("value"))}]})
    return steps


class _Literal(str):
    """A user message written as a YAML block (`user: |`), like tests/test_stories.yml."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value) + "\n", style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def story_yaml(conversation: Conversation) -> str:
    """A `version: "3.1"` test story file with this one conversation."""
    steps = story_steps(conversation)
    for step in steps:
        if "user" in step:
            step["user"] = _Literal(step["user"])
    when = (
        f"{conversation.started_at.astimezone(timezone.utc):%Y-%m-%d}"
        if conversation.started_at
        else "unknown date"
    )
    document = {
        "version": "3.1",
        "stories": [{"story": f"conversation {conversation.sender_id} ({when})", "steps": steps}],
    }
    header = (
        "# Written by `python -m bot insights stories` from the tracker store. Check each\n"
        "# step (the reviewed intent, the expected actions) before adding it to tests/.\n"
    )
    return header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
