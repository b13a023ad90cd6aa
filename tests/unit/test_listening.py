"""The sockets ``mestring serve`` and ``mestring demo`` listen on."""

from __future__ import annotations

import asyncio
import socket

from mestring_cli.listening import listening_sockets
from survey_app.mail.outbox import free_port


async def test_accepted_connections_send_at_once():
    """asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections accepted from a
    socket made as TCP; without it every kept-alive response waited about 40 ms for the
    client's delayed ACK."""
    seen: list[int] = []

    async def accept(reader, writer):
        seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    with listening_sockets("127.0.0.1", free_port()) as sockets:
        server = await asyncio.start_server(accept, sock=sockets[0])
        port = sockets[0].getsockname()[1]
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()
    assert seen and seen[0] != 0
