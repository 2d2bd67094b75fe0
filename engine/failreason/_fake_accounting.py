"""A fake accounting system on loopback, for connector tests and the demo.

    from failreason.testing import FakeAccountingSystem, RateLimit, real_errors

    with FakeAccountingSystem() as books:
        books.script("entry-3", real_errors(types=["vendor_unknown"])[0])
        books.script("entry-5", RateLimit(retry_after=0))
        summary = run_export(pleo, books.post_entry(), validate=books.validate())
    assert books.created_count("entry-5") == 1

``POST /entries`` takes one of Pleo's export items (``ExportItemV3``, JSON) and answers 201
``{"id": "JE-10001", "url": "<base_url>/entries/JE-10001"}``. It is idempotent by
``accountingEntryId``: the same entry posted again answers the same id, with the header
``Idempotent-Replayed: true`` (Stripe's name for it), and makes nothing new; a connector run
again after a crash relies on exactly this. ``GET /entries/{id}`` reads an entry back;
``GET /health`` is what a connector's pre-export validation calls: 200, or what
``set_health`` scripts, or connection refused once the fake is closed.

Outcomes are scripted per entry id (``script``) or by a rule over the item (``script_by``),
and taken in turn by each post of an entry not made yet:

``Answer``     an accounting system's error answer (status, headers, body); ``real_errors``
               lists the built-in rules' own examples as answers. A refusal sticks: the
               entry is refused again on every later post, as a real system would.
``RateLimit``  429 with ``Retry-After``, then the next outcome (success when none is left)
``Slow``       the entry is made at once but the answer comes ``seconds`` late, so a client
               with a shorter timeout gives up; its retry gets the same id back

Scripted answers carry ``Fake-Accounting-System: <system>`` (this fake's own header), naming
the system whose error they imitate. ``post_entry()`` and ``validate()`` are the runner's
functions (``post_entry_async()`` and ``validate_async()`` for ``run_export_async``); ``log``
holds what each post was answered, ``entries`` what was made.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from failreason._fake_accounting_outcomes import (
    SYSTEM_HEADER,
    Answer,
    Entry,
    Exchange,
    Outcome,
    RateLimit,
    Slow,
    real_errors,
)
from failreason._run_types import (
    AsyncPostEntry,
    AsyncValidate,
    ExportItem,
    Failed,
    Posted,
    PostEntry,
    Validate,
)
from failreason._sandbox_server import _Server
from failreason._sandbox_wire import _json, _Response

if TYPE_CHECKING:
    import httpx


__all__ = [
    "Answer",
    "Entry",
    "Exchange",
    "FakeAccountingSystem",
    "Outcome",
    "RateLimit",
    "Slow",
    "real_errors",
]

_ENTRY = re.compile(r"/entries/([^/]+)")
_HEALTH_BODIES = {
    401: {"error": "invalid_token", "message": "The access token is invalid or has expired"},
    403: {"error": "forbidden", "message": "The user has no access to this company's ledger"},
    503: {"error": "unavailable", "message": "Service Unavailable: down for maintenance"},
}


class FakeAccountingSystem:
    """An accounting system's entry API on loopback; a context manager that serves while open."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, first_id: int = 10001) -> None:
        self._address = (host, port)
        self.connection_timeout = 30.0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._next_id = first_id
        self._entries: dict[str, Entry] = {}  # by accountingEntryId
        self._posts: dict[str, int] = {}
        self._log: list[Exchange] = []
        self._scripts: dict[str, list[Outcome]] = {}
        self._rule: Callable[[ExportItem], Sequence[Outcome]] | None = None
        self._health: Answer | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        self._clients: dict[float, httpx.Client] = {}  # the posting functions', by timeout

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> FakeAccountingSystem:
        if self._server is None:
            self._closing.clear()
            self._server = _Server(self._address, self)
            host, port = self._server.server_address[:2]
            self._base_url = f"http://{host!s}:{port}"
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; later requests to ``base_url`` find the connection refused."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._closing.set()  # late answers stop waiting
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        with self._lock:
            self._server = self._thread = None
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def __enter__(self) -> FakeAccountingSystem:
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
        """``http://127.0.0.1:PORT``, once started (kept after closing, to be refused)."""
        if self._base_url is None:
            raise RuntimeError("the fake accounting system has not started; use it as a context")
        return self._base_url

    # -- scripting and inspecting -----------------------------------------------------------

    def script(self, entry_id: str, *outcomes: Outcome) -> None:
        """What posts of ``entry_id`` get, in turn, before it is made (replaces any script)."""
        with self._lock:
            self._scripts[entry_id] = list(outcomes)

    def script_by(self, rule: Callable[[ExportItem], Sequence[Outcome]] | None) -> None:
        """``rule(item)`` scripts an entry not scripted by id, at its first post."""
        with self._lock:
            self._rule = rule

    def set_health(self, answer: Answer | int = 200) -> None:
        """What ``GET /health`` answers: 200, a status (401, 403, 503 have bodies) or Answer."""
        if isinstance(answer, int):
            answer = Answer(answer, _HEALTH_BODIES.get(answer, {"error": "failed"}))
        with self._lock:
            self._health = answer if answer.status != 200 else None

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry made, in the order made."""
        with self._lock:
            return tuple(self._entries.values())  # a dict keeps the order of making

    def created_count(self, entry_id: str) -> int:
        """Entries made for the export item ``entry_id``: 1 once posted, never more."""
        with self._lock:
            return sum(e.accounting_entry_id == entry_id for e in self._entries.values())

    @property
    def log(self) -> tuple[Exchange, ...]:
        """What each ``POST /entries`` of an entry was answered, in order (late ones too)."""
        with self._lock:
            return tuple(self._log)

    def post_count(self, entry_id: str) -> int:
        """``POST /entries`` requests that carried ``entry_id``, answered or not."""
        with self._lock:
            return self._posts.get(entry_id, 0)

    # -- the client side --------------------------------------------------------------------

    def post_entry(self, *, system: str | None = None, timeout: float = 5.0) -> PostEntry:
        """A connector's posting function: ``Posted`` on 201, or the answer's error raised.

        An error answer raises ``httpx.HTTPStatusError``, and transport errors are raised as
        httpx raises them, for the runner to classify; with ``system``, an error answer is
        returned as ``Failed`` with an envelope naming that system instead (``"answer"``:
        the system named by the fake's header, for a fake imitating several systems).
        """
        url = f"{self.base_url}/entries"

        def post(item: ExportItem) -> Posted | Failed:
            return _read_answer(self._send("POST", url, timeout, dict(item)), system)

        return post

    def validate(self, *, timeout: float = 5.0) -> Validate:
        """A pre-export validation: ``GET /health``, raising what httpx raises on failure."""
        url = f"{self.base_url}/health"

        def check(job: Mapping[str, Any]) -> None:
            self._send("GET", url, timeout).raise_for_status()

        return check

    def post_entry_async(
        self, *, system: str | None = None, timeout: float = 5.0
    ) -> AsyncPostEntry:
        """``post_entry`` for ``run_export_async``: the same answers, awaited."""
        url = f"{self.base_url}/entries"

        async def post(item: ExportItem) -> Posted | Failed:
            async with _async_client(timeout) as client:
                response = await client.post(url, json=dict(item))
            return _read_answer(response, system)

        return post

    def validate_async(self, *, timeout: float = 5.0) -> AsyncValidate:
        """``validate`` for ``run_export_async``."""
        url = f"{self.base_url}/health"

        async def check(job: Mapping[str, Any]) -> None:
            async with _async_client(timeout) as client:
                (await client.get(url)).raise_for_status()

        return check

    def _send(self, method: str, url: str, timeout: float, body: object = None) -> httpx.Response:
        """One request through the fake's client for ``timeout`` (a client per call costs
        ~20 ms of TLS set-up); once closed, a one-off request meets the refused connection."""
        import httpx

        with self._lock:
            client = self._clients.get(timeout) if self._server is not None else None
            if self._server is not None and client is None:
                client = self._clients[timeout] = httpx.Client(timeout=timeout, trust_env=False)
        if client is None:
            with httpx.Client(timeout=timeout, trust_env=False) as once:
                return once.request(method, url, json=body)
        return client.request(method, url, json=body)

    # -- serving (called by the server's handler threads) -----------------------------------

    def _control_auth(self, headers: Mapping[str, str]) -> _Response | None:
        return None  # no control endpoints: nothing to refuse

    def _handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> _Response | None:
        path = target.split("?", 1)[0]
        if path == "/health" and method == "GET":
            with self._lock:
                health = self._health
            return health.response() if health else _json(200, {"status": "ok"})
        if path == "/entries" and method == "POST":
            return self._post(body)
        if (match := _ENTRY.fullmatch(path)) and method == "GET":
            return self._read(match[1])
        return _json(404, {"error": "not_found", "message": f"no {method} {path} here"})

    def _read(self, external_id: str) -> _Response:
        with self._lock:
            found = [e for e in self._entries.values() if e.id == external_id]
        if not found:
            return _json(404, {"error": "not_found", "message": f"no entry {external_id}"})
        entry = found[0]
        return _json(200, {"id": entry.id, "url": entry.url, "item": dict(entry.item)})

    def _post(self, body: bytes) -> _Response:
        try:
            item = json.loads(body)
        except ValueError:
            return _json(400, {"error": "bad_request", "message": "the body is not JSON"})
        entry_id = item.get("accountingEntryId") if isinstance(item, dict) else None
        if not isinstance(entry_id, str) or not entry_id:
            message = "send an export item with an accountingEntryId"
            return _json(400, {"error": "bad_request", "message": message})
        response = self._answer(entry_id, item)
        with self._lock:
            text = response.body.decode("utf-8", "replace")
            self._log.append(Exchange(entry_id, response.status, text, response.content_type))
        return response

    def _answer(self, entry_id: str, item: dict[str, Any]) -> _Response:
        outcome = self._next_outcome(entry_id, item)
        if isinstance(outcome, Answer):
            return outcome.response()
        if isinstance(outcome, RateLimit):
            headers = (("Retry-After", str(outcome.retry_after)),)
            return _json(429, {"error": "rate_limited", "message": "Too many requests"}, headers)
        entry, replayed = self._make(entry_id, item)
        if isinstance(outcome, Slow):
            self._closing.wait(outcome.seconds)
        replay = (("Idempotent-Replayed", "true"),) if replayed else ()
        return _json(201, {"id": entry.id, "url": entry.url}, replay)

    def _next_outcome(self, entry_id: str, item: dict[str, Any]) -> Outcome | None:
        """The scripted outcome for this post; None: make the entry (or answer it again)."""
        with self._lock:
            self._posts[entry_id] = self._posts.get(entry_id, 0) + 1
            if entry_id in self._entries:
                return None
            if entry_id not in self._scripts:
                self._scripts[entry_id] = list(self._rule(item)) if self._rule else []
            script = self._scripts[entry_id]
            if not script:
                return None
            outcome = script[0]
            if not (isinstance(outcome, Answer) and len(script) == 1):
                script.pop(0)  # a last refusal sticks
            return outcome

    def _make(self, entry_id: str, item: dict[str, Any]) -> tuple[Entry, bool]:
        with self._lock:
            if entry_id in self._entries:
                return self._entries[entry_id], True
            external_id = f"JE-{self._next_id}"
            self._next_id += 1
            entry = Entry(external_id, f"{self.base_url}/entries/{external_id}", entry_id, item)
            self._entries[entry_id] = entry
            return entry, False


def _read_answer(response: httpx.Response, system: str | None) -> Posted | Failed:
    """201: the entry made; an error answer raised as httpx does (or, naming a system, Failed)."""
    named = response.headers.get(SYSTEM_HEADER) if system == "answer" else system
    if response.is_success or named is None:
        response.raise_for_status()  # an error answer, for the runner to classify
        answer = response.json()
        return Posted(external_id=answer["id"], external_url=answer["url"])
    return Failed(_envelope(response, named))


def _async_client(timeout: float) -> httpx.AsyncClient:
    """One client per call (an event loop owns it); plain HTTP, so no certificates to load."""
    import httpx

    return httpx.AsyncClient(timeout=timeout, trust_env=False, verify=False)  # noqa: S501


def _envelope(response: httpx.Response, system: str) -> dict[str, Any]:
    headers = {k: v for k, v in response.headers.items() if k.lower() != SYSTEM_HEADER.lower()}
    status = response.status_code
    return {"system": system, "status": status, "headers": headers, "body": response.text}
