"""The launcher's balancer: socket.io sticky by client address, REST round robin."""

from __future__ import annotations

import asyncio
import itertools

from bot.modelops.balancer import pick_backend, serve


def test_socketio_sticks_to_the_client_address_and_rest_goes_round_robin() -> None:
    rr = itertools.count()
    picks = {pick_backend(b"/socket.io/?EIO=4&transport=polling", "127.0.0.1", 3, rr)
             for _ in range(10)}  # fmt: skip
    assert len(picks) == 1
    assert [pick_backend(b"/webhooks/rest/webhook", "127.0.0.1", 3, rr) for _ in range(4)] == [
        0, 1, 2, 0]  # fmt: skip


def test_connections_are_relayed_whole_to_the_backends() -> None:
    async def main() -> list[bytes]:
        async def backend(name: bytes):  # type: ignore[no-untyped-def]
            async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                while line := await r.readline():
                    w.write(name + b" " + line)
                    await w.drain()
                w.close()

            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            return server, server.sockets[0].getsockname()[1]

        (a, pa), (b, pb) = await backend(b"A"), await backend(b"B")
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        task = asyncio.create_task(serve("127.0.0.1", port, [("127.0.0.1", pa),
                                                             ("127.0.0.1", pb)]))  # fmt: skip
        await asyncio.sleep(0.2)
        replies = []
        for _ in range(2):
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"POST /webhooks/rest/webhook HTTP/1.1\r\nsecond line\r\n")
            await w.drain()
            replies.append(await r.readline() + await r.readline())
            w.close()
        task.cancel()
        a.close()
        b.close()
        return replies

    first, second = asyncio.run(main())
    assert first.startswith(b"A POST /webhooks") and b"A second line" in first
    assert second.startswith(b"B POST /webhooks")
