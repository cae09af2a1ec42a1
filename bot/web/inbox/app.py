"""The built-in agent inbox: an aiohttp app that lists cases, lets agents claim them, chat
live with the customer (`live.py`), hand back to the assistant and resolve them.

Security model, in one place:
- every route except the sign-in page needs a session (the `inbox_session` cookie holds a
  random token, the database its SHA-256); without one a GET is sent to the sign-in page and
  anything else gets 403 — enforced by a middleware, so a new route is protected by default;
- every POST carries the session's CSRF token in a hidden field (compared in constant time);
  the sign-in form, which has no session yet, uses a double-submit cookie instead;
- at most `MAX_FAILED_LOGINS` failed sign-ins per email per `FAILED_LOGIN_WINDOW`, counted
  whether or not an agent has that email;
- every dynamic value on a page is HTML-escaped (see `pages.py`);
- every response carries a strict Content-Security-Policy, `nosniff`, no referrer and no caching;
- claiming, replying, handing back and resolving go through `LiveChatService`, which audits
  who did what.

Store calls are blocking (SQLAlchemy, argon2), so they run in worker threads.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.domain.clock import utcnow
from bot.domain.live_chat import NotYourCaseError
from bot.domain.model import (
    CASE_STATUSES,
    AgentSession,
    Case,
    CaseConflictError,
    CaseNotFoundError,
    priority_rank,
)
from bot.domain.ports import AgentStore, CaseStore, ConversationUnavailableError
from bot.services.live_chat import LiveChatService
from bot.web.inbox import conversations, pages
from bot.web.inbox.live import SHUTDOWN_KEY, UNAVAILABLE, ConversationFeed, LiveRoutes

SCRIPT_FILE = Path(__file__).resolve().parent / "inbox.js"

SESSION_COOKIE = "inbox_session"
LOGIN_CSRF_COOKIE = "inbox_login_csrf"
COOKIE_PATH = "/inbox"
LOGIN_PATH = "/inbox/login"
HOME_PATH = "/inbox/"
SESSION_MAX_AGE = 8 * 60 * 60  # seconds; the store ends sessions after 8 hours too
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
MAX_NOTE_LENGTH = 10_000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
WRONG_LOGIN = "The email or password is wrong."
TOO_MANY_LOGINS = (
    "Too many failed sign-ins for this email. Wait 15 minutes, then try again, "
    "or ask an administrator to check your account."
)
BAD_FORM = (
    "This form was missing its security token or the token was out of date. "
    "Go back, reload the page and try again."
)
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_PUBLIC_ROUTES = frozenset({"login_form", "login"})
_SESSION_KEY = "inbox.agent_session"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def order_cases(cases: list[Case]) -> list[Case]:
    """Open and claimed cases first, most urgent then oldest first; then resolved ones,
    most recently resolved first."""
    active = sorted(
        (case for case in cases if case.status != "resolved"),
        key=lambda case: (priority_rank(case.priority), case.created_at, case.id),
    )
    resolved = sorted(
        (case for case in cases if case.status == "resolved"),
        key=lambda case: (case.updated_at, case.id),
        reverse=True,
    )
    return active + resolved


def _same(given: object, expected: str) -> bool:
    """Constant-time comparison of a submitted token with the expected one."""
    if not isinstance(given, str) or not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _form_text(form: Mapping[str, object], name: str) -> str:
    """A text field of a posted form; empty when missing or a file."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)  # a page may bring a stricter policy


class _Inbox:
    """The request handlers, sharing the stores and options given to `create_app`."""

    def __init__(
        self,
        case_store: CaseStore,
        agent_store: AgentStore,
        live_chat: LiveChatService,
        feed: ConversationFeed,
        *,
        secure_cookies: bool,
        clock: Callable[[], datetime],
        title: str | None,
    ) -> None:
        self.cases = case_store
        self.agents = agent_store
        self.live_chat = live_chat
        self.feed = feed
        self.secure_cookies = secure_cookies
        self.clock = clock
        self.vendor = title

    # --- helpers ---------------------------------------------------------------------------

    def page(self, text: str, status: int = 200) -> web.Response:
        return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")

    def message(self, status: int, title: str, text: str, link: str = HOME_PATH) -> web.Response:
        return self.page(pages.message_page(title, text, vendor=self.vendor, link=link), status)

    def set_cookie(self, response: web.StreamResponse, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=self.secure_cookies,
        )

    async def current_session(self, request: web.Request) -> AgentSession | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            return None
        return await asyncio.to_thread(self.agents.session, token)

    async def load_case(self, request: web.Request) -> Case | None:
        try:
            return await asyncio.to_thread(self.cases.get, int(request.match_info["case_id"]))
        except CaseNotFoundError:
            return None

    def not_found(self) -> web.Response:
        return self.message(404, "Case not found", "There is no case with that number.")

    # --- middleware --------------------------------------------------------------------------

    @web.middleware
    async def require_agent(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every /inbox route but sign-in needs a session; every POST its CSRF token.

        Paths outside /inbox (the public demo page and widget files) are not the inbox's.
        """
        if request.match_info.route.name in _PUBLIC_ROUTES or not request.path.startswith("/inbox"):
            return await handler(request)
        session = await self.current_session(request)
        if session is None:
            if request.method in ("GET", "HEAD"):
                response = _redirect(LOGIN_PATH)
                if SESSION_COOKIE in request.cookies:
                    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
                return response
            return self.message(403, "Sign in first", "Sign in to the inbox first.", LOGIN_PATH)
        if request.method not in ("GET", "HEAD"):
            form = await request.post()
            if not _same(form.get("csrf_token"), session.csrf_token):
                return self.message(403, "Form refused", BAD_FORM)
        request[_SESSION_KEY] = session
        return await handler(request)

    # --- sign-in and sign-out ----------------------------------------------------------------

    def login_response(
        self, request: web.Request, status: int = 200, email: str = "", error: str | None = None
    ) -> web.Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not _TOKEN_SHAPE.fullmatch(token):
            token = secrets.token_urlsafe(32)
        response = self.page(
            pages.login_page(csrf_token=token, email=email, error=error, vendor=self.vendor),
            status,
        )
        self.set_cookie(response, LOGIN_CSRF_COOKIE, token, max_age=SESSION_MAX_AGE)
        return response

    async def login_form(self, request: web.Request) -> web.Response:
        """GET /inbox/login: the sign-in form (signed-in agents go to the list)."""
        if await self.current_session(request) is not None:
            return _redirect(HOME_PATH)
        return self.login_response(request)

    async def login(self, request: web.Request) -> web.Response:
        """POST /inbox/login: check the double-submit token, the throttle, the password."""
        form = await request.post()
        if not _same(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
            return self.message(403, "Form refused", BAD_FORM, LOGIN_PATH)
        email = _form_text(form, "email").strip()
        password = _form_text(form, "password")
        if not email or not password:
            return self.login_response(request, 401, email, WRONG_LOGIN)
        failures = await asyncio.to_thread(self.agents.failed_logins, email, FAILED_LOGIN_WINDOW)
        if failures >= MAX_FAILED_LOGINS:
            response = self.login_response(request, 429, email, TOO_MANY_LOGINS)
            response.headers["Retry-After"] = str(int(FAILED_LOGIN_WINDOW.total_seconds()))
            return response
        if not await asyncio.to_thread(self.agents.verify, email, password):
            await asyncio.to_thread(self.agents.record_failed_login, email)
            return self.login_response(request, 401, email, WRONG_LOGIN)
        token, _csrf = await asyncio.to_thread(self.agents.start_session, email)
        response = _redirect(HOME_PATH)
        self.set_cookie(response, SESSION_COOKIE, token, max_age=SESSION_MAX_AGE)
        response.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
        return response

    async def logout(self, request: web.Request) -> web.Response:
        """POST /inbox/logout: end the session and forget the cookie."""
        await asyncio.to_thread(self.agents.end_session, request.cookies[SESSION_COOKIE])
        response = _redirect(LOGIN_PATH)
        response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
        return response

    # --- cases -------------------------------------------------------------------------------

    async def home(self, _request: web.Request) -> web.Response:
        """GET /inbox: the list lives at /inbox/."""
        return _redirect(HOME_PATH)

    async def list_cases(self, request: web.Request) -> web.Response:
        """GET /inbox/?status=open|claimed|resolved: the list of cases."""
        session: AgentSession = request[_SESSION_KEY]
        status = request.query.get("status") or None
        if status is not None and status not in CASE_STATUSES:
            return self.message(
                400, "Unknown status", "Show open, claimed or resolved cases, or all of them."
            )
        cases = order_cases(await asyncio.to_thread(self.cases.list, status))
        return self.page(
            pages.case_list_page(
                cases,
                now=self.clock(),
                status_filter=status,
                agent=session.email,
                csrf_token=session.csrf_token,
                vendor=self.vendor,
            )
        )

    async def case_response(
        self,
        session: AgentSession,
        case: Case,
        status: int = 200,
        note: str = "",
        error: str | None = None,
        reply_error: str | None = None,
    ) -> web.Response:
        """The case page; for cases the agent can chat in, with the conversation so far."""
        can_chat = self.live_chat.can_chat(case)
        lines: tuple = ()
        if can_chat:
            _last, found = await asyncio.to_thread(self.feed.lines_after, case.conversation_id, 0)
            lines = tuple(found)
        return self.page(
            pages.case_page(
                case,
                now=self.clock(),
                agent=session.email,
                csrf_token=session.csrf_token,
                vendor=self.vendor,
                note=note,
                error=error,
                can_chat=can_chat,
                lines=lines,
                reply_error=reply_error,
            ),
            status,
        )

    async def show_case(self, request: web.Request) -> web.Response:
        """GET /inbox/cases/{id}: summary, details, forms, transcript."""
        case = await self.load_case(request)
        if case is None:
            return self.not_found()
        return await self.case_response(request[_SESSION_KEY], case)

    async def claim(self, request: web.Request) -> web.Response:
        """POST /inbox/cases/{id}/claim: take an open case."""
        session: AgentSession = request[_SESSION_KEY]
        case = await self.load_case(request)
        if case is None:
            return self.not_found()
        here = f"/inbox/cases/{case.id}"
        if (
            case.status == "claimed"
            and case.claimed_by == session.email
            and (case.live or not self.live_chat.can_chat(case))
        ):
            return _redirect(here)
        if case.status != "open" and case.claimed_by != session.email:
            who = f" by {case.claimed_by}" if case.claimed_by else ""
            return self.message(409, "Not claimed", f"Case #{case.id} is {case.status}{who}.", here)
        try:
            await asyncio.to_thread(self.live_chat.take_over, case.id, session.email)
        except (CaseConflictError, NotYourCaseError):  # another agent was faster
            return self.message(409, "Not claimed", f"Case #{case.id} was just taken.", here)
        except ConversationUnavailableError:
            return self.message(503, "Claimed, but not in the chat yet",
                                f"Case #{case.id} is yours. {UNAVAILABLE}", here)  # fmt: skip
        return _redirect(here)

    async def resolve(self, request: web.Request) -> web.Response:
        """POST /inbox/cases/{id}/resolve: close a case with a note (required)."""
        session: AgentSession = request[_SESSION_KEY]
        case = await self.load_case(request)
        if case is None:
            return self.not_found()
        here = f"/inbox/cases/{case.id}"
        if case.status == "resolved":
            return self.message(409, "Already resolved", f"Case #{case.id} is resolved.", here)
        note = _form_text(await request.post(), "note").strip()
        if not note:
            return await self.case_response(
                session, case, 400, error="Write a note before resolving."
            )
        if len(note) > MAX_NOTE_LENGTH:
            error = f"Keep the note under {MAX_NOTE_LENGTH} characters."
            return await self.case_response(session, case, 400, note=note, error=error)
        try:
            await asyncio.to_thread(self.live_chat.resolve, case.id, session.email, note)
        except NotYourCaseError:
            return self.message(409, "Not resolved",
                                f"Case #{case.id} is held by {case.claimed_by}.", here)  # fmt: skip
        except CaseConflictError:
            return self.message(409, "Already resolved", f"Case #{case.id} is resolved.", here)
        except ConversationUnavailableError:
            return self.message(503, "Not resolved", UNAVAILABLE, here)
        return _redirect(here)

    async def script(self, _request: web.Request) -> web.Response:
        """GET /inbox/static/inbox.js: the live list and chat (same origin for the CSP)."""
        return web.Response(text=SCRIPT_FILE.read_text(encoding="utf-8"),
                            content_type="application/javascript")  # fmt: skip


def create_app(
    case_store: CaseStore,
    agent_store: AgentStore,
    live_chat: LiveChatService,
    feed: ConversationFeed,
    *,
    secure_cookies: bool = False,
    clock: Callable[[], datetime] = utcnow,
    title: str | None = None,
) -> web.Application:
    """The inbox web app; every route lives under /inbox.

    Args:
        case_store: where cases are read and changed (`SqlCaseStore`).
        agent_store: agents, sessions and the sign-in throttle (`SqlAgentStore`).
        live_chat: claims, replies, hand-backs and resolutions (`LiveChatService`).
        feed: the conversations' messages (from the tracker store) for the live chat.
        secure_cookies: mark cookies Secure (set it whenever the inbox is served over HTTPS).
        clock: returns the timezone-aware current time (for case ages).
        title: the vendor name shown in page headers; none when not given.
    """
    inbox = _Inbox(case_store, agent_store, live_chat, feed, secure_cookies=secure_cookies,
                   clock=clock, title=title)  # fmt: skip
    live = LiveRoutes(inbox, feed, _SESSION_KEY)
    app = web.Application(
        middlewares=[inbox.require_agent, conversations.read_only_analysts],
        client_max_size=256 * 1024,
    )
    app.on_response_prepare.append(_security_headers)
    app[SHUTDOWN_KEY] = asyncio.Event()

    async def end_streams(app: web.Application) -> None:
        app[SHUTDOWN_KEY].set()

    app.on_shutdown.append(end_streams)
    app.router.add_get(LOGIN_PATH, inbox.login_form, name="login_form")
    app.router.add_post(LOGIN_PATH, inbox.login, name="login")
    app.router.add_post("/inbox/logout", inbox.logout, name="logout")
    app.router.add_get("/inbox", inbox.home, name="home")
    app.router.add_get(HOME_PATH, inbox.list_cases, name="cases")
    app.router.add_get(r"/inbox/cases/{case_id:\d{1,9}}", inbox.show_case, name="case")
    app.router.add_post(r"/inbox/cases/{case_id:\d{1,9}}/claim", inbox.claim, name="claim")
    app.router.add_post(r"/inbox/cases/{case_id:\d{1,9}}/resolve", inbox.resolve, name="resolve")
    app.router.add_post(r"/inbox/cases/{case_id:\d{1,9}}/reply", live.reply, name="reply")
    app.router.add_post(r"/inbox/cases/{case_id:\d{1,9}}/release", live.release, name="release")
    app.router.add_get(r"/inbox/cases/{case_id:\d{1,9}}/events", live.case_events,
                       name="case_events")  # fmt: skip
    app.router.add_get("/inbox/events", live.case_list_events, name="case_list_events")
    app.router.add_get("/inbox/static/inbox.js", inbox.script, name="script")
    conversations.add_routes(app)
    return app
