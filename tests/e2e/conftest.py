"""Servers and a browser for the widget tests.

- `assistant`: the real action server and Rasa server (`python -m bot serve`) on free ports,
  with temporary databases; it can be stopped (Ctrl-C, as a person would) and started again on
  the same ports, to test reconnecting.
- `web`: aiohttp apps on free ports in a background thread: the demo page (`add_web_routes`)
  and `fake_rasa_app`, a stand-in for Rasa's socketio channel whose bot echoes, or answers
  with hostile markup, so rendering can be tested without a model.
- `browser`: Debian's Chromium, headless, driven by Playwright for Python. Playwright cannot
  download its own browsers here.

Nothing here imports Playwright at module level: `browser_unavailable()` says why the tests
cannot run, and test modules skip (or, with SIGNIN_E2E_REQUIRED=1, fail) with that reason.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

from bot.bootstrap import Container, build_container
from bot.settings import PROJECT_ROOT, load_settings
from bot.web.demo import add_web_routes
from tests.integration.conftest import MODEL, free_port
from tests.support.settings_files import settings_file

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRED_ENV = "SIGNIN_E2E_REQUIRED"
VENDOR = "Example Security"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
XSS = "<img src=x onerror=alert(1)>"


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run on this machine, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Playwright for Python is not installed "
            "(`.venv/bin/pip install playwright==1.65.2`; make test installs it)"
        )
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (`apt-get install -y chromium`; make test installs it)"
    return None


def skip_or_fail_without_browser() -> None:
    """Call at module level in a browser test module: skip loudly, or fail when required."""
    reason = browser_unavailable()
    if reason is None:
        return
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRED_ENV}=1)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


# --- the real assistant, restartable on the same ports -----------------------------------------


@dataclass
class Assistant:
    """`python -m bot serve` on fixed free ports, with temporary databases."""

    work: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def app_db_url(self) -> str:
        return f"sqlite:///{self.work / 'app.db'}"

    @property
    def tracker_db(self) -> Path:
        return self.work / "tracker.db"

    @property
    def log(self) -> Path:
        return self.work / "serve.log"

    def command(self) -> list[str]:
        from bot.cli.serve import serve

        command = [sys.executable, "-m", "bot", "serve", "--rasa-port", str(self.rasa_port),
                   "--action-port", str(self.action_port), "--model", str(MODEL)]  # fmt: skip
        if "web_port" in inspect.signature(serve).parameters:  # keep clear of a `make run`
            command += ["--web-port", str(self.web_port)]
        return command

    def start(self, timeout: float = 240) -> None:
        """Start and wait for "The assistant is up." (appended to the same log)."""
        marker = "The assistant is up."
        seen = self.log.read_text(errors="replace").count(marker) if self.log.exists() else 0
        env = dict(os.environ)
        env.update(
            SIGNIN_DATABASE_URL=self.app_db_url,
            TRACKER_STORE_URL=f"sqlite:///{self.tracker_db}",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            # The team is always at work: a handoff waits for a person whenever tests run.
            SIGNIN_SETTINGS_FILE=str(settings_file(self.work, always_open=True)),
        )
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command(), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the assistant exited early:\n{self.tail()}")
            if self.log.read_text(errors="replace").count(marker) > seen:
                return
            time.sleep(0.5)
        self.process.kill()
        raise RuntimeError(f"the assistant did not start in {timeout} s:\n{self.tail()}")

    def stop(self) -> None:
        """Ctrl-C (SIGINT) to `bot serve`, which stops its servers; kill if it hangs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@contextmanager
def started_assistant(work: Path) -> Iterator[Assistant]:
    """A started assistant, stopped (Ctrl-C) on leaving."""
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` (make test does)")
    assistant = Assistant(work)
    try:
        assistant.start()
        yield assistant
    finally:
        assistant.stop()


# --- aiohttp servers: the demo page and a fake Rasa ---------------------------------------------


class WebServers:
    """aiohttp applications on free ports, served from one background thread and event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="e2e-web", daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def _run(self, coroutine: Any, timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def serve(self, make_app: Callable[[], web.Application]) -> str:
        """Serve the app `make_app()` builds; returns its base URL."""

        async def start() -> str:
            runner = web.AppRunner(make_app(), access_log=None)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.runners.append(runner)
            return f"http://127.0.0.1:{port}"

        return self._run(start())

    def close(self) -> None:
        for runner in reversed(self.runners):
            self._run(runner.cleanup())
        self._run(self._cancel_leftovers())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    @staticmethod
    async def _cancel_leftovers() -> None:
        """Cancel what servers left running (socket.io pings), so nothing is destroyed pending."""
        current = asyncio.current_task()
        leftovers = [task for task in asyncio.all_tasks() if task is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)


@contextmanager
def web_servers() -> Iterator[WebServers]:
    servers = WebServers()
    try:
        yield servers
    finally:
        servers.close()


def demo_app(server_url: str, primary_color: str | None = None) -> web.Application:
    """The demo support page (as `python -m bot serve` adds it) pointing at `server_url`."""
    app = web.Application()
    options = {"primary_color": primary_color} if primary_color else {}
    add_web_routes(app, vendor_name=VENDOR, server_url=server_url, **options)
    return app


HOSTILE_REPLIES: list[dict[str, Any]] = [
    {"text": XSS},
    {"text": "<script>alert(2)</script> and <b>bold</b>"},
    {"text": "[Reset here](javascript:alert(3)) or https://account.example.com/reset."},
    {"text": "Pick one", "quick_replies": [{"title": XSS, "payload": "/affirm"}]},
    {"text": "A web button", "buttons": [{"title": "Open", "type": "web_url",
                                          "url": "javascript:alert(4)"}]},
    {"attachment": {"type": "image", "payload": {"src": "javascript:alert(5)"}}},
    {"attachment": {"type": "image",
                    "payload": {"src": "data:image/svg+xml,<svg onload=alert(6)>"}}},
    {"text": "Done with the hostile ones."},
]  # fmt: skip


PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90">'
    '<rect width="160" height="90" fill="#0b57d0"/></svg>'
)


def fake_rasa_app() -> web.Application:
    """A stand-in for the project's socketio channel (`bot.rasa_plugins.socketio`): same events and
    session rules. Its bot echoes each message with Yes/No quick replies; "/hostile" makes it
    answer with `HOSTILE_REPLIES` instead, "/image URL" with that image, and "/slow" answers
    after 1.5 seconds. It also serves a picture at /picture.svg."""
    import socketio

    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)

    async def shutdown(_app: web.Application) -> None:
        await sio.shutdown()

    app.on_shutdown.append(shutdown)

    @sio.on("session_request")
    async def session_request(sid: str, data: Any) -> None:
        requested = data.get("session_id") if isinstance(data, dict) else None
        session_id = requested if isinstance(requested, str) and requested else uuid.uuid4().hex
        await sio.enter_room(sid, session_id)
        await sio.save_session(sid, {"session_id": session_id})
        await sio.emit("session_confirm", session_id, room=sid)

    @sio.on("user_uttered")
    async def user_uttered(sid: str, data: Any) -> None:
        session_id = (await sio.get_session(sid)).get("session_id")
        if not isinstance(data, dict) or not session_id or data.get("session_id") != session_id:
            return
        text = str(data.get("message", ""))
        if text == "/slow":  # time to see the typing indicator
            await asyncio.sleep(1.5)
        if text.startswith("/image "):
            image = {"type": "image", "payload": {"src": text.removeprefix("/image ")}}
            replies = [{"text": "Here is a picture:"}, {"attachment": image}]
        else:
            replies = HOSTILE_REPLIES if text == "/hostile" else [
            {"text": f"You said: {text}", "quick_replies": [
                {"content_type": "text", "title": "Yes", "payload": "/affirm"},
                {"content_type": "text", "title": "No", "payload": "/deny"},
            ]},
        ]  # fmt: skip
        for reply in replies:
            await sio.emit("bot_uttered", reply, room=session_id)

    async def picture(_request: web.Request) -> web.Response:
        return web.Response(text=PICTURE, content_type="image/svg+xml")

    app.router.add_get("/picture.svg", picture)
    return app


# --- the browser ---------------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


@dataclass
class Tab:
    """A page in a fresh browser context (own localStorage), with what went wrong in it."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        """Content-Security-Policy / Trusted Types violations the page reported."""
        return self.page.evaluate("() => window.__violations || []")


# Runs before any page script; records CSP (and Trusted Types) violations.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective}: ${event.blockedURI} ${event.sample}`);
});
"""


def open_tab(browser: Browser, viewport: dict[str, int] = DESKTOP) -> Tab:
    """A new context and page; dialogs are recorded and dismissed."""
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    tab = Tab(page)

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    return tab


# --- talking to the widget ----------------------------------------------------------------------


class Chat:
    """The widget on a page, driven as a person would (Playwright locators pierce its open
    shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name="Sign-in help", exact=True)
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_role("textbox", name="Your message")
        self.status = page.get_by_role("alert")
        self.host = page.locator("#signin-chat")

    def open(self) -> None:
        self.launcher.click()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def bot_messages(self, text: str) -> Locator:
        """The assistant's messages containing `text` (case-insensitive)."""
        return self.log.locator(".sc-row--bot .sc-text", has_text=text)

    def user_messages(self, text: str) -> Locator:
        return self.log.locator(".sc-row--user .sc-text", has_text=text)

    def expect_bot(self, text: str, count: int | None = None, timeout: float = 20_000) -> None:
        """Wait for a message containing `text` (or for `count` such messages)."""
        from playwright.sync_api import expect

        if count is None:
            expect(self.bot_messages(text).last).to_be_visible(timeout=timeout)
        else:
            expect(self.bot_messages(text)).to_have_count(count, timeout=timeout)

    def reply(self, title: str) -> None:
        """Click the (still usable) quick reply called `title`."""
        self.log.get_by_role("button", name=title, exact=True, disabled=False).click()

    def expect_online(self, timeout: float = 20_000) -> None:
        from playwright.sync_api import expect

        expect(self.host).to_have_attribute("data-connection", "online", timeout=timeout)

    def session_id(self) -> str | None:
        return self.page.evaluate("() => window.SigninChat.init().sessionId()")


def reset_conversation(page: Page, demo_url: str, email: str = "me@example.com") -> Chat:
    """Open the demo page and ask the real assistant for a reset link, up to its answer."""
    page.goto(demo_url)
    chat = Chat(page)
    chat.open()
    chat.expect_bot("sign-in assistant")
    chat.say("I forgot my password")
    chat.expect_bot("email address")
    chat.say(email)
    chat.expect_bot(f"If an account exists for {email}")
    chat.expect_bot("anything else")
    return chat


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    try:
        with started_assistant(tmp_path_factory.mktemp("e2e-assistant")) as running:
            yield running
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="package")
def web_server() -> Iterator[WebServers]:
    with web_servers() as servers:
        yield servers


@pytest.fixture(scope="package")
def rasa_demo_url(web_server: WebServers, assistant: Assistant) -> str:
    """The demo page, its widget talking to the real assistant."""
    return web_server.serve(lambda: demo_app(assistant.rasa_url))


@pytest.fixture(scope="package")
def fake_url(web_server: WebServers) -> str:
    """A fake Rasa socketio server (`fake_rasa_app`)."""
    return web_server.serve(fake_rasa_app)


@pytest.fixture(scope="package")
def fake_demo_url(web_server: WebServers, fake_url: str) -> str:
    """The demo page, its widget talking to `fake_rasa_app`."""
    return web_server.serve(lambda: demo_app(fake_url))


@pytest.fixture(scope="package")
def assistant_container(assistant: Assistant) -> Iterator[Container]:
    """The adapters on the assistant's app database (accounts, outbox)."""
    container = build_container(load_settings({"SIGNIN_DATABASE_URL": assistant.app_db_url}))
    yield container
    container.engine.dispose()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    opened = open_tab(browser)
    yield opened
    opened.page.context.close()


@pytest.fixture
def phone_tab(browser: Browser) -> Iterator[Tab]:
    opened = open_tab(browser, PHONE)
    yield opened
    opened.page.context.close()
