"""The sandbox's ``export-job.created`` webhook: a signed delivery for each job it creates.

    Sandbox(webhook_url="http://127.0.0.1:8088/webhooks/pleo", webhook_secret="whsec_...")

A job made by ``POST /v3/export-jobs``, ``POST /sandbox/jobs`` or ``Sandbox.create_job`` is
announced as Pleo announces one (``_webhook.py`` has the sources): the body ``{"data": <the
export job>, "eventId", "eventType": "v1.export-job.created"}``, the headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature``. A background thread delivers, so the API
answers without waiting; a delivery that is not answered 2xx is tried again (``attempts`` in
all, a fresh timestamp and signature each time, the same ``webhook-id``), then given up and
recorded as such.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from failreason._jsonl import dumps
from failreason._webhook import sign_delivery, webhook_key

EVENT_TYPE = "v1.export-job.created"
RETRY_DELAYS = (0.1, 0.5)  # seconds before the second and third attempt


@dataclass(frozen=True)
class Delivery:
    """What became of one announced job: the last answer's status (None: no answer)."""

    webhook_id: str
    job_id: str
    attempts: int
    status: int | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Delivers ``export-job.created`` to ``url``, signed with ``secret``, from one thread."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        webhook_key(secret)  # an unusable secret is refused when the sandbox is made
        self.url, self._secret = url, secret
        self._clock, self._sleep, self._delays = clock, sleep, tuple(retry_delays)
        self._client = httpx.Client(transport=transport, timeout=timeout)
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._done: list[Delivery] = []
        self._idle = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(target=self._work, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"WebhookSender(url={self.url!r})"  # never the secret

    def job_created(self, job: Mapping[str, Any]) -> None:
        """Queue the announcement of ``job`` (its ``ExportJob`` JSON); returns at once."""
        with self._idle:
            self._pending += 1
        self._queue.put(dict(job))

    @property
    def deliveries(self) -> tuple[Delivery, ...]:
        """Every announcement finished so far, delivered or given up, in order."""
        with self._idle:
            return tuple(self._done)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued announcement is finished; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()
        self._client.close()

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            delivery = self._deliver(job)
            with self._idle:
                self._done.append(delivery)
                self._pending -= 1
                self._idle.notify_all()

    def _deliver(self, job: Mapping[str, Any]) -> Delivery:
        webhook_id = f"msg_{secrets.token_urlsafe(18)}"
        payload = {"data": job, "eventId": str(uuid.uuid4()), "eventType": EVENT_TYPE}
        body = dumps(payload).encode()
        status = self._attempt(webhook_id, body)
        attempts = 1
        for delay in self._delays:
            if status is not None and 200 <= status < 300:
                break
            self._sleep(delay)
            status = self._attempt(webhook_id, body)
            attempts += 1
        return Delivery(webhook_id, str(job.get("id")), attempts, status)

    def _attempt(self, webhook_id: str, body: bytes) -> int | None:
        timestamp = int(self._clock())
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_delivery(self._secret, webhook_id, timestamp, body),
        }
        try:
            return self._client.post(self.url, content=body, headers=headers).status_code
        except httpx.HTTPError:
            return None


def webhook_sender(url: str | None, secret: str | None) -> WebhookSender | None:
    """The sender the sandbox was asked for, or None; a URL without a secret is a mistake.

    Timestamps are wall-clock time, not the sandbox's clock: a test that moves the sandbox's
    clock to expire jobs still has its deliveries accepted by a receiver on real time."""
    if url is None:
        return None
    if not secret:
        raise ValueError("webhook_url needs webhook_secret, the whsec_ secret to sign with")
    return WebhookSender(url, secret)
