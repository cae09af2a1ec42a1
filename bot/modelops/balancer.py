"""A tiny TCP balancer in front of several Rasa processes (`make run` on several cores).

Each client connection goes, whole, to one Rasa process: the connection's first request
picks it. socket.io requests (`/socket.io/...`) go to the process chosen by the client's
address, so every request of a long-polling session, and its WebSocket upgrade, reach the
process that holds the session (what nginx's `ip_hash` does in production). Everything else
(REST) goes round robin: any process can take any message, because the tracker store and
the conversation locks (`bot.rasa_plugins.lock_store`) are shared.

Bytes are copied as they come (WebSocket and keep-alive included); nothing is parsed but the
first request line. Used by `bot.cli.serve` only on loopback; production uses nginx
(`deploy/nginx/`, `make run-production`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import signal
import sys
from collections.abc import Sequence

MAX_HEAD = 64 * 1024


def pick_backend(path: bytes, client_host: str, count: int, round_robin: itertools.count) -> int:
    """Which backend serves a connection whose first request is for `path`."""
    if path.startswith(b"/socket.io"):
        digest = hashlib.blake2b(client_host.encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big") % count
    return next(round_robin) % count


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


async def serve(listen_host: str, listen_port: int, backends: Sequence[tuple[str, int]]) -> None:
    round_robin = itertools.count()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        backend_w = None
        try:
            try:
                head = await client_r.readuntil(b"\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            parts = head.split(b" ")
            path = parts[1] if len(parts) > 1 else b"/"
            peer = client_w.get_extra_info("peername") or ("", 0)
            host, port = backends[pick_backend(path, str(peer[0]), len(backends), round_robin)]
            try:
                backend_r, backend_w = await asyncio.open_connection(host, port)
            except OSError:
                client_w.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                               b"Connection: close\r\n\r\n")  # fmt: skip
                return
            backend_w.write(head)
            await asyncio.gather(_pipe(client_r, backend_w), _pipe(backend_r, client_w))
        finally:
            for writer in (client_w, backend_w):
                if writer is not None:
                    with contextlib.suppress(Exception):
                        writer.close()

    server = await asyncio.start_server(handle, listen_host, listen_port, limit=MAX_HEAD,
                                        backlog=512)  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        print(f"balancer on {listen_host}:{listen_port} -> "
              f"{', '.join(f'{h}:{p}' for h, p in backends)}", flush=True)  # fmt: skip
        await stop.wait()


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.modelops.balancer")
    parser.add_argument("--listen", type=_address, required=True, metavar="HOST:PORT")
    parser.add_argument("--backend", type=_address, action="append", required=True,
                        metavar="HOST:PORT")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.listen[0], args.listen[1], args.backend))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
