"""Sockets for image fetches: connect to vetted addresses only, and cut a read at the deadline."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from .targets import IPAddress

__all__ = ["Watchdog", "open_socket"]


def open_socket(
    addresses: list[IPAddress], port: int, timeout: float, connect_timeout: float
) -> socket.socket:
    """Connect to the first reachable vetted address, all attempts within one ``connect_timeout``."""
    deadline = time.monotonic() + connect_timeout
    error: OSError = TimeoutError("connect timed out")
    for ip in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            sock = socket.create_connection((str(ip), port), timeout=remaining)
        except OSError as exc:
            error = exc
            continue
        sock.settimeout(timeout)  # each later read gets the full timeout
        return sock
    raise error


class Watchdog:
    """Cuts a hop's connection at the image's deadline, so a read blocked on a slow server returns."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._timer: threading.Timer | None = None

    def watch(self, sock: socket.socket) -> None:
        self._timer = threading.Timer(self.deadline - time.monotonic(), self._cut, (sock,))
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()  # a cut already under way finishes before the caller closes the socket

    def _cut(self, sock: socket.socket) -> None:
        self.fired = True
        # The plain socket's shutdown, also under TLS: SSLSocket.shutdown would drop the TLS state that
        # the reading thread is still using. Reads then see end of file or an error.
        with contextlib.suppress(OSError):  # the server may have closed it already
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
