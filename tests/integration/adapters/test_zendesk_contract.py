"""ZendeskHelpdesk against a local fake that speaks Zendesk's documented Tickets API."""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.adapters.http import Timeouts
from bot.adapters.zendesk import ZendeskHelpdesk, idempotency_key, subject
from bot.domain.model import Case, TranscriptLine
from bot.domain.ports import HelpdeskUnavailableError, TicketGoneError
from tests.http_fakes import FakeHTTPServer, RecordedRequest, Reply, local_session

TOKEN = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"
EMAIL = "signin-bot@example.com"
TICKET_ID = 35436
CREATE_PATH = "/api/v2/tickets.json"
TICKET_PATH = f"/api/v2/tickets/{TICKET_ID}.json"
# Customer text that must never reach a log line or an exception message.
SECRET_TEXT = "my-old-password-was-Hunter2"

AT = datetime(2024, 5, 14, 9, 14, 2, tzinfo=timezone.utc)
TRANSCRIPT = (
    TranscriptLine(AT, "customer", f"I can't sign in, {SECRET_TEXT} does not work"),
    TranscriptLine(AT.replace(second=3), "bot", "I'm sorry. Let's check your account."),
    TranscriptLine(AT.replace(minute=20, second=11), "agent", "Hi, this is Sam.\nI can help."),
)
TRANSCRIPT_TEXT = (
    f"[09:14:02] Customer: I can't sign in, {SECRET_TEXT} does not work\n"
    "[09:14:03] Assistant: I'm sorry. Let's check your account.\n"
    "[09:20:11] Agent: Hi, this is Sam. I can help."
)
SUMMARY = f"Locked out after failed sign-ins.\nVerification failed twice.\nSaid: {SECRET_TEXT}"


def make_case(**changes: Any) -> Case:
    """A handed-off case as the case service builds it; override any field."""
    case = Case(
        id=42,
        conversation_id="rest-5f2b9c7e",
        status="open",
        priority="high",
        reason="verification_failed",
        problem=f"Locked out, {SECRET_TEXT}",
        summary=SUMMARY,
        transcript=TRANSCRIPT,
        channel="rest",
        created_at=AT,
        updated_at=AT,
        delivery="pending",
    )
    return replace(case, **changes)


def zendesk_ticket(**changes: Any) -> dict[str, Any]:
    """A ticket as Zendesk's Tickets API returns it."""
    ticket = {
        "url": f"https://example.zendesk.com/api/v2/tickets/{TICKET_ID}.json",
        "id": TICKET_ID,
        "external_id": "rest-5f2b9c7e",
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": "2024-05-14T09:20:15Z",
        "updated_at": "2024-05-14T09:20:15Z",
        "type": None,
        "subject": "Sign-in help: Locked out",
        "raw_subject": "Sign-in help: Locked out",
        "description": "Locked out after failed sign-ins.",
        "priority": "high",
        "status": "new",
        "recipient": None,
        "requester_id": 20978392,
        "submitter_id": 20978392,
        "assignee_id": None,
        "organization_id": None,
        "group_id": 98738,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "has_incidents": False,
        "is_public": False,
        "due_at": None,
        "tags": ["handoff_verification_failed", "priority_high", "signin_assistant"],
        "custom_fields": [],
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "custom_status_id": 1500001234561,
        "brand_id": 360000123456,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }
    ticket.update(changes)
    return ticket


def zendesk_audit(body: str = "(note)") -> dict[str, Any]:
    """The audit Zendesk returns next to the ticket after a create or an update."""
    return {
        "id": 2127301143,
        "ticket_id": TICKET_ID,
        "created_at": "2024-05-14T09:20:15Z",
        "author_id": 20978392,
        "metadata": {"system": {"client": "signin-help-assistant/0.1"}, "custom": {}},
        "events": [
            {
                "id": 2127301163,
                "type": "Comment",
                "author_id": 20978392,
                "body": body,
                "public": False,
                "attachments": [],
                "audit_id": 2127301143,
            }
        ],
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
    }


def zendesk_error(error: str, description: str, **details: Any) -> dict[str, Any]:
    """Zendesk's error body."""
    body: dict[str, Any] = {"error": error, "description": description}
    if details:
        body["details"] = details
    return body


CREATED = Reply(
    201,
    {"ticket": zendesk_ticket(), "audit": zendesk_audit()},
    {"Location": f"https://example.zendesk.com{TICKET_PATH}", "x-idempotency-lookup": "miss"},
)
UPDATED = Reply(200, {"ticket": zendesk_ticket(), "audit": zendesk_audit()})
RATE_LIMITED = "Number of allowed API requests per minute exceeded"
SERVER_ERROR = zendesk_error("InternalServerError", "Something went wrong")
INVALID = zendesk_error(
    "RecordInvalid",
    "Record validation errors",
    subject=[{"description": f"Subject: is too long ({SECRET_TEXT})", "error": "TooLong"}],
)


TIMEOUTS = Timeouts(connect=1.0, read=1.0)


def make_helpdesk(url: str, timeouts: Timeouts = TIMEOUTS, **kwargs: Any) -> ZendeskHelpdesk:
    return ZendeskHelpdesk(local_session(), url, EMAIL, TOKEN, timeouts, **kwargs)


@pytest.fixture
def helpdesk(server: FakeHTTPServer) -> ZendeskHelpdesk:
    """The adapter with the production retry settings, pointed at the fake."""
    return make_helpdesk(server.url)


def sent(request: RecordedRequest) -> Any:
    return json.loads(request.body)


# --- creating a ticket ----------------------------------------------------------------------


def test_a_new_case_becomes_a_ticket_with_the_documented_shape(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("POST", CREATE_PATH, CREATED)
    server.script("PUT", TICKET_PATH, UPDATED)

    assert helpdesk.deliver(make_case()) == str(TICKET_ID)

    [create] = server.requests_to("POST", CREATE_PATH)
    assert sent(create) == {
        "ticket": {
            "subject": f"Sign-in help: Locked out, {SECRET_TEXT}",
            "comment": {"body": SUMMARY, "public": False},
            "priority": "high",
            "tags": ["signin_assistant", "handoff_verification_failed", "priority_high"],
            "external_id": "rest-5f2b9c7e",
            # No address known: a named end user for the conversation.
            "requester": {"name": "Chat customer rest-5f2"},
        }
    }
    credentials = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    assert create.headers["authorization"] == f"Basic {credentials}"
    assert create.headers["content-type"] == "application/json"
    assert create.headers["accept"] == "application/json"
    assert create.headers["user-agent"].startswith("signin-help-assistant/")
    assert create.headers["idempotency-key"] == idempotency_key(make_case())


def test_the_transcript_follows_as_an_internal_note(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("POST", CREATE_PATH, CREATED)
    server.script("PUT", TICKET_PATH, UPDATED)

    helpdesk.deliver(make_case())

    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", CREATE_PATH),
        ("PUT", TICKET_PATH),
    ]
    [note] = server.requests_to("PUT", TICKET_PATH)
    assert sent(note) == {"ticket": {"comment": {"body": TRANSCRIPT_TEXT, "public": False}}}
    assert note.headers["authorization"] == server.requests[0].headers["authorization"]
    assert "idempotency-key" not in note.headers


def test_a_case_without_turns_gets_no_transcript_note(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("POST", CREATE_PATH, CREATED)

    assert helpdesk.deliver(make_case(transcript=())) == str(TICKET_ID)

    assert [r.method for r in server.requests] == ["POST"]


@pytest.mark.parametrize(
    ("priority", "reason", "tags"),
    [
        ("normal", "customer_request", ["handoff_customer_request", "priority_normal"]),
        ("high", "fallback", ["handoff_fallback", "priority_high"]),
        ("urgent", "compromised", ["handoff_compromised", "priority_urgent"]),
    ],
)
def test_priority_and_tags_follow_the_case(
    server: FakeHTTPServer,
    helpdesk: ZendeskHelpdesk,
    priority: str,
    reason: str,
    tags: list[str],
) -> None:
    server.script("POST", CREATE_PATH, CREATED)
    server.script("PUT", TICKET_PATH, UPDATED)

    helpdesk.deliver(make_case(priority=priority, reason=reason))

    ticket = sent(server.requests_to("POST", CREATE_PATH)[0])["ticket"]
    assert ticket["priority"] == priority
    assert ticket["tags"] == ["signin_assistant", *tags]


def test_the_subject_is_one_line_and_cut_at_a_word() -> None:
    long_problem = "Cannot   sign in\nbecause " + "the code never arrives " * 10

    text = subject(long_problem)

    assert text.startswith("Sign-in help: Cannot sign in because the code never arrives")
    assert len(text) <= 120 and "\n" not in text and "  " not in text
    assert text.endswith("…") and not text.endswith(" …")
    assert subject("  ") == "Sign-in help: no description"


def test_the_idempotency_key_is_stable_per_case_and_conversation() -> None:
    case = make_case()

    assert idempotency_key(case) == idempotency_key(replace(case, summary="changed"))
    assert idempotency_key(case) != idempotency_key(replace(case, id=43))
    assert idempotency_key(case) != idempotency_key(replace(case, conversation_id="rest-other"))
    assert len(idempotency_key(replace(case, conversation_id="x" * 1000))) < 100


# --- adding to an existing ticket ------------------------------------------------------------


def test_an_existing_ticket_gets_a_note_with_summary_transcript_and_priority(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("PUT", TICKET_PATH, UPDATED)
    case = make_case(helpdesk_id=str(TICKET_ID), priority="urgent", summary="Now compromised.")

    assert helpdesk.deliver(case) == str(TICKET_ID)

    [update] = server.requests
    assert (update.method, update.path) == ("PUT", TICKET_PATH)
    assert sent(update) == {
        "ticket": {
            "comment": {"body": f"Now compromised.\n\n{TRANSCRIPT_TEXT}", "public": False},
            "priority": "urgent",
        }
    }


def test_a_503_on_an_update_is_retried_by_the_session(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("PUT", TICKET_PATH, Reply(503, SERVER_ERROR), UPDATED)

    assert helpdesk.deliver(make_case(helpdesk_id=str(TICKET_ID))) == str(TICKET_ID)

    assert len(server.requests) == 2


def test_a_deleted_ticket_is_gone(server: FakeHTTPServer, helpdesk: ZendeskHelpdesk) -> None:
    server.script("PUT", TICKET_PATH, Reply(404, zendesk_error("RecordNotFound", "Not found")))

    with pytest.raises(TicketGoneError, match="ticket not found"):
        helpdesk.deliver(make_case(helpdesk_id=str(TICKET_ID)))


def test_the_requester_is_the_customer_when_the_case_has_an_address(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("POST", CREATE_PATH, CREATED)
    server.script("PUT", TICKET_PATH, UPDATED)
    helpdesk.deliver(make_case(contact_email="customer@example.net"))
    [create] = server.requests_to("POST", CREATE_PATH)
    assert sent(create)["ticket"]["requester"] == {
        "name": "Chat customer rest-5f2", "email": "customer@example.net"}  # fmt: skip


def test_a_case_whose_ticket_was_deleted_is_closed_not_retried_forever(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk, container: Any
) -> None:
    from bot.services.handoff import TICKET_DELETED_NOTE, HandoffService

    server.script("PUT", TICKET_PATH, Reply(404, zendesk_error("RecordNotFound", "Not found")))
    kept = container.cases.save(replace(make_case(), id=0, delivery="pending"))
    container.cases.mark_delivered(kept.id, str(TICKET_ID))
    service = HandoffService(container.cases, helpdesk, container.settings.vendor.support_hours,
                             15, container.clock)  # fmt: skip
    closed = service.deliver_case(container.cases.get(kept.id))
    assert closed.status == "resolved" and closed.resolution_note == TICKET_DELETED_NOTE
    assert container.cases.get(kept.id).status == "resolved"


def test_a_ticket_id_that_is_not_a_number_is_never_sent(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    with pytest.raises(HelpdeskUnavailableError, match="invalid ticket id"):
        helpdesk.deliver(make_case(helpdesk_id="../users/1"))

    assert server.requests == []


# --- retrying the creation with its idempotency key ----------------------------------------


def test_429_with_retry_after_is_retried_once_with_the_same_key(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    limited = Reply(429, RATE_LIMITED, {"Retry-After": "1", "X-Rate-Limit-Remaining": "0"})
    server.script("POST", CREATE_PATH, limited, CREATED)
    server.script("PUT", TICKET_PATH, UPDATED)

    assert helpdesk.deliver(make_case()) == str(TICKET_ID)

    first, second = server.requests_to("POST", CREATE_PATH)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.body == second.body
    assert 0.9 <= second.at - first.at < 1.8
    assert len(server.requests_to("PUT", TICKET_PATH)) == 1


def test_429_asking_for_a_long_wait_fails_at_once(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("POST", CREATE_PATH, Reply(429, RATE_LIMITED, {"Retry-After": "93"}), CREATED)

    started = time.monotonic()
    with pytest.raises(HelpdeskUnavailableError, match="rate limited"):
        helpdesk.deliver(make_case())

    assert time.monotonic() - started < 0.5
    assert len(server.requests) == 1


def test_500_then_201_is_retried_with_the_same_key(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    server.script("POST", CREATE_PATH, Reply(500, SERVER_ERROR), CREATED)
    server.script("PUT", TICKET_PATH, UPDATED)

    assert helpdesk.deliver(make_case()) == str(TICKET_ID)

    first, second = server.requests_to("POST", CREATE_PATH)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


def test_lasting_5xx_gives_up_after_the_retries(server: FakeHTTPServer) -> None:
    helpdesk = make_helpdesk(server.url, create_retries=2, backoff=0.05)
    server.script("POST", CREATE_PATH, Reply(503, SERVER_ERROR))

    started = time.monotonic()
    with pytest.raises(HelpdeskUnavailableError, match="server error 503"):
        helpdesk.deliver(make_case())

    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 3
    assert len({r.headers["idempotency-key"] for r in server.requests}) == 1


def test_a_failed_note_keeps_the_case_pending_and_the_retry_reuses_the_ticket(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    replayed = Reply(201, CREATED.body, {"x-idempotency-lookup": "hit"})
    server.script("POST", CREATE_PATH, CREATED, replayed)
    server.script("PUT", TICKET_PATH, Reply(422, INVALID), UPDATED)

    with pytest.raises(HelpdeskUnavailableError, match="ticket rejected"):
        helpdesk.deliver(make_case())
    assert helpdesk.deliver(make_case()) == str(TICKET_ID)  # `cases retry`, minutes later

    first, second = server.requests_to("POST", CREATE_PATH)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.body == second.body
    assert len(server.requests_to("PUT", TICKET_PATH)) == 2


def test_a_key_reused_with_another_body_is_unavailable(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk
) -> None:
    conflict = zendesk_error(
        "IdempotentRequestError", "Request parameters don't match the given idempotency key"
    )
    server.script("POST", CREATE_PATH, Reply(400, conflict))

    with pytest.raises(HelpdeskUnavailableError, match="idempotency key conflict"):
        helpdesk.deliver(make_case())
    assert len(server.requests) == 1


# --- failures: fail closed ----------------------------------------------------------------


def test_rejected_credentials_are_unavailable_and_logged_without_secrets(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script("POST", CREATE_PATH, Reply(401, {"error": "Couldn't authenticate you"}))

    with pytest.raises(HelpdeskUnavailableError, match="credentials") as raised:
        helpdesk.deliver(make_case())

    errors = [r for r in caplog.records if r.name == "bot.adapters.zendesk"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    credentials = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    for secret in (TOKEN, EMAIL, credentials):
        assert secret not in caplog.text
        assert secret not in str(raised.value)
    assert len(server.requests) == 1  # a 401 is not retried


def test_forbidden_is_unavailable(server: FakeHTTPServer, helpdesk: ZendeskHelpdesk) -> None:
    forbidden = {"error": {"title": "Forbidden", "message": "You do not have access"}}
    server.script("PUT", TICKET_PATH, Reply(403, forbidden))

    with pytest.raises(HelpdeskUnavailableError, match="credentials"):
        helpdesk.deliver(make_case(helpdesk_id=str(TICKET_ID)))


def test_422_is_unavailable_and_not_retried(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script("POST", CREATE_PATH, Reply(422, INVALID), CREATED)

    with pytest.raises(HelpdeskUnavailableError, match="ticket rejected"):
        helpdesk.deliver(make_case())

    assert len(server.requests) == 1
    assert "RecordInvalid" in caplog.text and "subject" in caplog.text
    assert SECRET_TEXT not in caplog.text


@pytest.mark.parametrize("body", ["<html>Maintenance</html>", {"ticket": {}}, {"ticket": [1]}])
def test_an_answer_without_a_ticket_id_is_unavailable(
    server: FakeHTTPServer, helpdesk: ZendeskHelpdesk, body: object
) -> None:
    server.script("POST", CREATE_PATH, Reply(201, body))

    with pytest.raises(HelpdeskUnavailableError, match="unexpected response"):
        helpdesk.deliver(make_case())


@pytest.mark.parametrize(
    ("method", "path", "helpdesk_id"),
    [("POST", CREATE_PATH, None), ("PUT", TICKET_PATH, str(TICKET_ID))],
)
def test_read_timeout_fails_quickly_without_retry(
    server: FakeHTTPServer, method: str, path: str, helpdesk_id: str | None
) -> None:
    helpdesk = make_helpdesk(server.url, Timeouts(1.0, read=0.3))
    server.script(method, path, Reply(200, UPDATED.body, delay=3.0))

    started = time.monotonic()
    with pytest.raises(HelpdeskUnavailableError, match="ReadTimeout"):
        helpdesk.deliver(make_case(helpdesk_id=helpdesk_id))

    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1


def test_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = local_session(backoff=0.01)
    helpdesk = ZendeskHelpdesk(
        session, f"http://127.0.0.1:{port}", EMAIL, TOKEN, Timeouts(0.5, 0.5)
    )

    started = time.monotonic()
    with pytest.raises(HelpdeskUnavailableError, match="ConnectionError"):
        helpdesk.deliver(make_case())
    assert time.monotonic() - started < 1.0


def test_secrets_and_customer_text_never_reach_the_logs(
    server: FakeHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    helpdesk = make_helpdesk(server.url, Timeouts(1.0, 0.3), backoff=0.01)
    failures = [
        Reply(401, {"error": "Couldn't authenticate you"}),
        Reply(403, {"error": {"title": "Forbidden", "message": f"No access for {EMAIL}"}}),
        Reply(404, zendesk_error("RecordNotFound", "Not found")),
        Reply(422, INVALID),
        Reply(429, RATE_LIMITED, {"Retry-After": "93"}),
        Reply(500, zendesk_error("InternalServerError", f"Failed on {SECRET_TEXT}")),
        Reply(201, UPDATED.body, delay=1.0),
        Reply(201, f"not json {SECRET_TEXT}"),
    ]
    raised: list[Exception] = []
    for reply in failures:
        server.script("POST", CREATE_PATH, reply)
        server.script("PUT", TICKET_PATH, reply)
        for case in (make_case(), make_case(helpdesk_id=str(TICKET_ID))):
            try:
                helpdesk.deliver(case)
            except HelpdeskUnavailableError as exc:
                raised.append(exc)

    # All fail but the update that meets a 201 with a body it does not read.
    assert len(raised) == 2 * len(failures) - 1
    assert caplog.records, "the failures should have been logged"
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    for secret in (TOKEN, EMAIL, SECRET_TEXT, "Locked out", "Hunter2"):
        assert secret not in caplog.text
        assert secret not in ours
        assert all(secret not in str(exc) for exc in raised)
    assert TOKEN not in repr(helpdesk) and EMAIL not in repr(helpdesk)
