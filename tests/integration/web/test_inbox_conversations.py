"""The inbox's conversation page and the read-only analyst role, served for real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, insert

from bot.insights.reader import events_table
from tests.integration.web import test_inbox as base
from tests.integration.web.test_inbox import (
    AGENT,
    CSRF_FIELD,
    PASSWORD,
    Agent,
    RunningInbox,
    make_case,
)

# The served inbox and a signed-in agent, as the inbox's own tests use them.
inbox = base.inbox
agent = base.agent

ANALYST = "analyst@example.com"


@pytest.fixture
def tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A tracker store with one conversation whose customer typed HTML and an address."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    events_table.metadata.create_all(engine)
    events = [
        {"event": "user", "text": f"{base.IMG} reset for jane@corp.com", "timestamp": 1764583200.0,
         "parse_data": {"intent": {"name": "forgot_password", "confidence": 0.42},
                        "intent_ranking": [], "entities": [{"entity": "email", "value": "x"}]},
         "metadata": {"model_id": "m-1"}},
        {"event": "action", "name": "password_reset_form", "timestamp": 1764583201.0},
        {"event": "bot", "text": "Which address?", "timestamp": 1764583202.0,
         "metadata": {"utter_action": "utter_ask_email"}},
    ]  # fmt: skip
    with engine.begin() as conn:
        for event in events:
            conn.execute(insert(events_table).values(
                sender_id="conv <1>", type_name=event["event"], timestamp=event["timestamp"],
                data=json.dumps(event)))  # fmt: skip
    engine.dispose()
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    monkeypatch.setenv("SIGNIN_MODELS_DIR", str(tmp_path / "models"))
    return url


def _analyst(inbox: RunningInbox) -> Agent:
    inbox.agents.add(ANALYST, PASSWORD, role="analyst")
    client = requests.Session()
    assert inbox.sign_in(ANALYST, PASSWORD, client=client).status_code == 303
    page = client.get(f"{inbox.url}/inbox/", timeout=5)
    assert page.status_code == 200
    return Agent(client, CSRF_FIELD.search(page.text).group(1), inbox.url)


def test_conversation_page_is_redacted_and_escaped(tracker: str, agent: Agent) -> None:
    page = agent.get("/inbox/conversations/conv%20%3C1%3E")
    assert page.status_code == 200
    assert "<img" not in page.text and "&lt;img src=x" in page.text
    assert "jane@corp.com" not in page.text and "name@example.com" in page.text
    assert "forgot_password" in page.text and "(0.42)" in page.text
    assert "password_reset_form" in page.text and "Which address?" in page.text
    assert "Conversation conv &lt;1&gt;" in page.text


def test_lookup_and_unknown_conversation(tracker: str, agent: Agent) -> None:
    found = agent.get("/inbox/conversations", params={"id": "conv <1>"})
    assert found.status_code == 303
    assert found.headers["Location"] == "/inbox/conversations/conv%20%3C1%3E"
    assert agent.get("/inbox/conversations/nobody").status_code == 404
    assert agent.get("/inbox/conversations").status_code == 200


def test_conversation_page_needs_a_session(tracker: str, inbox: RunningInbox) -> None:
    response = requests.get(f"{inbox.url}/inbox/conversations/conv%20%3C1%3E",
                            allow_redirects=False, timeout=5)  # fmt: skip
    assert response.status_code == 303 and response.headers["Location"] == "/inbox/login"


def test_analysts_read_but_change_nothing(tracker: str, inbox: RunningInbox) -> None:
    analyst = _analyst(inbox)
    case = make_case(inbox)
    assert analyst.get("/inbox/conversations/conv%20%3C1%3E").status_code == 200
    assert analyst.get(f"/inbox/cases/{case.id}").status_code == 200
    refused = analyst.post(f"/inbox/cases/{case.id}/claim")
    assert refused.status_code == 403 and "Read-only account" in refused.text
    assert analyst.post(f"/inbox/cases/{case.id}/resolve", {"note": "x"}).status_code == 403
    assert inbox.cases.get(case.id).status == "open"
    assert analyst.post("/inbox/logout").status_code == 303  # signing out is allowed
    roles = {a.email: a.role for a in inbox.agents.list_agents()}
    assert roles == {AGENT: "agent", ANALYST: "analyst"}


def test_an_unknown_role_is_refused(inbox: RunningInbox) -> None:
    with pytest.raises(ValueError, match="role"):
        inbox.agents.add("x@example.com", PASSWORD, role="admin")
