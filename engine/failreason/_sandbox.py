"""A local, Pleo-compatible Export API for integration tests: the sandbox.

    with Sandbox(token="t") as sandbox:
        job_id, entry_ids = sandbox.create_job(250)  # started: in_progress
        httpx.get(f"{sandbox.base_url}/v3/export-jobs/{job_id}", headers={...: "Bearer t"})

It serves Pleo's ``/v3`` export endpoints on loopback from memory, one thread per
connection, and enforces the contract strictly (``_sandbox_state.py`` lists every error).
Authentication: ``Authorization: Bearer <token>``, or HTTP Basic with the API key as user
name and an empty password; anything else is 401 ``UNAUTHORIZED``. With neither a token
nor an API key configured, every request is let in. ``/v3`` requests may get a fault from
the ``FaultPlan`` (``_sandbox_faults.py``), decided in their order of arrival and before
authentication, as a gateway in front of the API would.

Whatever a client sends, the answer is JSON ``{"type", "message"}`` and nothing reaches
stderr: a request line or headers the HTTP parser refuses are 400 (414, 431 when too long),
an unknown method 405, a body without ``Content-Length`` (chunked) 411, a bad
``Content-Length`` 400, a body over ``MAX_BODY_BYTES`` 413, a body that is not UTF-8 JSON
(bad syntax, numbers past Python's digit limit, nesting past its recursion limit) 400. A
connection idle for ``connection_timeout`` seconds (30 by default) is closed.

Sandbox-only endpoints, never faulted, with the same credentials as the API:

``POST /sandbox/jobs``                 ``{"items": N}`` or ``{"accountingEntryIds": [...]}``,
                                       at most ``MAX_JOB_ITEMS``, optional ``"start": true``;
                                       201 ``{"data": ExportJob, "accountingEntryIds": [...]}``;
                                       the job is ``pending`` unless started
``GET /sandbox/log``                   ``{"data": [{"index", "method", "path", "itemCount",
                                       "status", "fault"}]}``, every ``/v3`` request in order
                                       of arrival; ``status`` is null when nothing was applied
                                       (``drop``) and what was applied for ``lost``
``GET /sandbox/jobs/{jobId}/events``   ``{"data": [event]}``, the events the API accepted
``GET /sandbox/stats``                 ``{"data": {"requests", "duplicateItemUpdates",
                                       "oversizedPuts"}}``
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import math
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from failreason._sandbox_contract import ContractWatch, active_watches, exchange_problems
from failreason._sandbox_faults import ANSWERING_KINDS, Fault, FaultPlan
from failreason._sandbox_model import DEFAULT_EXPIRY_SECONDS, ApiError, Clock, Event, Item, Job
from failreason._sandbox_state import SandboxState

_JOB = re.compile(r"/v3/export-jobs/([^/]+)")
_ITEMS = re.compile(r"/v3/export-jobs/([^/]+)/items")
_JOBS = "/v3/export-jobs"
_EVENTS = "/v3/export-job-events"
_EXPORT_ITEMS = "/v3/export-items"
_CONTROL_EVENTS = re.compile(r"/sandbox/jobs/([^/]+)/events")
MAX_JOB_ITEMS = 100_000  # items of one job made over HTTP: more would hold the lock for seconds
MAX_BODY_BYTES = 8 * 1024 * 1024  # a request body: 100 full items or MAX_JOB_ITEMS ids fit
_PARSER_ERRORS = {  # what http.server refuses itself, as the API's error types
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    414: "URI_TOO_LONG",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
}
_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@dataclass(frozen=True)
class LogRecord:
    """One ``/v3`` request: ``status`` is what was applied (None: nothing, for ``drop``)."""

    index: int
    method: str
    path: str
    item_count: int | None  # items sent (PUT) or returned (GET .../items)
    status: int | None
    fault: str | None
    contract: tuple[str, ...] = ()  # what the exchange got wrong, when the contract is checked
    warnings: tuple[str, ...] = ()  # checks stricter than the spec, when asked for

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "itemCount": self.item_count,
            "status": self.status,
            "fault": self.fault,
            "contract": list(self.contract),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def _json(status: int, value: object, headers: tuple[tuple[str, str], ...] = ()) -> _Response:
    return _Response(status, json.dumps(value).encode(), "application/json", headers)


class Sandbox:
    """The sandbox server and its state; a context manager that serves while open."""

    def __init__(  # noqa: PLR0913 - the documented constructor, every argument by name
        self,
        port: int = 0,
        token: str | None = "sandbox",  # noqa: S107 - a loopback test token, not a secret
        api_key: str | None = None,
        faults: FaultPlan | None = None,
        expiry_seconds: float = DEFAULT_EXPIRY_SECONDS,
        clock: Clock | None = None,
        *,
        host: str = "127.0.0.1",
        seed: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        connection_timeout: float = 30.0,
        contract: bool | None = None,
        warnings: bool = False,
        accept_seed_job_type: bool = False,
        legacy_item_errors: bool = False,
    ) -> None:
        self._address = (host, port)
        watches = active_watches()
        self._watches: tuple[ContractWatch, ...] = watches if contract is not False else ()
        self._contract = bool(contract) or (bool(watches) and contract is None)
        self._violations: list[str] = []
        self.connection_timeout = connection_timeout
        self._token, self._api_key = token, api_key
        self._faults = faults if faults is not None else FaultPlan()
        self._state = SandboxState(
            clock or time.time,
            expiry_seconds,
            seed,
            accept_seed_job_type=accept_seed_job_type,
            legacy_item_errors=legacy_item_errors,
            warnings=warnings,
        )
        self._sleep = sleep
        self._lock = threading.RLock()
        self._log: list[LogRecord] = []
        self._requests = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind the port and serve in a background thread."""
        if self._server is None:
            self._server = _Server(self._address, self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close every connection."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, once started."""
        if self._server is None:
            raise RuntimeError("the sandbox is not serving; use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- the state, directly ----------------------------------------------------------------

    def create_job(
        self, n_items: int = 0, *, start: bool = True, entry_ids: Sequence[str] | None = None
    ) -> tuple[str, tuple[str, ...]]:
        """A new job with ``n_items`` new entries (or ``entry_ids``): ``(job_id, entry_ids)``."""
        with self._lock:
            job = self._state.create_job(n_items if entry_ids is None else entry_ids, start=start)
            return job.id, tuple(item.accounting_entry_id for item in self._state.items(job.id))

    def job(self, job_id: str) -> Job:
        with self._lock:
            return self._state.job(job_id)

    def items(self, job_id: str) -> tuple[Item, ...]:
        with self._lock:
            return self._state.items(job_id)

    def events(self, job_id: str) -> tuple[Event, ...]:
        with self._lock:
            return self._state.events(job_id)

    @property
    def log(self) -> tuple[LogRecord, ...]:
        """Every ``/v3`` request so far, in order of arrival."""
        with self._lock:
            return tuple(sorted(self._log, key=lambda record: record.index))

    @property
    def contract_violations(self) -> tuple[str, ...]:
        """What requests and answers got wrong against Pleo's contract, when it is checked."""
        with self._lock:
            return tuple(self._violations)

    @property
    def duplicate_item_updates(self) -> int:
        """Item updates that re-sent an item's final status."""
        with self._lock:
            return self._state.duplicate_item_updates

    @property
    def oversized_puts(self) -> int:
        """Item updates refused for holding more than 100 items."""
        with self._lock:
            return self._state.oversized_puts

    # -- serving ----------------------------------------------------------------------------

    def _handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> _Response | None:
        """The response to one request, or None to close the connection without one."""
        url = urlsplit(target)
        if url.path.startswith("/sandbox/"):
            return self._control(method, url.path, body)
        with self._lock:
            index, self._requests = self._requests, self._requests + 1
        fault = self._faults.decide(index)
        kind = fault.kind if fault else None
        returned: int | None = None
        response: _Response | None = None
        warnings: tuple[str, ...] = ()
        if fault is not None and fault.kind in ANSWERING_KINDS:
            response = _fault_response(fault)
        elif kind != "drop":
            if fault is not None and kind == "slow":
                self._sleep(fault.delay_seconds)
            response, returned, warnings = self._api(method, url, headers, body)
        count = returned if returned is not None else _sent_items(method, body)
        status = response.status if response else None
        problems = self._contract_problems(method, url, body, response, kind)
        record = LogRecord(index, method, url.path, count, status, kind, problems, warnings)
        with self._lock:
            self._log.append(record)
            self._violations.extend(problems)
        for watch in self._watches:
            watch.add(list(problems))
        return None if kind == "lost" else response

    def _contract_problems(
        self,
        method: str,
        url: SplitResult,
        body: bytes,
        response: _Response | None,
        fault: str | None,
    ) -> tuple[str, ...]:
        """The exchange against the contract; a gateway fault's answer is not the API's."""
        if not self._contract:
            return ()
        answered = response is not None and (fault is None or fault not in ANSWERING_KINDS)
        status = response.status if answered and response else None
        answer = response.body if answered and response else None
        path = unquote(url.path)
        return tuple(exchange_problems(method, path, url.query, body, status, answer))

    def _api(
        self, method: str, url: SplitResult, headers: Mapping[str, str], body: bytes
    ) -> tuple[_Response, int | None, tuple[str, ...]]:
        problem = self._auth_problem(headers.get("authorization"))
        if problem:
            challenge = (("WWW-Authenticate", 'Bearer realm="pleo-sandbox"'),)
            return _json(401, {"type": "UNAUTHORIZED", "message": problem}, challenge), None, ()
        with self._lock:
            try:
                response, returned = self._route(method, url, headers, body)
            except ApiError as exc:
                response, returned = _json(exc.status, exc.body(), exc.headers), None
            warnings = tuple(self._state.warnings)
            self._state.warnings.clear()
        return response, returned, warnings

    def _route(
        self, method: str, url: SplitResult, headers: Mapping[str, str], body: bytes
    ) -> tuple[_Response, int | None]:
        query = parse_qs(url.query, keep_blank_values=True)
        _allow(method, *_allowed_methods(url.path))
        if match := _ITEMS.fullmatch(url.path):
            job_id = unquote(match[1])
            if method == "GET":
                page = self._state.list_items(job_id, query)
                return _json(200, page.to_json(Item.to_json)), len(page.rows)
            result = self._state.update_items(job_id, _json_body(headers, body))
            return _json(200, result.to_json()), None
        if match := _JOB.fullmatch(url.path):
            return _json(200, {"data": self._state.job_json(unquote(match[1]))}), None
        if url.path == _JOBS and method == "GET":
            return _json(200, self._state.list_jobs(query)), None
        if url.path == _JOBS:
            job = self._state.create_job_from_api(_json_body(headers, body))
            return _json(201, {"data": self._state.job_json(job.id)}), None
        if url.path == _EXPORT_ITEMS:
            return _json(200, self._state.export_items(query)), None
        self._state.post_event(_json_body(headers, body))
        return _json(202, {}), None

    def _auth_problem(self, header: str | None) -> str | None:
        if self._token is None and self._api_key is None:
            return None
        if not header:
            return "missing Authorization header: send 'Bearer <token>' or Basic with the API key"
        scheme, _, credentials = header.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and self._token is not None:
            good = hmac.compare_digest(credentials.encode(), self._token.encode())
            return None if good else "the bearer token is not valid"
        if scheme.lower() == "basic" and self._api_key is not None:
            return _basic_problem(credentials, self._api_key)
        accepted = " or ".join(
            name for name, on in (("Bearer", self._token), ("Basic", self._api_key)) if on
        )
        return f"{scheme or 'this'} authentication is not accepted; use {accepted}"

    def _control_auth(self, headers: Mapping[str, str]) -> _Response | None:
        """401 for a control request without the API's credentials, else None."""
        problem = self._auth_problem(headers.get("authorization"))
        if problem is None:
            return None
        challenge = (("WWW-Authenticate", 'Bearer realm="pleo-sandbox"'),)
        return _json(401, {"type": "UNAUTHORIZED", "message": problem}, challenge)

    def _control(self, method: str, path: str, body: bytes) -> _Response:
        try:
            with self._lock:
                status, payload = self._control_route(method, path, body)
        except ApiError as exc:
            return _json(exc.status, exc.body(), exc.headers)
        return _json(status, payload)

    def _control_route(self, method: str, path: str, body: bytes) -> tuple[int, object]:
        if path == "/sandbox/jobs":
            _allow(method, "POST")
            job_id, entry_ids = self._create_from(_parse(body or b"{}"))
            job = self._state.job_json(job_id)
            return 201, {"data": job, "accountingEntryIds": list(entry_ids)}
        if path == "/sandbox/log":
            _allow(method, "GET")
            return 200, {"data": [record.to_json() for record in self.log]}
        if path == "/sandbox/stats":
            _allow(method, "GET")
            stats = {
                "requests": self._requests,
                "duplicateItemUpdates": self._state.duplicate_item_updates,
                "oversizedPuts": self._state.oversized_puts,
            }
            return 200, {"data": stats}
        if match := _CONTROL_EVENTS.fullmatch(path):
            _allow(method, "GET")
            events = self._state.events(unquote(match[1]))
            return 200, {"data": [event.to_json() for event in events]}
        raise ApiError(404, "NOT_FOUND", f"no sandbox endpoint {path}")

    def _create_from(self, spec: object) -> tuple[str, tuple[str, ...]]:
        if not isinstance(spec, dict) or not set(spec) <= {"items", "accountingEntryIds", "start"}:
            raise ApiError(400, "BAD_REQUEST", 'send {"items": N} or {"accountingEntryIds": [...]}')
        items, ids, start = spec.get("items"), spec.get("accountingEntryIds"), spec.get("start")
        if (items is None) == (ids is None) or not isinstance(start, bool | None):
            raise ApiError(400, "BAD_REQUEST", "give exactly one of items and accountingEntryIds")
        if ids is None and (not isinstance(items, int) or isinstance(items, bool) or items < 0):
            raise ApiError(400, "BAD_REQUEST", f"items must be a count of 0 or more, got {items!r}")
        if ids is not None and not isinstance(ids, list):
            raise ApiError(400, "BAD_REQUEST", "accountingEntryIds must be an array of strings")
        if (len(ids) if ids is not None else int(items or 0)) > MAX_JOB_ITEMS:
            message = f"a sandbox job holds at most {MAX_JOB_ITEMS} items"
            raise ApiError(400, "BAD_REQUEST", message)
        return self.create_job(items or 0, start=bool(start), entry_ids=ids)


def _allowed_methods(path: str) -> tuple[str, ...]:
    """The methods of an API path; 404 for a path the API does not have."""
    if _ITEMS.fullmatch(path):
        return ("GET", "PUT")
    if _JOB.fullmatch(path) or path == _EXPORT_ITEMS:
        return ("GET",)
    if path == _JOBS:
        return ("GET", "POST")
    if path == _EVENTS:
        return ("POST",)
    raise ApiError(404, "NOT_FOUND", f"no endpoint {path}")


def _allow_header(target: str) -> str:
    path = urlsplit(target).path
    if path.startswith("/sandbox/"):
        return "GET, POST"
    try:
        return ", ".join(_allowed_methods(path))
    except ApiError:
        return "GET, PUT, POST"


def _allow(method: str, *allowed: str) -> None:
    """405 with an ``Allow`` header naming what the path takes."""
    if method not in allowed:
        message = f"{method} is not allowed here; use {' or '.join(allowed)}"
        raise ApiError(405, "METHOD_NOT_ALLOWED", message, (("Allow", ", ".join(allowed)),))


def _parse(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError(400, "BAD_REQUEST", "the body is not UTF-8") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ApiError(400, "BAD_REQUEST", f"the body is not JSON: {exc.msg} at {where}") from exc
    except RecursionError as exc:
        raise ApiError(400, "BAD_REQUEST", "the body's JSON is nested too deeply") from exc
    except ValueError as exc:  # the only other one json raises: Python's integer digit limit
        message = f"the body holds a number longer than {sys.get_int_max_str_digits()} digits"
        raise ApiError(400, "BAD_REQUEST", message) from exc


def _json_body(headers: Mapping[str, str], body: bytes) -> object:
    media = headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        message = f"send the body as application/json, not {media or 'without a Content-Type'}"
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    return _parse(body)


def _sent_items(method: str, body: bytes) -> int | None:
    if method != "PUT" or not body.lstrip().startswith(b"["):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # refused as a whole: no item was sent
        return None
    return len(value) if isinstance(value, list) else None


def _basic_problem(credentials: str, api_key: str) -> str | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "the Basic credentials are not base64 of 'user:password'"
    user, colon, password = decoded.partition(":")
    if not colon or password:
        return "Basic authentication takes the API key as user name and an empty password"
    good = hmac.compare_digest(user.encode(), api_key.encode())
    return None if good else "the API key is not valid"


def _fault_response(fault: Fault) -> _Response:
    if fault.kind == "429":
        wait = fault.retry_after_seconds
        value = formatdate(math.ceil(time.time()) + wait, usegmt=True)
        retry_after = value if fault.retry_after_as_date else str(wait)
        body = {"type": "TOO_MANY_REQUESTS", "message": "Rate limit exceeded (sandbox fault)"}
        return _json(429, body, (("Retry-After", retry_after),))
    if fault.kind == "502":
        return _Response(502, _BAD_GATEWAY, "text/html")
    kinds = {"500": "INTERNAL_SERVER_ERROR", "503": "SERVICE_UNAVAILABLE"}
    message = f"{kinds[fault.kind].replace('_', ' ').capitalize()} (sandbox fault)"
    return _json(int(fault.kind), {"type": kinds[fault.kind], "message": message})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
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
