"""The webhook intake: Pleo's ``export-job.created`` deliveries in, job ids to the runner out.

Only ``_webhook_cli`` and tests import this module: Starlette is the optional ``webhook``
extra. ``POST /webhooks/pleo`` verifies a delivery (``_webhook.py``) and answers at once:

- 202 ``{"status": "queued" | "already queued", "jobId"}``: an ``export-job.created``
  delivery, its job handed to the worker (or waiting or running there already);
- 200 ``{"status": "ignored", "eventType"}`` for other events, and ``{"status":
  "duplicate"}`` for a ``webhook-id`` already accepted (a replay, or a retry whose answer was
  lost: a 2xx stops the sender retrying);
- 400 (malformed), 401 (not signed with the secret, or out of time), 413 (body too long),
  503 (too many jobs waiting; ``Retry-After``), each an ``application/problem+json`` body
  (RFC 9457) that never holds the secret or a signature.

``GET /healthz`` answers ``{"status": "ok", "waiting": N, "running": jobId | null}``.

One worker thread takes the job ids from a queue one at a time, oldest first, because Pleo's
export workflow asks for one job at a time, never in parallel; an id already waiting or running
is not queued again. What ``on_job`` raises is logged and the worker goes on with the next.
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from failreason._asgi_body import bounded_body
from failreason._errors import FailreasonError
from failreason._jsonl import dumps
from failreason._terminal import escaped
from failreason._webhook import (
    DEFAULT_TOLERANCE,
    DuplicateDeliveryError,
    SeenDeliveries,
    WebhookError,
    job_id_of,
    verify_delivery,
    webhook_key,
)

PATH = "/webhooks/pleo"
MAX_BODY_BYTES = 1024 * 1024  # Standard Webhooks recommends payloads under 20 kB
MAX_WAITING = 1000  # job ids waiting for the worker; more are answered 503 and retried later
OnJob = Callable[[str], None]


_LOG_LOCK = threading.Lock()


def log(text: str) -> None:
    """One line on stderr, written whole: the worker and the server both log."""
    with _LOG_LOCK:
        sys.stderr.write(escaped(f"failreason webhook: {text}") + "\n")
        sys.stderr.flush()


class JobWorker:
    """One thread running ``on_job`` for each job id, one at a time, in order of arrival."""

    def __init__(
        self, on_job: OnJob, *, max_waiting: int = MAX_WAITING, say: Callable[[str], None] = log
    ) -> None:
        self._on_job, self._say = on_job, say
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._waiting: dict[str, None] = {}  # in order of arrival
        self._running: str | None = None
        self._max_waiting = max_waiting
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._work, name="failreason-webhook-jobs", daemon=True
        )

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def submit(self, job_id: str) -> bool:
        """Queue ``job_id``; False when it is waiting or running already. ``queue.Full``
        when ``max_waiting`` ids wait."""
        with self._lock:
            if job_id == self._running or job_id in self._waiting:
                return False
            if len(self._waiting) >= self._max_waiting:
                raise queue.Full
            self._waiting[job_id] = None
        self._queue.put(job_id)
        return True

    def state(self) -> tuple[int, str | None]:
        """How many ids wait, and the one running (None: idle)."""
        with self._lock:
            return len(self._waiting), self._running

    def close(self, timeout: float | None = None) -> None:
        """Let the job running finish, drop the ones waiting (still ``pending`` in Pleo, for
        the next delivery or run), and stop the thread."""
        with self._lock:
            dropped, self._waiting = list(self._waiting), {}
        if dropped:
            self._say(f"stopping: {len(dropped)} job(s) not started: {', '.join(dropped)}")
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _work(self) -> None:
        while (job_id := self._queue.get()) is not None:
            with self._lock:
                if job_id not in self._waiting:
                    continue  # dropped by close()
                del self._waiting[job_id]
                self._running = job_id
            try:
                self._run(job_id)
            finally:
                with self._lock:
                    self._running = None

    def _run(self, job_id: str) -> None:
        self._say(f"job {job_id}: running")
        try:
            self._on_job(job_id)
        except Exception as exc:  # the worker outlives any one job
            told = str(exc) if isinstance(exc, FailreasonError) else f"{type(exc).__name__}: {exc}"
            self._say(f"job {job_id}: {told}")
        else:
            self._say(f"job {job_id}: done")


class Intake:
    """The secrets, the ids already accepted, and the worker the job ids go to."""

    def __init__(
        self,
        secrets: Sequence[str],
        on_job: OnJob,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        clock: Callable[[], float] = time.time,
        max_body: int = MAX_BODY_BYTES,
        max_waiting: int = MAX_WAITING,
        say: Callable[[str], None] = log,
    ) -> None:
        if not secrets:
            raise ValueError("the intake needs at least one webhook secret")
        for secret in secrets:
            webhook_key(secret)  # an unusable secret stops here, before listening
        self.secrets = tuple(secrets)
        self.tolerance, self.clock, self.max_body = tolerance, clock, max_body
        self.seen = SeenDeliveries()
        self.worker = JobWorker(on_job, max_waiting=max_waiting, say=say)
        self._say = say

    def receive(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """The status and JSON answer for one delivery."""
        try:
            delivery = verify_delivery(
                headers,
                body,
                self.secrets,
                now=self.clock(),
                tolerance=self.tolerance,
                seen=self.seen,
            )
            job_id = job_id_of(delivery)
        except DuplicateDeliveryError as exc:
            return 200, {"status": "duplicate", "webhookId": exc.webhook_id}
        except WebhookError as exc:
            self._say(f"refused a delivery ({exc.status}): {exc}")
            return exc.status, _problem(exc.status, str(exc))
        if job_id is None:
            return 200, {"status": "ignored", "eventType": delivery.event_type}
        try:
            queued = self.worker.submit(job_id)
        except queue.Full:
            detail = f"{MAX_WAITING} export jobs are waiting already; deliver this one later"
            return 503, _problem(503, detail)
        self._say(f"job {job_id}: {'queued' if queued else 'already waiting or running'}")
        return 202, {"status": "queued" if queued else "already queued", "jobId": job_id}


_TITLES = {400: "Bad Request", 401: "Unauthorized", 413: "Content Too Large", 503: "Busy"}


def _problem(status: int, detail: str) -> dict[str, Any]:
    title = _TITLES.get(status, "Error")
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


def _answer(status: int, body: dict[str, Any]) -> Response:
    media = "application/problem+json" if status >= 400 else "application/json"
    headers = {"Retry-After": "60"} if status == 503 else None
    return Response(dumps(body), status, headers, media_type=media)


def create_app(intake: Intake) -> Starlette:
    """The ASGI application: the worker starts and stops with it."""

    async def deliver(request: Request) -> Response:
        body = await bounded_body(request, intake.max_body)  # the signature covers its bytes
        if body is None:
            detail = f"the body is longer than {intake.max_body} bytes"
            return _answer(413, _problem(413, detail))
        return _answer(*intake.receive(request.headers, body))

    async def healthz(request: Request) -> Response:
        waiting, running = intake.worker.state()
        return _answer(200, {"status": "ok", "waiting": waiting, "running": running})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        intake.worker.start()
        yield
        await asyncio.to_thread(intake.worker.close)  # the job running finishes first

    routes = [Route(PATH, deliver, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)
