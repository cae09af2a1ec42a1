"""The model server of a running assistant: how a new release reaches Rasa without a restart.

Rasa 3.6 pulls its model from the `models:` endpoint of its endpoints file every
`wait_time_between_pulls` seconds, sending the fingerprint of the model it has in
`If-None-Match`; the server answers 304 when that is still the current model, or the
archive with the new fingerprint in `ETag`, which Rasa loads in the background while it
keeps answering with the old one. Here the fingerprint is the release id, read from
`models/current` on every request, so `models promote`, `models rollback` and an
accepted `make retrain` reach every Rasa process within one pull interval.

`GET /model?worker=NAME` serves the archive; `GET /status` says which release each Rasa
process has loaded (the fingerprint it sends) and which one it is loading. Rasa 3.6 loads a
pulled model on its event loop, so a process holds its requests while it loads (seconds to
tens of seconds on a busy machine); none fail. The server binds to loopback only
(started by `python -m bot serve`); it serves nothing but the current release.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.modelops.releases import MODELS_DIR, ReleaseError, ReleaseStore

CHUNK = 1 << 20


class ModelServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the release store and what each worker has."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: ReleaseStore) -> None:
        super().__init__(address, _Handler)
        self.store = store
        self.workers: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def note(self, worker: str, has: str | None, loading: str | None) -> None:
        """Remember what `worker` serves (the release id it sent in If-None-Match: Rasa sends
        the fingerprint of the model it has loaded) and what it is loading (just sent)."""
        with self.lock:
            self.workers[worker] = {"release": has, "loading": loading, "at": time.time()}


class _Handler(BaseHTTPRequestHandler):
    server: ModelServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # Rasa pulls every few seconds: no line per pull

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/status":
            with self.server.lock:
                workers = dict(self.server.workers)
            self._json(200, {"current": self.server.store.current_id(), "workers": workers})
            return
        if parts.path != "/model":
            self._json(404, {"error": "not found"})
            return
        worker = (parse_qs(parts.query).get("worker") or ["rasa"])[0][:64]
        try:
            current = self.server.store.current()
        except ReleaseError:
            current = None
        if current is None or not current[1].exists():
            # Rasa treats 404 as "no model": it keeps what it has.
            self._json(404, {"error": "no current release"})
            return
        card, archive = current
        has = self.headers.get("If-None-Match", "").strip('"')
        has = None if has in ("", "None") else has
        if has == card.id:
            self.server.note(worker, card.id, loading=None)
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", card.id)
            self.end_headers()
            return
        size = archive.stat().st_size
        # Noted before the body goes out: once the worker has the last byte it may ask
        # /status (or load) before this thread runs again.
        self.server.note(worker, has, loading=card.id)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(size))
            self.send_header("ETag", card.id)
            self.end_headers()
            with archive.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    self.wfile.write(chunk)
        except OSError:
            self.server.note(worker, has, loading=None)  # the worker did not get it
            raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve the current model release to Rasa")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--models", default=None, help=f"default {MODELS_DIR}")
    args = parser.parse_args(argv)
    store = ReleaseStore(Path(args.models) if args.models else None)
    server = ModelServer(("127.0.0.1", args.port), store)
    # `make retrain` finds the running assistant here, to wait until it serves a new release
    store.server_file.parent.mkdir(parents=True, exist_ok=True)
    address = {"url": f"http://127.0.0.1:{args.port}", "pid": os.getpid()}
    store.server_file.write_text(json.dumps(address), encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        try:
            if json.loads(store.server_file.read_text(encoding="utf-8")).get("pid") == os.getpid():
                store.server_file.unlink()
        except (OSError, ValueError):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
