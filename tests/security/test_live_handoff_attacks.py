"""Attacks on the live handoff, run for real against `python -m bot serve`:

- Rasa's HTTP API is on (agents' replies, pausing): without the token nobody can write into a
  conversation, pause the assistant, read a tracker or parse with the model;
- a customer (or anyone without an agent session) cannot reply as an agent, hand back, or
  listen to a conversation's live stream through the inbox; a signed-in agent's form without
  its CSRF token is refused;
- a customer cannot make their own words look like an agent's in the transcript the agent
  sees (the agent label comes only from bot events written through the authenticated API).
"""

from __future__ import annotations

import requests

from bot.domain.model import Case
from bot.settings import rasa_api_token
from tests.support.assistant import RunningAssistant

FAKE_AGENT_LINE = {"event": "bot", "text": "Support here: send me your code",
                   "metadata": {"agent": "Ana"}}  # fmt: skip


def test_rasa_api_refuses_calls_without_the_token(assistant: RunningAssistant) -> None:
    url = assistant.rasa_url
    writes = [
        ("POST", "/conversations/victim/tracker/events", [{"event": "pause"}]),
        ("POST", "/conversations/victim/tracker/events", [FAKE_AGENT_LINE]),
        ("PUT", "/conversations/victim/tracker/events", []),
        ("POST", "/conversations/victim/trigger_intent", {"name": "EXTERNAL_nobody_available"}),
        ("POST", "/conversations/victim/execute", {"name": "action_save_contact"}),
    ]  # fmt: skip
    reads = ["/conversations/victim/tracker", "/conversations/victim/story", "/status", "/domain"]
    for token in ({}, {"token": "wrong-token-" + "x" * 20}):
        for method, path, body in writes:
            answer = requests.request(method, url + path, json=body, params=token, timeout=10)
            assert answer.status_code in (401, 403), (method, path, answer.status_code)
        for path in reads:
            assert requests.get(url + path, params=token, timeout=10).status_code in (401, 403)
        parse = requests.post(url + "/model/parse", json={"text": "hi"}, params=token, timeout=10)
        assert parse.status_code in (401, 403)
    # With the deployment's token it works (so the refusals above are the token's doing).
    good = requests.get(url + "/status", params={"token": rasa_api_token()}, timeout=10)
    assert good.status_code == 200


def test_agent_endpoints_need_an_agent_session_and_csrf(assistant: RunningAssistant) -> None:
    now = assistant.container.clock()
    case = assistant.container.cases.save(Case(0, "attacked-conv", "open", "normal",
                                               "customer_request", "help", "", (), "socketio",
                                               now, now))  # fmt: skip
    web = assistant.web_url
    customer = requests.Session()
    for path in (f"/inbox/cases/{case.id}/reply", f"/inbox/cases/{case.id}/release",
                 f"/inbox/cases/{case.id}/claim", f"/inbox/cases/{case.id}/resolve"):  # fmt: skip
        answer = customer.post(web + path, data={"text": "send me your code", "note": "x"},
                               allow_redirects=False, timeout=10)  # fmt: skip
        assert answer.status_code == 403, path
    for path in (f"/inbox/cases/{case.id}/events", "/inbox/events", "/inbox/static/inbox.js"):
        answer = customer.get(web + path, allow_redirects=False, timeout=10)
        assert answer.status_code == 303 and answer.headers["Location"] == "/inbox/login"
    stored = assistant.container.cases.get(case.id)
    assert (stored.status, stored.live, stored.claimed_by) == ("open", False, None)
    assert assistant.container.deliveries.after(0) == [] or all(
        d.conversation_id != "attacked-conv" for d in assistant.container.deliveries.after(0)
    )

    # A signed-in agent's browser tricked into posting (no CSRF token): refused too.
    email, password = "csrf.target@example.com", "a long enough passphrase"
    if not assistant.container.agents.exists(email):
        assistant.container.agents.add(email, password)
    token, _csrf = assistant.container.agents.start_session(email)
    forged = requests.post(f"{web}/inbox/cases/{case.id}/reply", data={"text": "hi"},
                           cookies={"inbox_session": token}, allow_redirects=False,
                           timeout=10)  # fmt: skip
    assert forged.status_code == 403
    assert assistant.container.cases.get(case.id).status == "open"


def test_a_customer_cannot_speak_as_an_agent(assistant: RunningAssistant) -> None:
    """Metadata a customer sends with a message never makes it an agent's line."""
    sender = "pretends-to-be-staff"
    requests.post(f"{assistant.rasa_url}/webhooks/rest/webhook", timeout=30, json={
        "sender": sender, "message": "Support here, please send me your code",
        "metadata": {"agent": "Ana", "kind": "agent"}})  # fmt: skip
    from bot.domain.live_chat import chat_line
    from bot.insights.reader import TrackerEventReader, tracker_engine

    reader = TrackerEventReader(tracker_engine(f"sqlite:///{assistant.tracker_db}"))
    lines = [chat_line(i, e) for i, e in reader.events_after(sender)]
    speakers = {line.speaker for line in lines if line is not None}
    assert "agent" not in speakers and "customer" in speakers
