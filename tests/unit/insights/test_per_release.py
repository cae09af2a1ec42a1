"""Per-release metrics, conversations by id and test stories, on hand-built events."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from bot.insights.metrics import compute_insights
from bot.insights.per_release import ReleaseInfo, compute_per_release
from bot.insights.reader import Conversation
from bot.insights.report import CHARTS, write_report
from bot.insights.story_writer import story_yaml
from bot.insights.transcript import conversation_turns, format_turns, turns_as_json

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc).timestamp()
RELEASES = [
    ReleaseInfo("20261101T000000Z-aaaaaaaa", "m-old", datetime(2026, 11, 1, tzinfo=timezone.utc)),
    ReleaseInfo("20261103T000000Z-bbbbbbbb", "m-new", datetime(2026, 11, 3, tzinfo=timezone.utc)),
]


def user(text: str, intent: str, confidence: float, model: str | None, at: float,
         entities: list | None = None) -> dict:  # fmt: skip
    ranking = [{"name": intent, "confidence": confidence}]
    if intent == "nlu_fallback":
        ranking.append({"name": "forgot_password", "confidence": confidence})
    return {
        "event": "user", "text": text, "timestamp": at,
        "parse_data": {"intent": {"name": intent, "confidence": confidence},
                       "intent_ranking": ranking, "entities": entities or []},
        "metadata": {"model_id": model} if model else {},
    }  # fmt: skip


def action(name: str, at: float) -> dict:
    return {"event": "action", "name": name, "timestamp": at}


def bot(text: str, utter: str, at: float) -> dict:
    return {"event": "bot", "text": text, "timestamp": at, "metadata": {"utter_action": utter}}


def conversation(sender: str, events: list[dict]) -> Conversation:
    first, last = events[0]["timestamp"], events[-1]["timestamp"]
    return Conversation(sender, events, datetime.fromtimestamp(first, tz=timezone.utc),
                        datetime.fromtimestamp(last, tz=timezone.utc))  # fmt: skip


def traffic() -> list[Conversation]:
    day = 86400
    old = [
        conversation(
            f"old-{i}",
            [
                user(
                    "i cant get in",
                    "nlu_fallback" if i < 2 else "cant_login",
                    0.2 if i < 2 else 0.9,
                    "m-old",
                    T0 + i,
                ),
                action("action_fallback_suggest" if i < 2 else "utter_ask_problem", T0 + i + 0.5),
                *([action("action_handoff_to_agent", T0 + i + 0.6)] if i == 0 else []),
            ],
        )
        for i in range(4)
    ]  # 4 conversations, 2 fallbacks, 1 handoff
    new = [
        conversation(
            f"new-{i}",
            [
                user(
                    "i cant get in",
                    "nlu_fallback" if i == 0 else "cant_login",
                    0.25 if i == 0 else 0.55 if i == 1 else 0.95,
                    "m-new",
                    T0 + 2 * day + i,
                ),
            ],
        )
        for i in range(5)
    ]  # 5 conversations, 1 fallback, 2 under 0.6
    legacy = [conversation("legacy", [user("hello", "greet", 0.99, None, T0 - day)])]
    return old + new + legacy


def test_rates_per_release() -> None:
    result = compute_per_release(traffic(), RELEASES)
    stats = {s.label: s for s in result.ordered()}
    old, new = stats["20261101T000000Z-aaaaaaaa"], stats["20261103T000000Z-bbbbbbbb"]
    assert (old.user_messages, old.fallback_messages, old.conversations) == (4, 2, 4)
    assert old.fallback_rate == 0.5 and old.handoff_rate == 0.25 and old.containment_rate == 0.75
    assert (new.user_messages, new.fallback_messages) == (5, 1)
    assert new.fallback_rate == 0.2
    assert new.low_confidence_rate == 2 / 5  # the fallback (0.25) and the 0.55
    assert stats["unknown"].user_messages == 1
    assert [s.label for s in result.ordered()][:2] == [r.release for r in RELEASES]


def test_an_unknown_model_id_is_named_by_its_id() -> None:
    result = compute_per_release([conversation("x", [user("hi", "greet", 0.9, "zzz-model", T0)])],
                                 RELEASES)  # fmt: skip
    assert [s.label for s in result.ordered()] == ["model zzz-model"]


def test_the_report_has_the_release_section_and_chart(tmp_path: Path) -> None:
    conversations = traffic()
    per_release = compute_per_release(conversations, RELEASES)
    insights = compute_insights(conversations, now=datetime(2026, 11, 6, tzinfo=timezone.utc))
    path = write_report(insights, tmp_path, per_release=per_release, retention_days=90)
    text = path.read_text()
    assert "## Per model release (live traffic)" in text
    row = next(ln for ln in text.splitlines() if "20261103T000000Z-bbbbbbbb" in ln)
    assert "20.0%" in row and "2026-11-03 00:00" in row
    assert (tmp_path / CHARTS["releases"]).stat().st_size > 1000
    assert "older than 90 days are deleted" in text


def test_turns_are_redacted_and_carry_intent_confidence_actions() -> None:
    conv = conversation("c-1", [
        {"event": "action", "name": "action_session_start", "timestamp": T0},
        bot("Hi! How can I help?", "utter_greet", T0 + 0.1),
        user("reset for jane.doe@corp.com please", "forgot_password", 0.87, "m-new", T0 + 1,
             [{"entity": "email", "value": "jane.doe@corp.com"}]),
        action("password_reset_form", T0 + 1.1),
        {"event": "slot", "name": "requested_slot", "value": "verification_answer",
         "timestamp": T0 + 1.2},
        user("SW1A 1AA", "inform", 0.7, "m-new", T0 + 2),
        bot("Thanks, jane.doe@corp.com", "utter_thanks", T0 + 2.1),
    ])  # fmt: skip
    turns = conversation_turns(conv)
    assert [t.number for t in turns] == [0, 1, 2]
    assert turns[0].replies == ["Hi! How can I help?"]
    assert turns[1].text == "reset for name@example.com please"
    assert (turns[1].intent, turns[1].confidence, turns[1].entities) == (
        "forgot_password", 0.87, ["email"])  # fmt: skip
    assert turns[1].actions == ["password_reset_form"]
    assert "SW1A" not in (turns[2].text or "")  # an answer to a verification question
    text = format_turns("c-1", turns, {"m-new": "20261103T000000Z-bbbbbbbb"})
    assert "jane.doe" not in text and "SW1A" not in text
    assert "intent forgot_password (0.87), entities email, 20261103T000000Z-bbbbbbbb" in text
    data = turns_as_json("c-1", turns, {"m-new": "R"})
    assert data["turns"][1]["release"] == "R" and data["conversation"] == "c-1"


def test_a_conversation_becomes_a_test_story() -> None:
    conv = conversation("c-2", [
        {"event": "action", "name": "action_session_start", "timestamp": T0},
        user("/greet", "greet", 1.0, "m", T0 + 1),
        action("utter_greet", T0 + 1.1),
        user("reset for jane@corp.com", "forgot_password", 0.9, "m", T0 + 2,
             [{"entity": "email", "value": "jane@corp.com"}]),
        action("password_reset_form", T0 + 2.1),
        {"event": "active_loop", "name": "password_reset_form", "timestamp": T0 + 2.2},
        {"event": "slot", "name": "email", "value": "jane@corp.com", "timestamp": T0 + 2.3},
        {"event": "slot", "name": "verification_answer", "value": "secret", "timestamp": T0 + 2.4},
        action("action_listen", T0 + 2.5),
    ])  # fmt: skip
    text = story_yaml(conv)
    assert "jane@corp.com" not in text and "secret" not in text
    story = yaml.safe_load(text)["stories"][0]
    assert story["story"].startswith("conversation c-2")
    assert story["steps"] == [
        {"intent": "greet"},
        {"action": "utter_greet"},
        {"user": "reset for [name@example.com](email)\n", "intent": "forgot_password"},
        {"action": "password_reset_form"},
        {"active_loop": "password_reset_form"},
        {"slot_was_set": [{"email": "name@example.com"}]},
    ]


def test_review_file_keeps_entities_and_links_the_conversation(tmp_path: Path) -> None:
    from bot.insights.metrics import review_items
    from bot.insights.report import write_review_yaml

    conv = conversation("conv 7/x", [
        user("reset pw for jane@corp.com on chrome", "nlu_fallback", 0.2, "m", T0,
             [{"entity": "email", "value": "jane@corp.com"},
              {"entity": "browser", "value": "chrome"},
              {"entity": "verification_answer", "value": "on"}]),
    ])  # fmt: skip
    out = tmp_path / "review.yml"
    write_review_yaml(review_items([conv]), out, {"forgot_password", "out_of_scope"})
    text = out.read_text()
    assert '"reset pw for [name@example.com](email) on [chrome](browser)"' in text
    assert "/inbox/conversations/conv%207%2Fx" in text
    assert "jane@corp.com" not in text
