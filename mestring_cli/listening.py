"""The web server's address, claimed before anything else starts.

``mestring serve`` and ``mestring demo`` open their listening sockets first and hand them to
uvicorn: a port in use or a wrong ``--host`` ends in one line that says what to do, before the
banner, the database or the demo's seeding, and no other program can take the port meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import socket
from collections.abc import Iterator


class CannotListen(Exception):
    """The address cannot be used; the message says what to do instead."""


def port_number(text: str) -> int:
    """``--port``'s type: a TCP port a server can listen on."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535), e.g. 8000")
    return int(text)


def http_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def listening_sockets(host: str, port: int) -> Iterator[list[socket.socket]]:
    """Sockets listening on every address of ``host`` at ``port``, closed on leaving.

    Raises
    ------
    CannotListen
        When the host is unknown, not an address of this machine, or the port is taken.
    """
    sockets: list[socket.socket] = []
    try:
        for family, address in _addresses(host, port):
            listener = _listen(family, address, host, port)
            if listener is not None:
                sockets.append(listener)
        if not sockets:
            raise CannotListen(
                f"--host {host} is not an address of this machine: "
                "use 127.0.0.1 (this machine only) or 0.0.0.0 (all its networks)"
            )
        yield sockets
    finally:
        for listener in sockets:
            listener.close()


def _addresses(host: str, port: int) -> list[tuple[socket.AddressFamily, tuple]]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise CannotListen(
            f"--host {host} is not a name or address this machine knows: "
            "use 127.0.0.1 (this machine only) or 0.0.0.0 (all its networks)"
        ) from None
    return list(dict.fromkeys((family, address) for family, _, _, _, address in found))


def _listen(family: socket.AddressFamily, address: tuple, host: str, port: int) -> socket.socket | None:
    """A socket listening on ``address``; None when the address is not configured here."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says it is TCP; without it every response on a kept-alive connection
    # waited for the client's delayed ACK (about 40 ms).
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # As uvicorn and asyncio do: a restart need not wait for the old connections' TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            # "::" and "0.0.0.0" side by side, as asyncio binds them.
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        listener.bind(address)
        # Listening at once: on Linux two sockets with SO_REUSEADDR may both bind a port that
        # nobody listens on yet.
        listener.listen()
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRNOTAVAIL:
            # Like asyncio: e.g. "localhost" also names ::1 on a machine without IPv6.
            return None
        raise CannotListen(_explain(exc, host, port)) from None
    return listener


def _explain(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        other = port + 1 if port < 65535 else 8000
        return f"Port {port} on {host} is already in use: stop the other program or choose another with --port {other}"
    return f"Cannot listen on port {port} of {host} ({exc.strerror}): choose another --port or --host"
