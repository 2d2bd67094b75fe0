"""``failreason serve``: classification over HTTP, for connectors in any language.

Only ``_serve_cli`` imports this module, when the command runs: Starlette is the optional
``serve`` extra, and nothing else in failreason may need it.

``POST /classify`` and ``POST /explain`` take one envelope (answered with one JSON object),
a JSON array of envelopes (an array, each item's error in its place as
``{"index": I, "error": ...}``) or JSON Lines with Content-Type ``application/x-ndjson``
(JSON Lines, each bad line as ``{"line": N, "error": ...}``, as ``failreason classify``
writes). A body that is not JSON, or a single value that is not an envelope, is a 400 with an
``application/problem+json`` body (RFC 9457); a body over the limit is a 413.

Classifying is CPU-bound and a cached or small one takes microseconds, less than handing it
to a worker thread: single envelopes and small batches run on the event loop; a large batch
goes to a worker thread so that other requests are still answered meanwhile.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from failreason._asgi_body import bounded_body
from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._exits import internal_error
from failreason._jsonl import BOM, BadLine, dumps, parse
from failreason._serve_metrics import Metrics
from failreason._terminal import escaped

MAX_BODY_BYTES = 16 * 1024 * 1024  # as a line of `failreason classify`
NDJSON = "application/x-ndjson"
INLINE_BATCH = 16  # batches up to this many envelopes are classified on the event loop
Handle = Callable[[dict[str, Any]], dict[str, Any]]


class ProblemError(Exception):
    """A request the service cannot answer, told as an RFC 9457 problem document."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail

    def response(self) -> Response:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return Response(
            dumps({**body, "detail": self.detail}),
            self.status,
            headers,
            media_type="application/problem+json",
        )


class Service:
    """The engine in force, what is counted, and the rule files watched for changes."""

    def __init__(
        self,
        engine: Engine,
        watched: Sequence[Path] = (),
        *,
        token: str | None = None,
        poll_seconds: float = 2.0,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.engine = engine
        self.metrics = Metrics()
        self.watched = tuple(watched)
        self.token = token
        self.poll_seconds = poll_seconds
        self.max_body = max_body
        self.reload_error: str | None = None
        self.reloads = 0
        self._signature = files_signature(self.watched)

    def reload(self, why: str) -> bool:
        """Read the rules again; a rule set with problems leaves the old one in force."""
        try:
            self.engine.reload()  # builds the new set whole before it takes over
        except (FailreasonError, OSError) as exc:
            self.reload_error = str(exc)
            self.metrics.reloaded(ok=False)
            log(f"{why}: the rules were not reloaded, the ones in force stay:\n{exc}")
            return False
        self.reload_error = None
        self.reloads += 1
        self.metrics.reloaded(ok=True)
        log(f"{why}: rules reloaded ({len(self.engine.rules)} rules)")
        return True

    def files_changed(self) -> bool:
        """Whether a watched file was added, removed or written since the last look."""
        signature = files_signature(self.watched)
        changed, self._signature = signature != self._signature, signature
        return changed

    def check(self, request: Request) -> None:
        """Raise a 401 unless the request carries the bearer token (when one is set)."""
        if self.token is None:
            return
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {self.token}".encode()):
            raise ProblemError(401, "Unauthorized", "send the header Authorization: Bearer TOKEN")

    def classification(self, envelope: dict[str, Any]) -> dict[str, Any]:
        result = self.engine.classify(envelope)
        system = envelope.get("system")
        known = self.engine.canonical_system(system) if isinstance(system, str) else None
        self.metrics.classified(result.rule_id, known or "unknown", result.failure_reason_type)
        return result.to_json()

    def explanation(self, envelope: dict[str, Any]) -> dict[str, Any]:
        from failreason._why_not import explanation_json

        record = explanation_json(0, self.engine.explain(envelope), [])
        del record["line"]  # a single answer has no line; a batch's place says it
        return record


def files_signature(directories: Sequence[Path]) -> frozenset[tuple[str, int, int]]:
    """Path, modification time and size of every file under ``directories``."""
    seen: set[tuple[str, int, int]] = set()
    for directory in directories:
        for root, _, names in os.walk(directory):
            for name in names:
                path = Path(root) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue  # removed while we looked: the next look sees it gone
                seen.add((str(path), stat.st_mtime_ns, stat.st_size))
    return frozenset(seen)


def log(text: str) -> None:
    print(escaped(f"failreason serve: {text}"), file=sys.stderr, flush=True)


def create_app(service: Service) -> Starlette:
    """The ASGI application answering for ``service``."""

    async def classify(request: Request) -> Response:
        return await _answered(request, service, service.classification)

    async def explain(request: Request) -> Response:
        return await _answered(request, service, service.explanation)

    async def healthz(request: Request) -> Response:
        state = {
            "status": "ok",
            "rules": len(service.engine.rules),
            "reloads": service.reloads,
            "reload_error": service.reload_error,
        }
        return Response(dumps(state), media_type="application/json")

    async def metrics(request: Request) -> Response:
        try:
            service.check(request)
        except ProblemError as problem:
            return problem.response()
        text = service.metrics.exposition(service.engine.cache_info())
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    routes = [
        Route("/classify", classify, methods=["POST"]),
        Route("/explain", explain, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=_lifespan(service))


def _lifespan(service: Service) -> Callable[[Starlette], Any]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Future[bool]] = set()

        def on_hangup() -> None:
            future = asyncio.ensure_future(run_in_threadpool(service.reload, "SIGHUP"))
            pending.add(future)
            future.add_done_callback(pending.discard)

        hangup = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGHUP")
        if hangup:
            loop.add_signal_handler(signal.SIGHUP, on_hangup)
        watcher = asyncio.ensure_future(_watch(service)) if service.watched else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            if hangup:
                loop.remove_signal_handler(signal.SIGHUP)

    return lifespan


async def _watch(service: Service) -> None:
    """Reload whenever a watched file changes (a half-written file fails, the next look
    sees the finished one change again)."""
    while True:
        await asyncio.sleep(service.poll_seconds)
        if service.files_changed():
            await run_in_threadpool(service.reload, "the rule files changed")


async def _answered(request: Request, service: Service, handle: Handle) -> Response:
    started = time.perf_counter()
    try:
        service.check(request)
        body = await _body(request, service.max_body)
        if request.headers.get("content-type", "").split(";")[0].strip() == NDJSON:
            response = await _lines(body, handle)
        else:
            response = await _document(body, handle)
    except ProblemError as problem:
        return problem.response()
    service.metrics.observe(time.perf_counter() - started)
    return response


async def _body(request: Request, limit: int) -> bytes:
    body = await bounded_body(request, limit)
    if body is None:
        detail = f"send at most {limit} bytes in one request"
        raise ProblemError(413, "Content Too Large", detail)
    return body


async def _document(body: bytes, handle: Handle) -> Response:
    try:
        value = parse(body.removeprefix(BOM).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProblemError(
            400, "Bad Request", f"the body is not UTF-8 (byte {exc.start + 1})"
        ) from None
    if isinstance(value, BadLine):
        raise ProblemError(400, "Bad Request", f"the body is not JSON: {value.message}")
    if isinstance(value, list):
        items = [(index, item) for index, item in enumerate(value)]
        records = await _batch(items, handle, "index")
        return Response(dumps(records), media_type="application/json")
    if not isinstance(value, dict):
        raise ProblemError(
            400, "Bad Request", "send a JSON object (a raw-error envelope) or an array"
        )
    try:
        return Response(dumps(handle(value)), media_type="application/json")
    except FailreasonError as exc:  # it may quote the envelope: escaped, never obeyed
        raise ProblemError(400, "Bad Request", escaped(str(exc))) from None
    except Exception as exc:  # a bug answers 500 with one line, never a traceback
        raise ProblemError(500, "Internal Server Error", internal_error(exc)) from None


async def _lines(body: bytes, handle: Handle) -> Response:
    items: list[tuple[int, Any]] = []
    for number, line in enumerate(body.split(b"\n"), 1):
        raw = line.removeprefix(BOM).strip()
        if not raw:
            continue
        try:
            items.append((number, parse(raw.decode("utf-8"))))
        except UnicodeDecodeError as exc:
            items.append((number, BadLine(f"not UTF-8: byte {exc.start + 1}")))
    records = await _batch(items, handle, "line")
    return Response("".join(dumps(record) + "\n" for record in records), media_type=NDJSON)


async def _batch(items: list[tuple[int, Any]], handle: Handle, place: str) -> list[Any]:
    def run() -> list[Any]:
        return [_item(number, value, handle, place) for number, value in items]

    return run() if len(items) <= INLINE_BATCH else await run_in_threadpool(run)


def _item(number: int, value: Any, handle: Handle, place: str) -> dict[str, Any]:
    """One batch item's answer, or its error in its place (only that item fails)."""
    if isinstance(value, BadLine):
        return {place: number, "error": value.message}
    if not isinstance(value, dict):
        return {place: number, "error": "expected a JSON object (a raw-error envelope)"}
    try:
        return handle(value)
    except FailreasonError as exc:
        return {place: number, "error": escaped(str(exc))}
    except Exception as exc:
        return {place: number, "error": internal_error(exc)}
