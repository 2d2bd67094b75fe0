"""The sandbox's HTTP server: one thread per connection, JSON errors for what it refuses."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from failreason._sandbox_wire import _allow_header, _json, _Response

MAX_BODY_BYTES = 8 * 1024 * 1024  # a request body: 100 full items or 100 000 ids fit
_PARSER_ERRORS = {  # what http.server refuses itself, as the API's error types
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    414: "URI_TOO_LONG",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
}


class Served(Protocol):
    """What the server needs of the sandbox it serves."""

    connection_timeout: float

    def _handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> _Response | None: ...

    def _control_auth(self, headers: Mapping[str, str]) -> _Response | None: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Served) -> None:
        self.sandbox = sandbox
        self.connection_timeout = sandbox.connection_timeout
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler thread waiting on a kept-alive connection, so it ends."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the other side
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client went away mid-request: nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real clients expect
    disable_nagle_algorithm = True  # answer at once, not after the client's delayed ACK
    wbufsize = -1  # headers and body leave in one write, flushed after each request

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.connection_timeout)  # idle clients let go

    def do_GET(self) -> None:  # the names http.server dispatches to
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox keeps its own log."""

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # a bare "GET /": answer as HTTP/1.1 would
            self.send_error(400, "send an HTTP/1.1 request line: METHOD /path HTTP/1.1")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The HTTP parser's refusals, as the API's JSON errors rather than an HTML page."""
        if self.request_version == "HTTP/0.9":
            self.request_version = self.protocol_version  # so a status line and headers go out
        allow: tuple[tuple[str, str], ...] = ()
        if code == 501:  # http.server's answer to a method it has no do_ for
            code, message = 405, f"{self.command} is not allowed here"
            allow = (("Allow", _allow_header(self.path)),)
        elif code not in _PARSER_ERRORS:
            code = 400
        text = message or self.responses.get(code, ("bad request",))[0]
        self.close_connection = True
        self._send(_json(code, {"type": _PARSER_ERRORS[code], "message": text}, allow))

    def _serve(self) -> None:
        body = self._body()
        if body is None:
            return
        headers = {key.lower(): value for key, value in self.headers.items()}
        # http.server decodes the request line as Latin-1; clients send paths in UTF-8.
        target = self.path.encode("latin-1").decode("utf-8", "replace")
        if urlsplit(target).path.startswith("/sandbox/"):
            refused = self.server.sandbox._control_auth(headers)
            if refused is not None:
                self._send(refused)
                return
        try:
            response = self.server.sandbox._handle(self.command, target, headers, body)
        except Exception:
            self.server.handle_error(self.request, self.client_address)  # a bug must be seen
            self.close_connection = True
            message = "the sandbox failed on this request; this is a bug in failreason"
            self._send(_json(500, {"type": "INTERNAL_SERVER_ERROR", "message": message}))
            return
        if response is None:
            self.close_connection = True  # no answer: the client sees the connection close
            return
        self._send(response)

    def _body(self) -> bytes | None:
        """The request body, or None after answering why it cannot be read."""
        asked_to_close = self.close_connection
        self.close_connection = True  # until the body is read, what follows it is unknown
        if self.headers.get("Transfer-Encoding") is not None:
            message = "send the body with a Content-Length, not a Transfer-Encoding"
            self._send(_json(411, {"type": "LENGTH_REQUIRED", "message": message}))
            return None
        lengths = set(self.headers.get_all("Content-Length") or ["0"])
        length = lengths.pop().strip() if len(lengths) == 1 else ""
        if not (length.isascii() and length.isdigit()):
            message = "Content-Length must be one whole number of bytes"
            self._send(_json(400, {"type": "BAD_REQUEST", "message": message}))
            return None
        if len(length) > 12 or int(length) > MAX_BODY_BYTES:
            message = f"the body is over the sandbox's {MAX_BODY_BYTES} bytes"
            self._send(_json(413, {"type": "PAYLOAD_TOO_LARGE", "message": message}))
            return None
        body = self.rfile.read(int(length)) if int(length) else b""
        if len(body) < int(length):
            return None  # the client went away mid-body (killed): no request, nothing to answer
        self.close_connection = asked_to_close
        return body

    def _send(self, response: _Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)
