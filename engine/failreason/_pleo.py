"""The synchronous Pleo client: sends, sleeps and loops; the policy decides everything else."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from failreason._engine import Engine
from failreason._joblock import JobLocks
from failreason._ledger import Ledger
from failreason._outcome import (
    ReportOutcome,
    check_reportable,
    completion_check,
    default_engine,
    explicit_failure,
    failed_item,
    success_update,
)
from failreason._pleo_http import (
    EVENTS_PATH,
    PleoError,
    PleoSettings,
    attempt_of,
    data_of,
    error_of,
    items_path,
    items_query,
    job_path,
    page_of,
    transport_failure,
)
from failreason._policy import (
    JobEvent,
    Seen,
    decide,
    is_transient,
    job_event,
    settle_reads,
    settle_time,
)
from failreason._result import Classification
from failreason._vocabulary import MAX_ITEMS_PER_UPDATE


class PleoClient:
    """Pleo's Export API over httpx, with retries; use as a context manager."""

    def __init__(
        self,
        *,
        token: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        settings: PleoSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = PleoSettings.given(settings, token, api_key, base_url)
        self._http = httpx.Client(transport=transport, **self.settings.httpx_options())
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._locks = JobLocks(self.settings.base_url)

    def __repr__(self) -> str:
        return f"PleoClient(settings={self.settings!r})"

    def __enter__(self) -> PleoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and release every job lock this client holds."""
        self._locks.release_all()
        self._http.close()

    # --- requests, each retried by the shared policy -------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        doing: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        job_id: str | None = None,
        landed: Callable[[], Seen] | None = None,
    ) -> httpx.Response | None:
        """Send with retries; None when ``landed`` says an unanswered attempt did land."""
        started, settling, number = time.monotonic(), 0.0, 0
        while True:
            number += 1
            response, error = None, None
            self._locks.in_flight(job_id, time.time() + self.settings.landing_window)
            try:
                response = self._http.request(method, path, json=json, params=params)
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                error = exc
            if response is not None and not is_transient(response.status_code):
                self._locks.in_flight(job_id, 0.0)
                return response
            elapsed = time.monotonic() - started - settling
            attempt = attempt_of(response, error)
            verdict = decide(self.settings.policy, attempt, number, elapsed, rng=self._rng)
            if not verdict.retry:
                if response is not None:
                    self._locks.in_flight(job_id, 0.0)  # answered, if refused: nothing will land
                    return response
                url = self.settings.base_url + path
                raise transport_failure(error, doing, verdict.reason, url, self.settings)
            self._sleep(verdict.delay)
            if verdict.check_state_first and landed is not None:
                before = time.monotonic()
                if self._settled(landed, settle_time(attempt, self.settings.settle)):
                    self._locks.in_flight(job_id, 0.0)
                    return None
                settling += time.monotonic() - before

    def _settled(self, landed: Callable[[], Seen], settle: float) -> bool:
        """Drive ``settle_reads``: True when everything the unanswered attempt held landed."""
        flow = settle_reads(settle)
        delay = next(flow)
        while True:
            self._sleep(delay)
            seen: Seen = landed()
            try:
                delay = flow.send(seen)
            except StopIteration:
                return seen[0]

    def _read(
        self, path: str, doing: str, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        response = self._send("GET", path, doing, params=params)
        if response is None or response.status_code >= 400:
            raise error_of(response, doing) if response is not None else PleoError(doing)
        return response

    def job(self, job_id: str) -> dict[str, Any]:
        """The export job as Pleo holds it."""
        job: dict[str, Any] = data_of(self._read(job_path(job_id), f"read export job {job_id}"))
        return job or {}

    def items(self, job_id: str) -> Iterator[dict[str, Any]]:
        """Every item of the job, across all pages."""
        after: str | None = None
        doing = f"list the items of export job {job_id}"
        while True:
            page, after = page_of(self._read(items_path(job_id), doing, items_query(after)))
            yield from page
            if after is None:
                return

    def start(self, job_id: str) -> None:
        """Post the ``started`` event (step 1 of the workflow)."""
        self._event(job_id, JobEvent("started"), expect="in_progress")

    def report(self, job_id: str, engine: Engine | None = None) -> Report:
        """Begin reporting a started job's items; reads what Pleo already holds."""
        inherited = self._locks.hold(job_id, self.settings.landing_window)
        try:
            if inherited > 0:
                self._sleep(inherited)  # let an update a killed run sent land first
                self._locks.in_flight(job_id, 0.0)
            check_reportable(self.job(job_id), job_id)
            ledger = Ledger(job_id)
            ledger.learn(self.items(job_id))
        except BaseException:
            self._locks.release(job_id)
            raise
        return Report(self, ledger, engine)

    def _put(self, ledger: Ledger, batch: list[dict[str, Any]]) -> None:
        doing = f"update {len(batch)} items of export job {ledger.job_id}"
        ledger.sending(batch)

        def landed() -> tuple[bool, Hashable]:
            # Narrow the batch in place: the retry then sends only what Pleo does not hold.
            ledger.learn(self.items(ledger.job_id))
            batch[:] = [u for u in batch if u["accountingEntryId"] in ledger.queued]
            return not batch, tuple(u["accountingEntryId"] for u in batch)

        response = self._send(
            "PUT", items_path(ledger.job_id), doing, json=batch, job_id=ledger.job_id, landed=landed
        )
        if response is None:
            return
        if response.status_code >= 400:
            raise error_of(response, doing)
        body = response.json()
        ledger.accepted(batch, body.get("data") or [], body.get("errors") or [])

    def _event(self, job_id: str, event: JobEvent, *, expect: str) -> None:
        doing = f"post the {event.event} event of export job {job_id}"

        def landed() -> tuple[bool, Hashable]:
            status = str(self.job(job_id).get("status"))
            return status == expect, status

        payload = event.payload(job_id)
        response = self._send(
            "POST", EVENTS_PATH, doing, json=payload, job_id=job_id, landed=landed
        )
        if response is None or response.status_code < 400:
            return
        error = error_of(response, doing)
        if error.type == "INVALID_EXPORT_JOB_STATUS_CHANGE" and landed()[0]:
            return  # an earlier attempt of ours landed and only its answer was lost
        raise error


class Report:
    """One job's reporting: queue outcomes as they come, then ``complete()`` once."""

    flush_every = 60.0  # seconds: keeps the job from expiring during long runs

    def __init__(self, client: PleoClient, ledger: Ledger, engine: Engine | None) -> None:
        self._client, self.ledger, self._engine = client, ledger, engine
        self._last_flush = time.monotonic()

    def succeeded(
        self,
        accounting_entry_id: str,
        *,
        external_id: str | None = None,
        external_url: str | None = None,
        exported_at: datetime | None = None,
    ) -> None:
        update = success_update(accounting_entry_id, external_id, external_url, exported_at)
        self._queue(update)

    def failed(self, accounting_entry_id: str, raw_error: object, **context: Any) -> Classification:
        """Classify ``raw_error`` (or take a Classification) and queue the failed item."""
        update, result = failed_item(accounting_entry_id, raw_error, self._engine, context)
        self._queue(update)
        return result

    def failed_as(self, accounting_entry_id: str, failure_type: str, reason: str) -> None:
        """Queue a failed item with a type and reason you chose (checked against Pleo's)."""
        self._queue(explicit_failure(accounting_entry_id, failure_type, reason))

    def _queue(self, update: dict[str, Any]) -> None:
        self.ledger.queue(update)
        due = time.monotonic() - self._last_flush >= self.flush_every
        if len(self.ledger.queued) >= MAX_ITEMS_PER_UPDATE or due:
            self.flush()

    def flush(self) -> None:
        """Send every queued update now, in batches of at most 100."""
        while self.ledger.queued:
            self._client._put(self.ledger, self.ledger.next_batch())
        self._last_flush = time.monotonic()

    def complete(
        self,
        *,
        fail_missing: tuple[str, str] | None = None,
        job_types: Mapping[str, str] | None = None,
    ) -> ReportOutcome:
        """Flush, check every item is final, and post the job's event exactly once."""
        self.flush()
        self.ledger.learn(self._client.items(self.ledger.job_id))
        for update in completion_check(self.ledger, fail_missing):
            self.ledger.queue(update)
        self.flush()
        if job_types is None:
            job_types = default_engine(self._engine).job_failure_types
        event = job_event(self.ledger.finals(), job_types)
        self._client._event(self.ledger.job_id, event, expect=event.event)
        self._client._locks.release(self.ledger.job_id)
        return ReportOutcome.of(self.ledger, event)
