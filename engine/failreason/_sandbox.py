"""A local, Pleo-compatible Export API for integration tests: the sandbox.

    with Sandbox(token="t") as sandbox:
        job_id, entry_ids = sandbox.create_job(250)  # started: in_progress
        httpx.get(f"{sandbox.base_url}/v3/export-jobs/{job_id}", headers={...: "Bearer t"})

It serves Pleo's ``/v3`` export endpoints on loopback from memory, one thread per
connection: ``GET``/``POST /v3/export-jobs``, ``GET /v3/export-jobs/{jobId}``, ``GET``/``PUT
/v3/export-jobs/{jobId}/items``, ``POST /v3/export-job-events`` and ``GET
/v3/export-items?job_id=``. It is as strict as Pleo's published contract
(``contract/export-api-v3.json``) and no stricter (``_sandbox_state.py`` lists every error);
``warnings=True`` reports stricter checks in the log instead. ``contract=True`` checks every
request and answer against the contract (``_sandbox_contract.py``). Two options bring back
what earlier versions did: ``accept_seed_job_type`` (the seed's job type on events) and
``legacy_item_errors`` (``EXPORT_ITEM_ALREADY_FINAL``). ``webhook_url`` and ``webhook_secret``
announce each job created with a signed ``export-job.created`` (``_sandbox_webhooks.py``).
Authentication: ``Authorization:
Bearer <token>``, or HTTP Basic with the API key as user name and an empty password;
anything else is 401 ``UNAUTHORIZED``. With neither a token nor an API key configured, every
request is let in. ``/v3`` requests may get a fault from the ``FaultPlan``
(``_sandbox_faults.py``), decided in their order of arrival and before authentication, as a
gateway in front of the API would.

Whatever a client sends, the answer is JSON ``{"type", "message"}`` and nothing reaches
stderr: a request line or headers the HTTP parser refuses are 400 (414, 431 when too long),
an unknown method 405 (with ``Allow``), a body without ``Content-Length`` (chunked) 411, a bad
``Content-Length`` 400, a body over ``MAX_BODY_BYTES`` 413, a body that is not UTF-8 JSON
(bad syntax, numbers past Python's digit limit, nesting past its recursion limit) 400. A
connection idle for ``connection_timeout`` seconds (30 by default) is closed.

Sandbox-only endpoints, never faulted, with the same credentials as the API:

``POST /sandbox/jobs``                 ``{"items": N}`` or ``{"accountingEntryIds": [...]}``,
                                       at most ``MAX_JOB_ITEMS``, optional ``"start": true``;
                                       201 ``{"data": ExportJob, "accountingEntryIds": [...]}``;
                                       the job is ``pending`` unless started
``GET /sandbox/log``                   ``{"data": [{"index", "method", "path", "itemCount",
                                       "status", "fault", "contract", "warnings"}]}``, every
                                       ``/v3`` request in order
                                       of arrival; ``status`` is null when nothing was applied
                                       (``drop``) and what was applied for ``lost``
``GET /sandbox/jobs/{jobId}/events``   ``{"data": [event]}``, the events the API accepted
``GET /sandbox/stats``                 ``{"data": {"requests", "duplicateItemUpdates",
                                       "oversizedPuts"}}``
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from failreason._sandbox_contract import ContractWatch, active_watches, exchange_problems
from failreason._sandbox_faults import ANSWERING_KINDS, FaultPlan
from failreason._sandbox_model import DEFAULT_EXPIRY_SECONDS, ApiError, Clock, Event, Item, Job
from failreason._sandbox_server import MAX_BODY_BYTES, _Server
from failreason._sandbox_state import SandboxState
from failreason._sandbox_webhooks import webhook_sender
from failreason._sandbox_wire import (
    _EXPORT_ITEMS,
    _ITEMS,
    _JOB,
    _JOBS,
    _allow,
    _allowed_methods,
    _basic_problem,
    _fault_response,
    _json,
    _json_body,
    _parse,
    _Response,
    _sent_items,
)

__all__ = ["MAX_BODY_BYTES", "MAX_JOB_ITEMS", "LogRecord", "Sandbox"]

_CONTROL_EVENTS = re.compile(r"/sandbox/jobs/([^/]+)/events")
MAX_JOB_ITEMS = 100_000  # items of one job made over HTTP: more would hold the lock for seconds


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
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        self._address = (host, port)
        self._webhooks = webhook_sender(webhook_url, webhook_secret)  # _sandbox_webhooks.py
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
        if self._webhooks is not None:
            self._webhooks.close()

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
        self,
        n_items: int = 0,
        *,
        start: bool = True,
        entry_ids: Sequence[str] | None = None,
        vendor_based_bookkeeping: bool = False,
        data: Mapping[str, str | Mapping[str, Any]] | None = None,
    ) -> tuple[str, tuple[str, ...]]:
        """A new job with ``n_items`` new entries (or ``entry_ids``): ``(job_id, entry_ids)``;
        ``data={entry_id: shape}`` shapes export items (``_sandbox_export_items.SHAPES``)."""
        ids = n_items if entry_ids is None else entry_ids
        with self._lock:
            job = self._state.create_job(
                ids, start=start, vendor_based_bookkeeping=vendor_based_bookkeeping, data=data
            )
            self._announce(job.id)
            return job.id, tuple(item.accounting_entry_id for item in self._state.items(job.id))

    def _announce(self, job_id: str) -> None:
        if self._webhooks is not None:  # delivered from its own thread, never waited for here
            self._webhooks.job_created(self._state.job_json(job_id))

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
            self._announce(job.id)
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
