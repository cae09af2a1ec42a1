"""A local HTTP server that plays scripted answers, for contract tests of the API adapters.

    with FakeHTTPServer() as server:
        server.script("GET", "/api/v2/status.json", Reply(200, {"status": {...}}))
        ... call the adapter with base_url=server.url ...
        assert server.requests_to("GET", "/api/v2/status.json")[0].headers["accept"] == ...

Runs the standard library's `ThreadingHTTPServer` on 127.0.0.1, port 0, in a thread. Each
(method, path) has a queue of replies: they are used in order and the last one repeats.
Paths are matched percent-decoded and without the query string. Requests with no script get
a 404 and are recorded too.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    Attributes:
        status: HTTP status code.
        body: A dict or list (sent as JSON), str or bytes (sent as is), or None (empty).
        headers: Extra response headers, e.g. {"Retry-After": "1"}.
        delay: Seconds to wait before answering (to provoke read timeouts).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received.

    Attributes:
        method: "GET", "POST", ...
        path: The percent-decoded path, without the query string.
        raw_path: The request target exactly as sent (with the query string).
        query: The parsed query string.
        headers: Request headers, names in lower case.
        body: The request body.
        at: `time.monotonic()` when it arrived.
    """

    method: str
    path: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float


class FakeHTTPServer:
    """A scripted HTTP server on a free local port; use it as a context manager."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._scripts: dict[tuple[str, str], deque[Reply]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321 (no trailing slash)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answer `method path` with these replies in turn; the last one repeats."""
        with self._lock:
            self._scripts[(method.upper(), path)] = deque(replies)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests for `method path`, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def start(self) -> FakeHTTPServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers still sleeping in a delay are woken up."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            queue = self._scripts.get((request.method, request.path))
            if not queue:
                return Reply(404, {"error": f"no script for {request.method} {request.path}"})
            return queue.popleft() if len(queue) > 1 else queue[0]


def _handler_for(server: FakeHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs
        timeout = 5  # an idle kept-alive connection frees its thread after this long

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            target = urlsplit(self.path)
            reply = server._next_reply(
                RecordedRequest(
                    method=self.command,
                    path=unquote(target.path),
                    raw_path=self.path,
                    query=parse_qs(target.query),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                    at=time.monotonic(),
                )
            )
            if reply.delay and server._stopping.wait(reply.delay):
                return
            payload = _encode(reply.body)
            try:
                self.send_response(reply.status)
                if reply.body is not None and not isinstance(reply.body, (str, bytes)):
                    self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def local_session(**kwargs: float) -> requests.Session:
    """The production HTTP session (`make_session`), kept away from any proxy settings."""
    from bot.adapters.http import make_session

    session = make_session(**kwargs)
    session.trust_env = False  # never send the test traffic to a proxy from the environment
    return session


def wait_for_mail(outbox: Any, to: str, kind: str | None = None, count: int = 1,
                  timeout: float = 10.0) -> list[Any]:  # fmt: skip
    """The emails to `to` (of `kind`), once at least `count` arrived: servers queue mail off
    the request path, so it lands a moment after the reply."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in outbox.list_messages(to=to) if kind is None or m.kind == kind]
        if len(found) >= count or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)
