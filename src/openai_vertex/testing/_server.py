"""A tiny threaded HTTP/1.1 server on 127.0.0.1 that the fakes build on.

Only the standard library is used so the fakes behave the same whichever HTTP stack (httpx, httpx2,
requests) the code under test uses. The server speaks HTTP/1.1 with keep-alive because that is what
real clients pool against; streamed answers use chunked transfer encoding and flush every event, so a
client sees each SSE event as soon as it is written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Exchange", "LoopbackServer"]

logger = logging.getLogger("openai_vertex.testing")

JSON_TYPE = "application/json; charset=UTF-8"

_S = TypeVar("_S", bound="LoopbackServer")


class Exchange:
    """One request and the means to answer it; handed to `LoopbackServer.handle`."""

    def __init__(self, handler: _Handler, body: bytes) -> None:
        self._handler = handler
        split = urlsplit(handler.path)
        self.method: str = handler.command
        self.path: str = split.path
        self.query_string: str = split.query
        self.query: dict[str, str] = dict(parse_qsl(split.query, keep_blank_values=True))
        # Lower-cased names so lookups do not depend on the client's spelling.
        self.headers: dict[str, str] = {k.lower(): v for k, v in handler.headers.items()}
        self.body: bytes = body
        self.responded = False
        self._streaming = False

    def json_body(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer with a complete body (Content-Length framing, connection kept alive)."""
        h = self._handler
        self.responded = True
        h.send_response(status)
        if content_type is not None:
            h.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body and self.method != "HEAD":
            h.wfile.write(body)
        h.wfile.flush()

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(payload).encode(), JSON_TYPE, headers)

    def start_stream(self, status: int, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Send the head of a chunked answer; follow with `write_chunk` calls and `end_stream`."""
        h = self._handler
        self.responded = True
        self._streaming = True
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        if not data:  # an empty chunk would end the body early
            return
        w = self._handler.wfile
        w.write(b"%X\r\n%s\r\n" % (len(data), data))
        w.flush()

    def end_stream(self) -> None:
        w = self._handler.wfile
        w.write(b"0\r\n\r\n")
        w.flush()
        self._streaming = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openai-vertex-fake"
    # A bound on idle keep-alive connections, so a forgotten client cannot pin a thread forever.
    timeout = 60
    # Head and body go out as separate writes; with Nagle on, the body waits for the client's delayed
    # ACK (about 40 ms per answer on Linux loopback), which no real server makes its clients wait.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        exchange = Exchange(self, self._read_body())
        try:
            self.server.owner.handle(exchange)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-answer; nothing to report
        except Exception as exc:
            # Only the exception type: a message or traceback could carry headers or tokens.
            logger.warning("%s handler failed: %s", type(self.server.owner).__name__, type(exc).__name__)
            if exchange.responded:
                self.close_connection = True
            else:
                error = {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}
                exchange.send_json(500, [{"error": error}])
        if exchange._streaming:  # a handler that forgot end_stream leaves a broken framing
            self.close_connection = True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line (it includes the request line)."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default backlog of 5 resets connections under concurrent tests

    def __init__(self, owner: LoopbackServer) -> None:
        self.owner = owner
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Replace the default traceback print, which can show request headers."""
        logger.debug("fake server connection error from %s", client_address[0])


class LoopbackServer:
    """Base for the fakes: owns the server and its daemon thread; subclasses implement `handle`."""

    _thread_name = "openai-vertex-fake"

    def __init__(self) -> None:
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handle(self, exchange: Exchange) -> None:  # pragma: no cover - always overridden
        raise NotImplementedError

    def start(self: _S) -> _S:
        if self._httpd is None:
            self._httpd = _HTTPServer(self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=self._thread_name,
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        # Wake handler threads parked on idle keep-alive connections so they end now.
        with httpd.sockets_lock:
            sockets = list(httpd.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running; use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "closed"
        return f"<{type(self).__name__} {where}>"
