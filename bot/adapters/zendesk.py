"""Zendesk as the external helpdesk, through the Support (Ticketing) API's Tickets endpoints.

`ZendeskHelpdesk` has the shape of `Helpdesk`. It receives its HTTP session, the account's
base URL (`https://example.zendesk.com`), an agent's email address, an API token and timeouts
from outside and never reads the environment itself. It authenticates with HTTP basic auth as
`{email}/token:{api_token}`.

A new case becomes a ticket (`POST /api/v2/tickets.json`) whose description is the case
summary, followed by an internal note holding the transcript (`PUT /api/v2/tickets/{id}.json`).
A case that already has a ticket gets one more internal note with the updated summary and the
transcript, and the ticket takes the case's priority. Every comment is an internal note
(`"public": false`): the customer never receives an email from these calls. The ticket's
requester is the customer: by the follow-up address when the case has one, otherwise a
named end user for the conversation. A ticket deleted in Zendesk (404 on an update) raises
`TicketGoneError`, and the case is closed instead of being retried forever. Agents' public
replies come back through the webhook in `bot.web.helpdesk_hooks`.

It fails closed: any network error, timeout, refused credentials, rate limit past our wait
budget, validation error, 5xx or answer we cannot read raises `HelpdeskUnavailableError`.
The caller then keeps the case `pending` in the built-in inbox, which always holds it, and
`python -m bot cases retry` delivers it later, so nothing is lost. Failing open (returning a
made-up ticket id, or reporting success after the ticket was created but its transcript note
was refused) would mark the case delivered while agents working in Zendesk never see it, or
see it without the conversation.

Retries. Creating a ticket is a POST, so the shared session never retries it after it may
have reached Zendesk. This adapter retries it itself, on 429 and 5xx only, because it sends
an `Idempotency-Key` derived from the case id and the conversation id: Zendesk answers a
repeat of the key with the first answer (`x-idempotency-lookup: hit`) instead of creating a
second ticket. Keys expire after two hours, so the same holds for a later `cases retry` that
comes within that window (e.g. after the transcript note failed); a retry after that may
create a second ticket when the first answer was lost. A read timeout is never retried here:
the customer may be waiting, and the next `cases retry` repeats the call with the same key.
The PUTs carry no key (Zendesk accepts none there); they are left to the session's retries,
which resend them only after a 429, a 5xx or a connection that could not be opened. A 5xx
that nevertheless took effect can leave the internal note twice on the ticket, which is
harmless, unlike a second ticket.

Nothing here logs the API token, the email address, a Zendesk error description (it may
quote what we sent) or any customer text.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from bot.adapters.http import RETRY_STATUSES, Timeouts, post_once
from bot.adapters.json_api import http_failure, transport_failure
from bot.domain.model import PRIORITIES, Case, TranscriptLine
from bot.domain.ports import HelpdeskUnavailableError, TicketGoneError

log = logging.getLogger(__name__)

# Our case priorities are Zendesk ticket priorities too (Zendesk also knows "low", unused).
ZENDESK_PRIORITIES = frozenset(PRIORITIES)
# TranscriptLine.speaker -> the label agents read in the note.
SPEAKERS = {"customer": "Customer", "bot": "Assistant", "agent": "Agent"}
SUBJECT_PREFIX = "Sign-in help: "
SUBJECT_MAX_CHARS = 120  # readable at a glance in a ticket list
TAG = "signin_assistant"
CREATE = "create ticket"  # the name of the POST in logs

__all__ = ["HelpdeskUnavailableError", "ZendeskHelpdesk"]


class ZendeskHelpdesk:
    """The external helpdesk kept in a Zendesk account.

    Args:
        session: A shared session (see `bot.adapters.http.make_session`); it must not retry
            POSTs by itself.
        base_url: The account URL, e.g. `https://example.zendesk.com`.
        email: The email address of the agent the API token belongs to.
        api_token: A Zendesk API token.
        timeouts: Connect and read timeouts for every call.
        create_retries: Retries of the ticket-creating POST after a 429 or a 5xx.
        max_wait: Seconds the POST may sleep between its attempts, in total; a `Retry-After`
            asking for more gives up at once.
        backoff: Seconds before the first retry after a 5xx (doubled for each next one),
            unless Zendesk sends `Retry-After`.
    """

    is_external = True

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        email: str,
        api_token: str,
        timeouts: Timeouts,
        *,
        create_retries: int = 2,
        max_wait: float = 3.0,
        backoff: float = 0.5,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        credentials = base64.b64encode(f"{email}/token:{api_token}".encode()).decode("ascii")
        self._headers = {
            "Authorization": f"Basic {credentials}",
            "Accept": "application/json",
        }
        self._timeouts = timeouts
        self._create_retries = max(0, create_retries)
        self._max_wait = max_wait
        self._backoff = backoff

    def __repr__(self) -> str:
        return f"ZendeskHelpdesk({self._base_url!r})"  # never the email address or the token

    def deliver(self, case: Case) -> str:
        """Create a ticket for `case`, or add an internal note to its ticket.

        Args:
            case: The case; `case.helpdesk_id` is its Zendesk ticket id once it has one.

        Returns:
            The Zendesk ticket id.

        Raises:
            HelpdeskUnavailableError: Zendesk did not take the case; deliver it again later.
        """
        if case.helpdesk_id:
            self._update(case, case.helpdesk_id)
            return case.helpdesk_id
        ticket_id = self._create(case)
        if case.transcript:
            # Raising here keeps the case pending although the ticket exists: the next
            # attempt replays the creation with the same key (same ticket) and adds the note.
            self._put(ticket_id, _note(transcript_text(case.transcript)), "add transcript")
        log.info("Zendesk ticket %s holds case %s", ticket_id, case.id)
        return ticket_id

    def _create(self, case: Case) -> str:
        """POST the new ticket, retrying 429/5xx with the same key; the new ticket's id."""
        body = {
            "ticket": {
                "subject": subject(case.problem),
                "comment": {"body": case.summary, "public": False},
                "priority": _priority(case),
                "tags": tags(case),
                "external_id": case.conversation_id,
                "requester": requester(case),
            }
        }
        headers = {**self._headers, "Idempotency-Key": idempotency_key(case)}
        url = f"{self._base_url}/api/v2/tickets.json"
        waited = 0.0
        attempt = 0
        while True:
            try:
                response = post_once(self._session, url, self._timeouts, headers=headers, json=body)
            except requests.RequestException as exc:
                raise _request_failed(CREATE, exc) from exc
            status = response.status_code
            if 200 <= status < 300:
                return _ticket_id(response)
            if status not in RETRY_STATUSES or attempt >= self._create_retries:
                raise _refused(response, CREATE)
            pause = _retry_after(response)
            if pause is None:
                pause = self._backoff * 2**attempt
            if waited + pause > self._max_wait:
                log.warning(
                    "Zendesk create ticket: HTTP %s, not waiting %.1fs (budget %.1fs)",
                    status,
                    pause,
                    self._max_wait,
                )
                raise _refused(response, CREATE)
            log.info("Zendesk create ticket: HTTP %s, retrying in %.1fs", status, pause)
            time.sleep(pause)
            waited += pause
            attempt += 1

    def _update(self, case: Case, ticket_id: str) -> None:
        """Add the updated summary and the transcript as one note; set the priority."""
        text = case.summary
        if case.transcript:
            text = f"{case.summary}\n\n{transcript_text(case.transcript)}"
        ticket = {**_note(text), "priority": _priority(case)}
        self._put(ticket_id, ticket, "update ticket")

    def _put(self, ticket_id: str, ticket: dict[str, Any], what: str) -> None:
        """PUT `{"ticket": ticket}` to the ticket; the session may retry it."""
        if not re.fullmatch(r"[0-9]{1,20}", ticket_id):
            log.error("Zendesk %s: %r is not a ticket id", what, ticket_id[:20])
            raise HelpdeskUnavailableError("zendesk: invalid ticket id")
        url = f"{self._base_url}/api/v2/tickets/{ticket_id}.json"
        try:
            response = self._session.put(
                url,
                headers=self._headers,
                json={"ticket": ticket},
                timeout=self._timeouts.as_tuple(),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise _request_failed(what, exc) from exc
        if not 200 <= response.status_code < 300:
            raise _refused(response, what)


def idempotency_key(case: Case) -> str:
    """The `Idempotency-Key` for creating `case`'s ticket: the same on every attempt.

    Built from the case id and the conversation id (hashed: a conversation id is free text
    and may be long), so two cases never share a key even when case ids restart from 1 in
    a new database.
    """
    digest = hashlib.sha256(f"{case.id}:{case.conversation_id}".encode()).hexdigest()
    return f"signin-case-{case.id}-{digest[:32]}"


def subject(problem: str) -> str:
    """ "Sign-in help: " and the problem on one line, cut at a word to fit the ticket list."""
    text = " ".join(problem.split()) or "no description"
    room = SUBJECT_MAX_CHARS - len(SUBJECT_PREFIX)
    if len(text) > room:
        cut = text[: room - 1]
        if " " in cut[room // 2 :]:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip(" ,.;:-") + "…"
    return SUBJECT_PREFIX + text


def requester(case: Case) -> dict[str, str]:
    """The ticket's requester: the customer by the follow-up address when we have one (then
    Zendesk emails them its public replies), else a named end user for this conversation."""
    name = f"Chat customer {case.conversation_id[:8]}"
    if case.contact_email:
        return {"name": name, "email": case.contact_email}
    return {"name": name}


def tags(case: Case) -> list[str]:
    """The ticket's tags: ours, the hand-off reason and the priority."""
    return [TAG, f"handoff_{_tag_part(case.reason)}", f"priority_{_tag_part(case.priority)}"]


def transcript_text(lines: tuple[TranscriptLine, ...]) -> str:
    """One line per turn, `[HH:MM:SS] Customer: text`.

    Line breaks inside a turn become spaces, so a customer cannot write a line that looks
    like an agent's or the assistant's turn.
    """
    return "\n".join(
        f"[{line.at:%H:%M:%S}] "
        f"{SPEAKERS.get(line.speaker, line.speaker.capitalize() or 'Unknown')}: "
        f"{' '.join(line.text.split())}"
        for line in lines
    )


def _note(text: str) -> dict[str, Any]:
    return {"comment": {"body": text, "public": False}}


def _tag_part(value: str) -> str:
    """Zendesk tags are lower case without spaces; keep letters, digits and underscores."""
    return re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_") or "unknown"


def _ticket_id(response: requests.Response) -> str:
    try:
        ticket_id = response.json()["ticket"]["id"]
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("Zendesk create ticket: unexpected response body")
        raise HelpdeskUnavailableError("zendesk: unexpected response") from exc
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id <= 0:
        log.warning("Zendesk create ticket: unexpected response body")
        raise HelpdeskUnavailableError("zendesk: unexpected response")
    return str(ticket_id)


def _retry_after(response: requests.Response) -> float | None:
    """Seconds `Retry-After` asks for; None without one; infinity when unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return float("inf")  # do not guess: give up
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _request_failed(what: str, exc: requests.RequestException) -> HelpdeskUnavailableError:
    return transport_failure("zendesk", HelpdeskUnavailableError, what, exc, log)  # type: ignore[return-value]


def _refused(response: requests.Response, what: str) -> HelpdeskUnavailableError:
    """The error for a non-2xx answer, logged without secrets or customer text."""
    status = response.status_code
    error, fields = _error_info(response)
    if status == 404 and what != CREATE:  # on the POST a 404 means a wrong base URL
        log.warning("Zendesk %s: ticket not found (HTTP 404 %s)", what, error)
        return TicketGoneError("zendesk: ticket not found")
    if status == 400 and error == "IdempotentRequestError":
        # The key was used in the last two hours with another body (the case changed
        # between attempts); the key expires and a later retry goes through.
        log.warning("Zendesk %s: idempotency key reused with a different ticket", what)
        return HelpdeskUnavailableError("zendesk: idempotency key conflict")
    if status == 422:
        log.warning("Zendesk %s: rejected (HTTP 422 %s, fields: %s)", what, error, fields)
        return HelpdeskUnavailableError("zendesk: ticket rejected")
    # Everything else maps as for every vendor (401/403, 429, 5xx, other).
    return http_failure("zendesk", HelpdeskUnavailableError, what, status, str(error or ""), log)  # type: ignore[return-value]


def _error_info(response: requests.Response) -> tuple[str, str]:
    """Zendesk's error name and the names of the invalid fields, never their descriptions.

    Error bodies look like `{"error": "RecordInvalid", "description": "...", "details":
    {"subject": [{"description": "..."}]}}`; descriptions may quote the values we sent.
    """
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):  # e.g. {"title": "Forbidden", "message": "..."}
        error = error.get("title")
    details = body.get("details")
    fields = ",".join(sorted(str(k)[:40] for k in details)) if isinstance(details, dict) else ""
    return (error[:60] if isinstance(error, str) else ""), fields


def _priority(case: Case) -> str:
    return case.priority if case.priority in ZENDESK_PRIORITIES else "normal"
