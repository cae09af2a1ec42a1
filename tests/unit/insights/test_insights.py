"""Conversation insights on hand-built event lists: exact numbers, definitions, outputs."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.domain.redaction import ANSWER_REDACTED
from bot.insights.metrics import (
    DEFINITIONS,
    EXPORT_COLUMNS,
    compute_insights,
    review_items,
    summarise_conversation,
)
from bot.insights.reader import Conversation
from bot.insights.report import (
    CHARTS,
    Progress,
    domain_intents,
    export,
    utc_day,
    with_progress,
    write_report,
    write_review_yaml,
)

DAY1 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
DAY2 = datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)


class Clock:
    """Hands out increasing timestamps, one second apart, from a start."""

    def __init__(self, start: datetime) -> None:
        self.at = start.timestamp()

    def __call__(self) -> float:
        self.at += 1
        return self.at


def user(
    at: float,
    text: str,
    intent: str,
    confidence: float,
    ranking: list[tuple[str, float]] | None = None,
    **entities: str,
) -> dict[str, Any]:
    ranking = ranking or [(intent, confidence)]
    return {
        "event": "user", "timestamp": at, "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        },
    }  # fmt: skip


def bot(at: float, text: str, utter: str = "", buttons: bool = False) -> dict[str, Any]:
    data = {"buttons": [{"title": "Yes", "payload": "/affirm"}]} if buttons else {}
    return {"event": "bot", "timestamp": at, "text": text, "data": data,
            "metadata": {"utter_action": utter} if utter else {}}  # fmt: skip


def action(at: float, name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": at, "name": name}


def slot(at: float, name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def session_start(at: float) -> list[dict[str, Any]]:
    return [
        action(at, "action_session_start"),
        {"event": "session_started", "timestamp": at},
        action(at, "action_listen"),
    ]


def conversation(sender_id: str, events: list[dict[str, Any]]) -> Conversation:
    """Like the reader builds them: started/ended from the first and last event."""
    stamps = [datetime.fromtimestamp(e["timestamp"], tz=timezone.utc) for e in events]
    return Conversation(sender_id, events, stamps[0], stamps[-1])


def build_conversations() -> list[Conversation]:
    """Eight conversations over two days; the expected numbers are worked out in the tests."""
    t = Clock(DAY1)
    reset = [
        *session_start(t()),
        user(t(), "i forgot my password", "forgot_password", 0.95),
        action(t(), "password_reset_form"),
        slot(t(), "requested_slot", "email"),
        bot(t(), "What's the email address you sign in with?", "utter_ask_email"),
        user(t(), "it's alex@corp.example", "inform", 0.9),
        slot(t(), "requested_slot", None),
        action(t(), "action_request_password_reset"),
        bot(t(), "Done. If an account exists for alex@corp.example, a link is on its way."),
        user(t(), "thanks", "thankyou", 0.99),
        bot(t(), "You're welcome! Glad I could help.", "utter_you_are_welcome"),
    ]
    browser = [
        user(t(), "chrome says error 403", "browser_issue", 0.55,
             [("browser_issue", 0.55), ("cant_login", 0.3)]),
        action(t(), "action_browser_step"),
        bot(t(), "Clear the cache and reload."),
        bot(t(), "Did that fix it?", "utter_browser_step_helped", buttons=True),
        user(t(), "/deny", "deny", 1.0),
        bot(t(), "I've run out of steps.", "utter_browser_steps_exhausted"),
        bot(t(), "Would you like me to put you in touch with our support team?",
            "utter_offer_human", buttons=True),
        user(t(), "yes please", "affirm", 0.97),
        action(t(), "action_handoff_to_agent"),
        bot(t(), "I've passed your conversation to our support team.", "utter_handoff_done"),
    ]  # fmt: skip
    code = [
        user(t(), "i want to unlock my account", "account_locked", 0.92),
        slot(t(), "requested_slot", "verification_code"),
        bot(t(), "What's the code we sent?", "utter_ask_verification_code"),
        user(t(), "482913", "inform", 0.3),
        slot(t(), "requested_slot", None),
        bot(t(), "Thanks, that's confirmed.", "utter_verification_passed"),
    ]
    silent = session_start(t())
    t = Clock(DAY2)
    fallback = [
        user(t(), "blorp the widget", "nlu_fallback", 0.4,
             [("nlu_fallback", 0.4), ("out_of_scope", 0.3), ("cant_login", 0.2)]),
        action(t(), "action_fallback_suggest"),
        bot(t(), "Sorry, I'm not sure I understood. Is it one of these?",
            "utter_fallback_suggest", buttons=True),
        user(t(), "zzz my thing", "nlu_fallback", 0.4,
             [("nlu_fallback", 0.4), ("change_email", 0.35)]),
        action(t(), "action_fallback_suggest"),
        bot(t(), "Would you like to talk to a person?", "utter_fallback_offer_human",
            buttons=True),
        user(t(), "/request_human", "request_human", 1.0),
        action(t(), "action_handoff_to_agent"),
        bot(t(), "I've added this to your open case 7.", "utter_handoff_updated"),
    ]  # fmt: skip
    abandoned = [
        user(t(), "Blorp  the WIDGET!", "nlu_fallback", 0.4,
             [("nlu_fallback", 0.4), ("account_locked", 0.38)]),
        action(t(), "action_fallback_suggest"),
        bot(t(), "Is it one of these?", "utter_fallback_suggest", buttons=True),
        user(t(), "/account_locked", "account_locked", 1.0),
        bot(t(), "I can unlock it right away. Shall we do that?", "utter_offer_unlock"),
    ]  # fmt: skip
    csat = [
        user(t(), "hi", "greet", 0.98),
        user(t(), '/csat{"csat_score": "4"}', "csat", 1.0, csat_score="4"),
        user(t(), "5 stars", "csat", 0.45),
        slot(t(), "csat_score", 5),
        user(t(), "9", "csat", 0.7, csat_score="9"),
        bot(t(), "Is there anything else I can help you with?", "utter_anything_else",
            buttons=True),
    ]  # fmt: skip
    t = Clock(NOW - timedelta(minutes=10))
    recent = [
        user(t(), "hello", "greet", 0.99),
        bot(t(), "Hi! What's going on?", "utter_greet", buttons=True),
    ]
    return [
        conversation("c-reset", reset),
        conversation("c-browser", browser),
        conversation("c-code", code),
        conversation("c-silent", silent),
        conversation("c-fallback", fallback),
        conversation("c-abandoned", abandoned),
        conversation("c-csat", csat),
        conversation("c-recent", recent),
    ]


@pytest.fixture
def conversations() -> list[Conversation]:
    return build_conversations()


# --- metrics --------------------------------------------------------------------------


def test_counts_and_rates(conversations: list[Conversation]) -> None:
    insights = compute_insights(conversations, now=NOW)
    assert insights.conversations == 8
    assert insights.engaged_conversations == 7  # c-silent has no user message
    assert insights.user_messages == 18
    assert (insights.contained, insights.handoffs) == (5, 2)
    assert insights.containment_rate == pytest.approx(5 / 7)
    assert insights.handoff_rate == pytest.approx(2 / 7)
    assert insights.fallback_messages == 3
    assert insights.fallback_message_rate == pytest.approx(3 / 18)
    assert insights.fallback_conversations == 2
    assert insights.fallback_conversation_rate == pytest.approx(2 / 7)
    assert insights.abandoned == 1
    assert insights.abandonment_rate == pytest.approx(1 / 7)


def test_handoff_reasons_and_paths(conversations: list[Conversation]) -> None:
    insights = compute_insights(conversations, now=NOW)
    assert insights.handoff_reasons == {"unresolved": 1, "fallback": 1}
    assert dict(insights.top_handoff_paths()) == {
        ("browser_issue", "deny", "affirm"): 1,
        ("nlu_fallback", "nlu_fallback", "request_human"): 1,
    }


def test_csat_average_and_not_collected(conversations: list[Conversation]) -> None:
    insights = compute_insights(conversations, now=NOW)
    # "4" from the entity, 5 from the slot after "5 stars"; "9" is out of range.
    assert (insights.csat_responses, insights.csat_average) == (2, 4.5)
    without = compute_insights([c for c in conversations if c.sender_id != "c-csat"], now=NOW)
    assert (without.csat_responses, without.csat_average) == (0, None)


def test_top_intents_per_day(conversations: list[Conversation]) -> None:
    insights = compute_insights(conversations, now=NOW)
    assert insights.top_intents(2) == [("nlu_fallback", 3), ("csat", 3)]
    assert insights.intent_counts["greet"] == 2 and insights.intent_counts["inform"] == 2
    assert insights.days() == [date(2026, 3, 2), date(2026, 3, 3)]
    day1, day2 = (insights.intents_per_day[d] for d in insights.days())
    assert sum(day1.values()) == 8 and sum(day2.values()) == 10
    assert day1["inform"] == 2 and day2["nlu_fallback"] == 3 and day2["csat"] == 3
    assert insights.conversations_per_day == {date(2026, 3, 2): 3, date(2026, 3, 3): 4}
    assert insights.handoffs_per_day == {date(2026, 3, 2): 1, date(2026, 3, 3): 1}


def test_lowest_confidence_uses_typed_messages_and_the_predicted_intent(
    conversations: list[Conversation],
) -> None:
    insights = compute_insights(conversations, now=NOW)
    lowest = insights.lowest_confidence_intents(3, min_messages=2)
    # csat: 0.45 and 0.7 (the button click is left out); inform: 0.9 and 0.3;
    # account_locked: 0.38 (predicted under an nlu_fallback) and 0.92.
    assert [(i, n) for i, _, n in lowest] == [("csat", 2), ("inform", 2), ("account_locked", 2)]
    assert [m for _, m, _ in lowest] == pytest.approx([0.575, 0.6, 0.65])
    assert insights.lowest_confidence_intents() == []  # no intent has 3 typed messages


def test_abandonment_needs_an_open_question_past_the_timeout() -> None:
    asked = DAY1.timestamp()
    question = conversation(
        "q", [user(asked - 5, "locked", "account_locked", 0.9), bot(asked, "Shall we?")]
    )
    at_limit = DAY1 + timedelta(minutes=60)
    assert not summarise_conversation(question, at_limit).abandoned
    assert summarise_conversation(question, at_limit + timedelta(seconds=1)).abandoned
    assert summarise_conversation(question, at_limit, timedelta(minutes=30)).abandoned
    statement = conversation(
        "s", [user(asked - 5, "thanks", "thankyou", 0.9), bot(asked, "Glad I could help.")]
    )
    assert not summarise_conversation(statement, NOW).abandoned
    form = conversation(
        "f", [user(asked - 5, "reset", "forgot_password", 0.9),
              bot(asked, "Your email address please.", "utter_ask_email")]
    )  # fmt: skip
    assert summarise_conversation(form, NOW).abandoned
    answered = conversation("a", [*question.events, user(asked + 5, "yes", "affirm", 0.9)])
    assert not summarise_conversation(answered, NOW).abandoned


def test_a_bot_only_conversation_counts_for_nothing_but_conversations() -> None:
    silent = conversation("s", [bot(DAY1.timestamp(), "Hi! What's going on?", "utter_greet")])
    insights = compute_insights([silent], now=NOW)
    assert (insights.conversations, insights.engaged_conversations, insights.abandoned) == (1, 0, 0)
    assert insights.containment_rate is None and insights.fallback_message_rate is None


def test_every_reported_metric_is_defined() -> None:
    for name in (
        "conversation", "engaged_conversations", "user_messages", "handoff", "containment_rate",
        "handoff_rate", "handoff_reasons", "fallback_message_rate", "fallback_conversation_rate",
        "abandonment_rate", "csat", "top_intents", "lowest_confidence", "handoff_paths", "daily",
    ):  # fmt: skip
        assert DEFINITIONS[name].strip()
    assert "utter_handoff_done" in DEFINITIONS["handoff"]
    assert "action_handoff_to_agent" in DEFINITIONS["handoff"]
    assert "nlu_fallback" in DEFINITIONS["fallback_message_rate"]
    assert "action_fallback_suggest" in DEFINITIONS["fallback_conversation_rate"]


# --- review items ---------------------------------------------------------------------


def test_review_items(conversations: list[Conversation]) -> None:
    items = review_items(conversations, below=0.6)
    assert [(i.text, i.suggested_intent, i.confidence) for i in items] == [
        ("blorp the widget", "out_of_scope", 0.3),
        ("zzz my thing", "change_email", 0.35),
        ("5 stars", "csat", 0.45),
        ("chrome says error 403", "browser_issue", 0.55),
    ]
    by_text = {i.text: i for i in items}
    assert by_text["blorp the widget"].occurrences == 2  # "Blorp  the WIDGET!" too
    assert by_text["blorp the widget"].conversation_id == "c-fallback"
    assert by_text["zzz my thing"].reasons == ["fallback", "low_confidence", "handoff"]
    assert by_text["chrome says error 403"].reasons == ["low_confidence", "didnt_help", "handoff"]
    assert by_text["chrome says error 403"].intent == "browser_issue"
    # The verification code (0.3, asked while requested_slot was verification_code) never shows.
    assert all("482913" not in i.text for i in items)


def test_review_picks_the_topic_message_before_no_it_did_not_help() -> None:
    t = Clock(DAY1)
    events = [
        user(t(), "the code never arrives", "mfa_code_missing", 0.93),
        action(t(), "action_mfa_code_help"),
        bot(t(), "Did that help?", "utter_did_that_help", buttons=True),
        user(t(), "no", "deny", 0.99),
        user(t(), "my password is Hunter22! and it is refused", "wrong_credentials", 0.91),
        bot(t(), "Anything else?", "utter_anything_else"),
        user(t(), "no", "deny", 0.99),  # not an answer to a help question
    ]
    items = review_items([conversation("c", events)], below=0.6)
    assert [(i.text, i.reasons) for i in items] == [("the code never arrives", ["didnt_help"])]
    low = review_items([conversation("c", events)], below=0.95)
    assert "my password is [redacted] and it is refused" in [i.text for i in low]


# --- outputs --------------------------------------------------------------------------


def test_review_yaml_groups_by_known_intent_with_a_comment_per_example(
    conversations: list[Conversation], tmp_path: Path
) -> None:
    path = tmp_path / "review.yml"
    written = write_review_yaml(review_items(conversations, below=0.6), path)
    assert written == 4
    data = yaml.safe_load(path.read_text())
    assert data["version"] == "3.1"
    groups = {g["intent"]: [e["text"] for e in g["examples"]] for g in data["nlu"]}
    assert groups == {
        "browser_issue": ["chrome says error 403"],
        "change_email": ["zzz my thing"],
        "csat": ["5 stars"],
        "out_of_scope": ["blorp the widget"],
    }
    assert set(groups) <= domain_intents()
    # a suggestion that is not a domain intent goes under out_of_scope
    narrower = tmp_path / "narrow.yml"
    write_review_yaml(
        review_items(conversations, below=0.6), narrower, known_intents=domain_intents() - {"csat"}
    )
    narrow = yaml.safe_load(narrower.read_text())
    narrow_groups = {g["intent"]: [e["text"] for e in g["examples"]] for g in narrow["nlu"]}
    assert narrow_groups["out_of_scope"] == ["blorp the widget", "5 stars"]
    lines = path.read_text().splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith("- text:"):
            assert lines[index - 1].lstrip().startswith("# confidence ")
    assert "# confidence 0.30 · conversation c-fallback" in path.read_text()


def test_review_yaml_escapes_quotes_and_entity_brackets(tmp_path: Path) -> None:
    item = review_items(
        [conversation("c", [user(DAY1.timestamp(), 'is "[this](evil)" ok: yes', "x", 0.1)])]
    )
    path = tmp_path / "r.yml"
    write_review_yaml(item, path, known_intents={"out_of_scope"})
    example = yaml.safe_load(path.read_text())["nlu"][0]
    assert example["intent"] == "out_of_scope"
    assert example["examples"][0]["text"] == 'is "[this] (evil)" ok: yes'
    write_review_yaml([], path, known_intents={"out_of_scope"})
    assert yaml.safe_load(path.read_text())["nlu"] == []


def test_export_rows_jsonl_and_csv(conversations: list[Conversation]) -> None:
    code = [c for c in conversations if c.sender_id in ("c-reset", "c-code")]
    stream = io.StringIO()
    rows = export(code, "jsonl", stream)
    assert rows == sum(len(c.events) for c in code) == 19
    parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert all(tuple(row) == EXPORT_COLUMNS for row in parsed)
    first_user = next(r for r in parsed if r["type"] == "user")
    assert first_user == {
        "sender_id": "c-reset", "timestamp": "2026-03-02T10:00:02+00:00", "type": "user",
        "intent": "forgot_password", "confidence": 0.95, "action": None,
        "text": "i forgot my password",
    }  # fmt: skip
    texts = " ".join(r["text"] or "" for r in parsed)
    assert "alex@corp.example" not in texts and "name@example.com" in texts
    assert "482913" not in texts and ANSWER_REDACTED in texts
    assert "What's the code we sent?" in texts  # the bot's words are not redacted
    assert {"utter_ask_email", "action_request_password_reset"} <= {r["action"] for r in parsed}

    out = io.StringIO()
    formula = conversation("f", [user(DAY1.timestamp(), "=hyperlink(x)", "out_of_scope", 0.2)])
    assert export([formula], "csv", out) == 1
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table[0]["text"] == "'=hyperlink(x)" and table[0]["intent"] == "out_of_scope"
    with pytest.raises(ValueError, match="xml"):
        export([], "xml", io.StringIO())


def test_report_has_every_definition_and_its_charts(
    conversations: list[Conversation], tmp_path: Path
) -> None:
    insights = compute_insights(conversations, now=NOW)
    path = write_report(insights, tmp_path / "out", since=utc_day("2026-03-01"))
    text = path.read_text()
    assert path.name == "report.md"
    assert "Period: since 2026-03-01" in text
    assert "| containment rate | 71.4% (5 of 7) |" in text
    assert "| CSAT | 4.50 / 5 (2 responses) |" in text
    assert "`browser_issue` → `deny` → `affirm`" in text
    definitions = text.split("## Definitions", 1)[1]
    for definition in DEFINITIONS.values():
        assert definition in definitions
    for name in ("daily", "rates", "top_intents"):
        png = tmp_path / "out" / CHARTS[name]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"({CHARTS[name]})" in text
    # No intent has 3 typed messages: no lowest-confidence chart, and the report says so.
    assert not (tmp_path / "out" / CHARTS["lowest_confidence"]).exists()
    assert "Not enough typed messages" in text


def test_report_on_an_empty_store(tmp_path: Path) -> None:
    text = write_report(compute_insights([], now=NOW), tmp_path).read_text()
    assert "| CSAT | not collected |" in text and "No conversations in this period." in text
    assert not list(tmp_path.glob("*.png"))


def test_progress_counts_events_on_the_stream(conversations: list[Conversation]) -> None:
    stream = io.StringIO()
    progress = Progress(total=54, label="events read", stream=stream, enabled=True, interval=0)
    assert len(list(with_progress(conversations, progress))) == 8
    assert stream.getvalue().endswith("\n")
    last = stream.getvalue().rstrip("\n").split("\r")[-1]
    assert last == f"events read: [{'#' * 30}] 54/54 (100%)"
    quiet = io.StringIO()
    list(with_progress(conversations, Progress(54, "x", stream=quiet)))  # not a terminal
    assert quiet.getvalue() == ""
