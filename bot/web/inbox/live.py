"""The inbox's live parts: server-sent events for the case list and for one conversation,
and the agent's reply and hand-back.

- `GET /inbox/events?status=...`: a `cases` event (JSON rows) whenever the list changes;
- `GET /inbox/cases/{id}/events`: `line` events (the conversation's new messages, read from
  the tracker store) and `case` events (status, who holds it, whether the assistant is
  paused); the browser's `Last-Event-ID` continues after the last line it has;
- `POST /inbox/cases/{id}/reply` and `/release`: through `LiveChatService`. A request that
  asks for JSON (the script) gets JSON; a plain form post is redirected back to the case.

Streams re-check the agent's session every few seconds (a disabled agent's stream ends),
end after `STREAM_SECONDS` (the browser reconnects) and when the server shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.domain.live_chat import ChatLine, NotLiveError, NotYourCaseError, chat_line
from bot.domain.model import AgentSession, Case, CaseConflictError, CaseNotFoundError
from bot.domain.ports import ConversationUnavailableError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.4
SESSION_CHECK_SECONDS = 5.0
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 30 * 60
SHUTDOWN_KEY = web.AppKey("inbox.shutdown", asyncio.Event)
UNAVAILABLE = (
    "The assistant could not be reached, so nothing was sent. Try again in a moment; "
    "if it keeps failing, follow up by email."
)


class ConversationFeed:
    """The conversation's messages from the tracker store, opened once the store exists."""

    def __init__(self, reader_factory: Callable[[], Any]) -> None:
        self._factory = reader_factory
        self._reader: Any = None

    def lines_after(self, conversation_id: str, after_id: int) -> tuple[int, list[ChatLine]]:
        """(the last event row read, the message lines among the events after `after_id`)."""
        if self._reader is None:
            try:
                self._reader = self._factory()
            except Exception:  # no tracker store yet (no conversation so far)
                return after_id, []
        lines, last = [], after_id
        for row_id, event in self._reader.events_after(conversation_id, after_id):
            last = row_id
            line = chat_line(row_id, event)
            if line is not None:
                lines.append(line)
        return last, lines


def case_json(case: Case) -> dict[str, Any]:
    """What the script needs of a case (every value is set as text, never as HTML)."""
    return {
        "id": case.id,
        "priority": case.priority,
        "problem": case.problem,
        "reason": case.reason.replace("_", " "),
        "status": case.status,
        "claimed_by": case.claimed_by or "–",
        "live": case.live,
        "created_at": case.created_at.isoformat(),
    }


def _sse(event: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n".encode()


async def _open_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    return response


class LiveRoutes:
    """Handlers for the live parts; `inbox` is the `_Inbox` of `app.py` (stores, sessions)."""

    def __init__(self, inbox: Any, feed: ConversationFeed, session_key: str) -> None:
        self.inbox = inbox
        self.feed = feed
        self.session_key = session_key

    async def _streaming(self, request: web.Request, started: float, checked: list[float]) -> bool:
        """Whether the stream goes on: session still valid, not too old, no shutdown."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if request.app[SHUTDOWN_KEY].is_set() or now - started > STREAM_SECONDS:
            return False
        if now - checked[0] >= SESSION_CHECK_SECONDS:
            checked[0] = now
            return await self.inbox.current_session(request) is not None
        return True

    async def case_list_events(self, request: web.Request) -> web.StreamResponse:
        """GET /inbox/events: the case list, sent again whenever it changes."""
        from bot.web.inbox.app import order_cases

        status = request.query.get("status") or None
        response = await _open_stream(request)
        loop = asyncio.get_running_loop()
        started = checked = loop.time()
        checks = [checked]
        last: Any = None
        beat = started
        try:
            while await self._streaming(request, started, checks):
                cases = order_cases(await asyncio.to_thread(self.inbox.cases.list, status))
                shown = [case_json(case) for case in cases]
                if shown != last:
                    await response.write(_sse("cases", shown))
                    last, beat = shown, loop.time()
                elif loop.time() - beat > HEARTBEAT_SECONDS:
                    await response.write(b": keep-alive\n\n")
                    beat = loop.time()
                await self._pause(request, 1.0)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def case_events(self, request: web.Request) -> web.StreamResponse:
        """GET /inbox/cases/{id}/events: new messages of the conversation, and case changes."""
        case = await self.inbox.load_case(request)
        if case is None:
            return self.inbox.not_found()
        try:
            after = int(request.headers.get("Last-Event-ID") or request.query.get("after") or 0)
        except ValueError:
            after = 0
        response = await _open_stream(request)
        loop = asyncio.get_running_loop()
        started = beat = loop.time()
        checks = [started]
        shown_case: Any = None
        try:
            while await self._streaming(request, started, checks):
                after, lines = await asyncio.to_thread(
                    self.feed.lines_after, case.conversation_id, after
                )
                for line in lines:
                    await response.write(_sse("line", line.as_json(), line.id))
                current = await asyncio.to_thread(self.inbox.cases.get, case.id)
                state = case_json(current)
                if state != shown_case:
                    await response.write(_sse("case", state))
                    shown_case = state
                if lines or loop.time() - beat > HEARTBEAT_SECONDS:
                    if not lines:
                        await response.write(b": keep-alive\n\n")
                    beat = loop.time()
                await self._pause(request, POLL_SECONDS)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    @staticmethod
    async def _pause(request: web.Request, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(request.app[SHUTDOWN_KEY].wait(), timeout=seconds)

    # --- agent actions ---------------------------------------------------------------------

    async def reply(self, request: web.Request) -> web.StreamResponse:
        """POST /inbox/cases/{id}/reply: the text goes to the customer's chat."""
        form = await request.post()
        text = form.get("text")
        return await self._act(
            request, lambda session, case: self.inbox.live_chat.reply(
                case.id, session.email, text if isinstance(text, str) else ""))  # fmt: skip

    async def release(self, request: web.Request) -> web.StreamResponse:
        """POST /inbox/cases/{id}/release: hand the chat back to the assistant."""
        return await self._act(
            request, lambda session, case: self.inbox.live_chat.release(case.id, session.email)
        )

    async def _act(
        self, request: web.Request, action: Callable[[AgentSession, Case], Case]
    ) -> web.StreamResponse:
        session: AgentSession = request[self.session_key]
        wants_json = "application/json" in request.headers.get("Accept", "")
        case = await self.inbox.load_case(request)
        if case is None:
            return self.inbox.not_found()
        error, status = None, 200
        try:
            case = await asyncio.to_thread(action, session, case)
        except ValueError as exc:
            error, status = str(exc).capitalize() + ".", 400
        except NotYourCaseError:
            error, status = "Claim the case first (another agent may hold it).", 409
        except (NotLiveError, CaseConflictError) as exc:
            error = "This case is resolved." if isinstance(exc, CaseConflictError) else str(exc)
            status = 409
        except CaseNotFoundError:
            return self.inbox.not_found()
        except ConversationUnavailableError:
            log.warning("case %s: the assistant could not be reached", case.id)
            error, status = UNAVAILABLE, 503
        if wants_json:
            body = {"ok": error is None, "error": error, "case": case_json(case)}
            return web.json_response(body, status=status)
        if error is None:
            return web.Response(status=303, headers={"Location": f"/inbox/cases/{case.id}"})
        return await self.inbox.case_response(session, case, status, reply_error=error)
