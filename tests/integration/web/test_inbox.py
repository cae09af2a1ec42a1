"""The agent inbox, served for real on a free port and driven with `requests`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from aiohttp import web
from argon2 import PasswordHasher

from bot.adapters.sql.agent_store import AgentExistsError, SqlAgentStore
from bot.adapters.sql.case_store import SqlCaseStore
from bot.adapters.sql.chat_deliveries import SqlChatDeliveries
from bot.bootstrap import Container
from bot.domain.model import Case, TranscriptLine
from bot.services.live_chat import LiveChatService
from bot.web.inbox import create_app
from bot.web.inbox.live import ConversationFeed
from tests.fakes import FakeClock
from tests.support.live_chat import FakeConversationControl, FakeEventReader

AGENT = "agent@example.com"
PASSWORD = "correct horse battery"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CASE_LINK = re.compile(r'<a href="/inbox/cases/(\d+)">')
# Cheap argon2 parameters keep the tests fast; production uses the argon2-cffi defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@dataclasses.dataclass
class RunningInbox:
    """The served app and the stores behind it."""

    url: str
    cases: SqlCaseStore
    agents: SqlAgentStore
    clock: FakeClock

    def sign_in(
        self, email: str = AGENT, password: str = PASSWORD, client: requests.Session | None = None
    ) -> requests.Response:
        """Fetch the form and post it with `client` (a fresh one by default); no redirects."""
        client = client or requests.Session()
        form = client.get(f"{self.url}/inbox/login", timeout=5)
        token = CSRF_FIELD.search(form.text).group(1)
        response = client.post(
            f"{self.url}/inbox/login",
            data={"csrf_token": token, "email": email, "password": password},
            allow_redirects=False,
            timeout=5,
        )
        return response


@dataclasses.dataclass
class Agent:
    """A signed-in client and the CSRF token its forms carry."""

    client: requests.Session
    csrf: str
    url: str

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.client.get(f"{self.url}{path}", allow_redirects=False, timeout=5, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None) -> requests.Response:
        fields = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(f"{self.url}{path}", data=fields, allow_redirects=False, timeout=5)


@contextlib.contextmanager
def serve(app: web.Application) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 and a free port, its event loop in a background thread."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def live_parts(
    container: Container, cases: SqlCaseStore, agents: SqlAgentStore, clock: FakeClock
) -> tuple[LiveChatService, ConversationFeed]:
    """The live-chat service on a fake Rasa API, and a feed over a fake tracker store."""
    service = LiveChatService(cases, agents.display_name, FakeConversationControl(),
                              SqlChatDeliveries(container.engine, clock), container.audit,
                              clock)  # fmt: skip
    return service, ConversationFeed(FakeEventReader)


@pytest.fixture
def inbox(container: Container, clock: FakeClock) -> Iterator[RunningInbox]:
    """The inbox app served for real, with one agent."""
    cases = SqlCaseStore(container.engine, clock)
    agents = SqlAgentStore(container.engine, clock, hasher=FAST_HASHER)
    agents.add(AGENT, PASSWORD)
    app = create_app(cases, agents, *live_parts(container, cases, agents, clock), clock=clock,
                     title="Example Security")  # fmt: skip
    with serve(app) as url:
        yield RunningInbox(url, cases, agents, clock)


@pytest.fixture
def agent(inbox: RunningInbox) -> Agent:
    client = requests.Session()
    assert inbox.sign_in(client=client).status_code == 303
    page = client.get(f"{inbox.url}/inbox/", timeout=5)
    return Agent(client, CSRF_FIELD.search(page.text).group(1), inbox.url)


def make_case(inbox: RunningInbox, **overrides: object) -> Case:
    """Save a new case through the store, like the hand-off service does."""
    now = inbox.clock()
    fields: dict[str, object] = {
        "id": 0,
        "conversation_id": "conv-1",
        "status": "open",
        "priority": "normal",
        "reason": "customer_request",
        "problem": "cannot sign in",
        "summary": "Customer cannot sign in.\nReset link expired.",
        "transcript": (
            TranscriptLine(now, "customer", "i cannot sign in"),
            TranscriptLine(now, "bot", "Let's fix that."),
        ),
        "channel": "rest",
        "created_at": now,
        "updated_at": now,
    }
    fields.update(overrides)
    return inbox.cases.save(Case(**fields))  # type: ignore[arg-type]


# --- sign-in required ----------------------------------------------------------------------------

ROUTES = [
    ("GET", "/inbox/"),
    ("GET", "/inbox"),
    ("GET", "/inbox/?status=open"),
    ("GET", "/inbox/cases/{id}"),
    ("POST", "/inbox/logout"),
    ("POST", "/inbox/cases/{id}/claim"),
    ("POST", "/inbox/cases/{id}/resolve"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_without_sign_in(inbox: RunningInbox, method: str, path: str) -> None:
    case = make_case(inbox)
    response = requests.request(
        method,
        inbox.url + path.format(id=case.id),
        data={"csrf_token": "guess", "note": "done"} if method == "POST" else None,
        cookies={"inbox_session": "made-up"},
        allow_redirects=False,
        timeout=5,
    )
    if method == "GET":
        assert response.status_code == 303
        assert response.headers["Location"] == "/inbox/login"
    else:
        assert response.status_code == 403
    assert inbox.cases.get(case.id).status == "open"


def test_a_session_ends_after_eight_hours(inbox: RunningInbox, agent: Agent) -> None:
    assert agent.get("/inbox/").status_code == 200
    inbox.clock.advance(hours=8, seconds=1)
    response = agent.get("/inbox/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/inbox/login"


# --- signing in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password"), [(AGENT, "wrong password!!"), ("nobody@example.com", PASSWORD)]
)
def test_wrong_sign_in_gets_401_and_a_generic_message(
    inbox: RunningInbox, email: str, password: str
) -> None:
    response = inbox.sign_in(email, password)
    assert response.status_code == 401
    assert "email or password is wrong" in response.text
    assert "inbox_session" not in response.cookies


def test_the_sixth_failed_sign_in_is_throttled(inbox: RunningInbox) -> None:
    for _ in range(5):
        assert inbox.sign_in(AGENT, "wrong password!!").status_code == 401
    refused = inbox.sign_in(AGENT, PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    assert "inbox_session" not in refused.cookies
    inbox.clock.advance(minutes=15, seconds=1)
    assert inbox.sign_in(AGENT, PASSWORD).status_code == 303


def test_sign_in_sets_a_strict_http_only_cookie(inbox: RunningInbox) -> None:
    client = requests.Session()
    response = inbox.sign_in(f"  {AGENT.upper()} ", PASSWORD, client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/inbox/"
    cookies = response.raw.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("inbox_session="))
    flags = {part.strip().lower() for part in session_cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/inbox"} <= flags
    assert "secure" not in flags  # secure_cookies=False here: plain http on 127.0.0.1
    page = client.get(f"{inbox.url}/inbox/", timeout=5)
    assert page.status_code == 200
    assert f"Signed in as {AGENT}" in page.text


def test_secure_cookies_are_marked_secure(container: Container, clock: FakeClock) -> None:
    agents = SqlAgentStore(container.engine, clock, hasher=FAST_HASHER)
    agents.add(AGENT, PASSWORD)
    cases = SqlCaseStore(container.engine, clock)
    app = create_app(cases, agents, *live_parts(container, cases, agents, clock),
                     secure_cookies=True)  # fmt: skip
    with serve(app) as url:
        form = requests.get(f"{url}/inbox/login", timeout=5)
        assert "Secure" in form.headers["Set-Cookie"]
        token = CSRF_FIELD.search(form.text).group(1)
        # requests keeps Secure cookies away from plain http, so send it by hand.
        response = requests.post(
            f"{url}/inbox/login",
            data={"csrf_token": token, "email": AGENT, "password": PASSWORD},
            cookies={"inbox_login_csrf": token},
            allow_redirects=False,
            timeout=5,
        )
    assert response.status_code == 303
    cookies = response.raw.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("inbox_session="))
    flags = {part.strip().lower() for part in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=strict"} <= flags
    assert "Example Security" not in form.text  # no title given: no vendor name


def test_sign_in_without_the_double_submit_cookie_is_refused(inbox: RunningInbox) -> None:
    token = CSRF_FIELD.search(requests.get(f"{inbox.url}/inbox/login", timeout=5).text).group(1)
    fields = {"csrf_token": token, "email": AGENT, "password": PASSWORD}
    no_cookie = requests.post(
        f"{inbox.url}/inbox/login", data=fields, allow_redirects=False, timeout=5
    )
    other_cookie = requests.post(
        f"{inbox.url}/inbox/login",
        data=fields,
        cookies={"inbox_login_csrf": "x" * 43},
        allow_redirects=False,
        timeout=5,
    )
    assert no_cookie.status_code == other_cookie.status_code == 403
    assert "inbox_session" not in no_cookie.cookies
    assert "inbox_session" not in other_cookie.cookies


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
@pytest.mark.parametrize("action", ["claim", "resolve", "logout"])
def test_a_post_without_the_right_csrf_token_is_refused(
    inbox: RunningInbox, agent: Agent, action: str, token: str | None
) -> None:
    case = make_case(inbox)
    path = "/inbox/logout" if action == "logout" else f"/inbox/cases/{case.id}/{action}"
    data = {"note": "fixed it"} if token is None else {"note": "fixed it", "csrf_token": token}
    response = agent.client.post(f"{inbox.url}{path}", data=data, allow_redirects=False, timeout=5)
    assert response.status_code == 403
    assert "security token" in response.text
    after = inbox.cases.get(case.id)
    assert (after.status, after.claimed_by, after.resolution_note) == ("open", None, "")
    assert agent.get("/inbox/").status_code == 200  # still signed in


# --- working cases -------------------------------------------------------------------------------


def test_claim_and_resolve_change_the_store(inbox: RunningInbox, agent: Agent) -> None:
    case = make_case(inbox)
    page = agent.get(f"/inbox/cases/{case.id}")
    assert f'action="/inbox/cases/{case.id}/claim"' in page.text

    claimed = agent.post(f"/inbox/cases/{case.id}/claim")
    assert claimed.status_code == 303
    assert claimed.headers["Location"] == f"/inbox/cases/{case.id}"
    stored = inbox.cases.get(case.id)
    assert (stored.status, stored.claimed_by) == ("claimed", AGENT)
    assert "/claim" not in agent.get(f"/inbox/cases/{case.id}").text

    resolved = agent.post(f"/inbox/cases/{case.id}/resolve", {"note": "Sent a new reset link."})
    assert resolved.status_code == 303
    stored = inbox.cases.get(case.id)
    assert (stored.status, stored.resolution_note) == ("resolved", "Sent a new reset link.")
    page = agent.get(f"/inbox/cases/{case.id}").text
    assert "Sent a new reset link." in page
    assert "<textarea" not in page


def test_resolving_needs_a_note(inbox: RunningInbox, agent: Agent) -> None:
    case = make_case(inbox)
    response = agent.post(f"/inbox/cases/{case.id}/resolve", {"note": "   "})
    assert response.status_code == 400
    assert "Write a note" in response.text
    assert inbox.cases.get(case.id).status == "open"


def test_a_case_claimed_by_someone_else_is_not_taken_over(
    inbox: RunningInbox, agent: Agent
) -> None:
    case = make_case(inbox)
    inbox.cases.claim(case.id, "other@example.com")
    response = agent.post(f"/inbox/cases/{case.id}/claim")
    assert response.status_code == 409
    assert inbox.cases.get(case.id).claimed_by == "other@example.com"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/inbox/cases/999"), ("POST", "/inbox/cases/999/claim"), ("GET", "/inbox/cases/x")],
)
def test_an_unknown_case_is_404(agent: Agent, method: str, path: str) -> None:
    response = agent.get(path) if method == "GET" else agent.post(path)
    assert response.status_code == 404


def test_the_list_puts_open_work_first_by_priority_then_age(
    inbox: RunningInbox, agent: Agent
) -> None:
    def add(priority: str, status: str = "open") -> int:
        inbox.clock.advance(minutes=5)
        case_id = make_case(inbox, priority=priority).id
        if status == "claimed":
            inbox.cases.claim(case_id, "other@example.com")
        elif status == "resolved":
            inbox.cases.resolve(case_id, "other@example.com", "done")
        return case_id

    old_normal = add("normal")
    done_urgent = add("urgent", "resolved")
    old_high = add("high", "claimed")
    urgent = add("urgent")
    new_normal = add("normal")
    new_high = add("high")
    inbox.clock.advance(hours=2)

    page = agent.get("/inbox/")
    assert page.status_code == 200
    order = [int(n) for n in CASE_LINK.findall(page.text)]
    assert order == [urgent, old_high, new_high, old_normal, new_normal, done_urgent]
    assert "2 h 25 min" in page.text  # the oldest case's age

    claimed = agent.get("/inbox/?status=claimed").text
    assert [int(n) for n in CASE_LINK.findall(claimed)] == [old_high]
    resolved = agent.get("/inbox/?status=resolved").text
    assert [int(n) for n in CASE_LINK.findall(resolved)] == [done_urgent]
    assert agent.get("/inbox/?status=everything").status_code == 400


def test_customer_markup_renders_as_text(inbox: RunningInbox, agent: Agent) -> None:
    now = inbox.clock()
    case = make_case(
        inbox,
        problem=f"login broken {IMG}",
        summary=f"Customer wrote:\n{IMG}\n{SCRIPT}",
        transcript=(
            TranscriptLine(now, "customer", IMG),
            TranscriptLine(now, "customer", f'{SCRIPT} "quoted" & more'),
        ),
    )
    for page in (agent.get(f"/inbox/cases/{case.id}").text, agent.get("/inbox/").text):
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert IMG not in page
        # the one script is the inbox's own file (same origin, CSP 'self'); nothing inline
        assert page.count("<script") == page.count('<script src="/inbox/static/inbox.js"')
        assert "<script>" not in page
    case_page = agent.get(f"/inbox/cases/{case.id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in case_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; more" in case_page


@pytest.mark.parametrize(
    "path", ["/inbox/login", "/inbox/", "/inbox/cases/1", "/inbox/cases/999", "/inbox/nowhere"]
)
def test_every_response_carries_the_security_headers(
    inbox: RunningInbox, agent: Agent, path: str
) -> None:
    make_case(inbox)
    for response in (
        agent.get(path),
        requests.get(inbox.url + path, allow_redirects=False, timeout=5),
    ):
        headers = response.headers
        assert headers["Content-Security-Policy"] == (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_logout_ends_the_session(inbox: RunningInbox, agent: Agent) -> None:
    token = agent.client.cookies["inbox_session"]
    response = agent.post("/inbox/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/inbox/login"
    assert agent.get("/inbox/").headers["Location"] == "/inbox/login"
    assert inbox.agents.session(token) is None
    replayed = requests.get(
        f"{inbox.url}/inbox/", cookies={"inbox_session": token}, allow_redirects=False, timeout=5
    )
    assert replayed.status_code == 303


def test_the_pages_are_labelled_and_work_without_javascript(
    inbox: RunningInbox, agent: Agent
) -> None:
    login = requests.get(f"{inbox.url}/inbox/login", timeout=5).text
    assert '<html lang="en">' in login
    assert '<label for="email">' in login and '<label for="password">' in login
    assert "<h1>Sign in</h1>" in login
    assert "Example Security agent inbox" in login
    case = make_case(inbox)
    page = agent.get(f"/inbox/cases/{case.id}").text
    assert '<label for="note">' in page and '<textarea id="note"' in page
    assert ":focus-visible" in page
    assert "<script" not in page


# --- the agent store -----------------------------------------------------------------------------


def test_agent_store_rules(container: Container, clock: FakeClock) -> None:
    agents = SqlAgentStore(container.engine, clock, hasher=FAST_HASHER)
    agents.add("Lead@Example.com", PASSWORD)
    with pytest.raises(AgentExistsError):
        agents.add("lead@example.com", "another long password")
    with pytest.raises(ValueError, match="12"):
        agents.add("new@example.com", "short")
    assert agents.verify("lead@example.com", PASSWORD)
    assert not agents.verify("lead@example.com", PASSWORD + "x")
    assert not agents.verify("nobody@example.com", PASSWORD)

    token, csrf = agents.start_session("lead@example.com")
    session = agents.session(token)
    assert session is not None
    assert (session.email, session.csrf_token) == ("lead@example.com", csrf)
    assert session.expires_at == clock() + timedelta(hours=8)
    with container.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM agent_sessions").scalar_one()
    assert stored != token and len(stored) == 64
    assert agents.session("not-a-token") is None
    agents.end_session(token)
    assert agents.session(token) is None


def test_an_outdated_password_hash_is_upgraded(container: Container, clock: FakeClock) -> None:
    SqlAgentStore(container.engine, clock, hasher=FAST_HASHER).add(AGENT, PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
    agents = SqlAgentStore(container.engine, clock, hasher=stronger)
    assert agents.verify(AGENT, PASSWORD)
    with container.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM agents").scalar_one()
    assert stored.startswith("$argon2id$") and "t=2" in stored
    assert not stronger.check_needs_rehash(stored)
