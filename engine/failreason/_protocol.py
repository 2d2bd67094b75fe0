"""Talking to Pleo written once, as generators that both clients drive (sans-I/O).

A flow yields ``Send`` (make this request) or ``Sleep`` (wait this long) and is sent back a
``Reply`` for a ``Send`` (Pleo's answer, or the transport error) and None for a ``Sleep``;
its result is the generator's return value. ``Spawn`` runs another flow alongside (at most
``settings.concurrency`` of a group at once) and ``Join`` waits for a group, raising the first
error one of its flows ended with; the drivers advance one flow step at a time, so flows
share the ledger without locks. Like httpx's ``Auth.auth_flow``, the sync and
async clients are two short loops over the same flow, and a test drives it with a script.

Decisions taken here, once: retry with backoff (``_policy.decide``), a 429's wait kept by
every request of the client (not only the one that got it), reading Pleo back after an
unanswered write before sending it again, only as far as the write's items, sending only
what Pleo does not hold,
taking a 422 ``INVALID_EXPORT_JOB_STATUS_CHANGE`` as success when the job already shows the
event, and posting a failed job's event again once with an allowed type when Pleo refuses
the type. The clock is injected, so timing decisions are testable without waiting.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

import httpx

from failreason._joblock import JobLocks
from failreason._ledger import Ledger
from failreason._pleo_http import (
    EVENTS_PATH,
    PleoError,
    PleoSettings,
    attempt_of,
    error_of,
    items_path,
    items_query,
    job_path,
    json_of,
    safe_url,
    transport_failure,
)
from failreason._policy import (
    JobEvent,
    Seen,
    decide,
    fallback_job_type,
    is_transient,
    refuses_job_type,
    settle_reads,
    settle_time,
)
from failreason._wire import ExportJob, ExportJobItem, ItemUpdate, JobEventBody, as_item

T = TypeVar("T")
log = logging.getLogger("failreason.pleo")
log.addHandler(logging.NullHandler())  # silent unless the application configures logging

STATUS_CHANGE_REFUSED = "INVALID_EXPORT_JOB_STATUS_CHANGE"


Query = str | int | list[str]  # a list is the parameter repeated, as Pleo's arrays are sent


@dataclass(frozen=True)
class Send:
    """Make this request; the flow is sent the ``Reply``."""

    method: str
    path: str
    json: list[ItemUpdate] | JobEventBody | None = None
    params: Mapping[str, Query] | None = None

    def request_args(self) -> dict[str, Any]:
        """Keyword arguments for ``httpx.Client.request`` and its async twin."""
        return {"method": self.method, "url": self.path, "json": self.json, "params": self.params}


@dataclass(frozen=True)
class Sleep:
    """Wait this many seconds; the flow is sent None."""

    seconds: float


@dataclass(frozen=True)
class Reply:
    """What came back for a ``Send``: Pleo's answer, or the error that stopped it."""

    response: httpx.Response | None = None
    error: Exception | None = None


class Background:
    """Flows a report runs alongside its caller: the driver's handles and their errors."""

    def __init__(self) -> None:
        self.running: set[Any] = set()  # the driver's futures or tasks
        self.errors: list[BaseException] = []  # raised by finished flows, not yet reported


@dataclass(frozen=True)
class Spawn:
    """Run ``flow`` alongside, once fewer than ``settings.concurrency`` of ``group`` run;
    the spawning flow is sent None and goes on at once."""

    group: Background
    flow: Generator[Effect, Reply | None, None]


@dataclass(frozen=True)
class Join:
    """Wait for every flow of ``group`` (only reap the finished ones when not ``wait``);
    the first error they ended with is raised in the joining flow, and the rest dropped."""

    group: Background
    wait: bool = True


Effect = Send | Sleep | Spawn | Join
Flow = Generator[Effect, Reply | None, T]


@dataclass
class Context:
    """What every flow needs besides the wire: settings, jitter, job locks and the clocks."""

    settings: PleoSettings
    locks: JobLocks
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic  # for elapsed time and the flush cadence
    wall: Callable[[], float] = time.time  # for lock files another process reads
    paused_until: float = 0.0  # by ``clock``: no request leaves before, after a 429

    def pause(self, delay: float) -> float:
        """Hold every request of this client for ``delay`` seconds (a 429 said slow down);
        how long the caller waits, which covers a longer pause another request set."""
        now = self.clock()
        self.paused_until = max(self.paused_until, now + delay)
        return self.paused_until - now


def wait_out_pause(ctx: Context, slept_until: float) -> Flow[None]:
    """Sleep until a pause another request's 429 set has passed (``slept_until``: how far
    this request's own last wait reached, by ``clock``)."""
    remaining = ctx.paused_until - max(ctx.clock(), slept_until)
    if remaining > 0:
        yield Sleep(remaining)


def exchange(
    ctx: Context,
    send: Send,
    doing: str,
    *,
    job_id: str | None = None,
    landed: Callable[[], Flow[Seen]] | None = None,
) -> Flow[httpx.Response | None]:
    """Send with retries; None when ``landed`` shows an unanswered attempt did land.

    ``job_id`` marks a write in the job's lock file while its answer is outstanding.
    """
    started, settling, number, slept_until = ctx.clock(), 0.0, 0, 0.0
    url = safe_url(ctx.settings.base_url + send.path)
    writer = object()  # this write's entry in the job's lock file
    while True:
        number += 1
        yield from wait_out_pause(ctx, slept_until)  # another request's 429 holds this one too
        ctx.locks.in_flight(job_id, ctx.wall() + ctx.settings.landing_window, writer)
        reply = yield send
        response, error = (reply.response, reply.error) if reply else (None, None)
        if response is not None and not is_transient(response.status_code):
            ctx.locks.in_flight(job_id, 0.0, writer)
            return response
        attempt = attempt_of(response, error)
        elapsed = ctx.clock() - started - settling
        verdict = decide(ctx.settings.policy, attempt, number, elapsed, rng=ctx.rng)
        if not verdict.retry:
            if response is not None:
                ctx.locks.in_flight(job_id, 0.0, writer)  # answered, if refused: nothing lands
                return response
            raise transport_failure(error, send.method, doing, verdict.reason, url, ctx.settings)
        what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        log.warning(
            "%s %s failed (%s), attempt %d of %d; retrying in %.1f s",
            send.method, url, what, number, ctx.settings.policy.max_attempts, verdict.delay,
        )  # fmt: skip
        delay = ctx.pause(verdict.delay) if attempt.status == 429 else verdict.delay
        slept_until = ctx.clock() + delay
        yield Sleep(delay)
        if verdict.check_state_first and landed is not None:
            before = ctx.clock()
            if (yield from settled(landed, settle_time(attempt, ctx.settings.settle))):
                ctx.locks.in_flight(job_id, 0.0, writer)
                return None
            settling += ctx.clock() - before


def settled(landed: Callable[[], Flow[Seen]], settle: float) -> Flow[bool]:
    """Run ``settle_reads``: True when everything the unanswered attempt held landed."""
    reads = settle_reads(settle)
    delay = next(reads)
    while True:
        yield Sleep(delay)
        seen: Seen = yield from landed()
        try:
            delay = reads.send(seen)
        except StopIteration:
            return seen[0]


def read(
    ctx: Context, path: str, doing: str, params: Mapping[str, Query] | None = None
) -> Flow[Any]:
    """GET ``path`` with retries; Pleo's JSON body, or a PleoError saying what came back."""
    response = yield from exchange(ctx, Send("GET", path, params=params), doing)
    if response is None:  # pragma: no cover - reads pass no ``landed``
        raise PleoError(f"could not {doing}")
    if response.status_code >= 400:
        raise error_of(response, doing)
    return json_of(response, doing)


def job(ctx: Context, job_id: str) -> Flow[ExportJob]:
    """The export job as Pleo holds it."""
    doing = f"read export job {job_id}"
    body = yield from read(ctx, job_path(job_id), doing)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        url = safe_url(ctx.settings.base_url + job_path(job_id))
        raise PleoError(f"Pleo's answer to {doing} (GET {url}) holds no job (no `data` object)")
    return cast(ExportJob, data)


def items(
    ctx: Context, job_id: str, wanted: frozenset[str] | None = None
) -> Flow[list[ExportJobItem]]:
    """The job's items, page after page by cursor; with ``wanted``, only until every one of
    those entries was seen (a read-back needs no further)."""
    doing = f"list the items of export job {job_id}"
    found: list[ExportJobItem] = []
    after: str | None = None
    while True:
        body = yield from read(ctx, items_path(job_id), doing, items_query(after))
        page, pagination = _page(body)
        found.extend(page)
        after = pagination.get("endCursor") if pagination.get("hasNextPage") else None
        if wanted is not None and wanted <= {item["accountingEntryId"] for item in found}:
            return found
        if after is None:
            return found


def all_items(ctx: Context, job_id: str, status: str | None = None) -> Flow[list[ExportJobItem]]:
    """Every item of the job (of one ``status``, if given), in Pleo's order: the first page
    says how many there are, and the rest are read by offset, ``settings.concurrency`` at a
    time. Without a ``total`` in Pleo's answer the pages are followed by cursor."""
    doing = f"list the items of export job {job_id}"
    query = items_query(None, status=status)
    body = yield from read(ctx, items_path(job_id), doing, query)
    first, pagination = _page(body)
    total = pagination.get("total")
    if not pagination.get("hasNextPage") or not first:
        return first
    if not isinstance(total, int) or isinstance(total, bool) or ctx.settings.concurrency == 1:
        return first + (yield from _rest_by_cursor(ctx, job_id, pagination, status))
    pages: dict[int, list[ExportJobItem]] = {0: first}
    group = Background()
    for offset in range(len(first), total, len(first)):
        yield Spawn(group, _page_at(ctx, job_id, offset, status, pages))
    yield Join(group)
    return [item for offset in sorted(pages) for item in pages[offset]]


def _page_at(
    ctx: Context,
    job_id: str,
    offset: int,
    status: str | None,
    pages: dict[int, list[ExportJobItem]],
) -> Flow[None]:
    doing = f"list the items of export job {job_id} from item {offset + 1}"
    query = items_query(None, offset, status)
    pages[offset] = _page((yield from read(ctx, items_path(job_id), doing, query)))[0]


def _rest_by_cursor(
    ctx: Context, job_id: str, pagination: Mapping[str, Any], status: str | None
) -> Flow[list[ExportJobItem]]:
    doing = f"list the items of export job {job_id}"
    found: list[ExportJobItem] = []
    while pagination.get("hasNextPage") and pagination.get("endCursor"):
        query = items_query(str(pagination["endCursor"]), status=status)
        page, pagination = _page((yield from read(ctx, items_path(job_id), doing, query)))
        found.extend(page)
    return found


def _page(body: object) -> tuple[list[ExportJobItem], Mapping[str, Any]]:
    body = body if isinstance(body, dict) else {}
    pagination = body.get("pagination")
    rows = [as_item(item) for item in body.get("data") or []]
    return rows, pagination if isinstance(pagination, dict) else {}


def put(ctx: Context, ledger: Ledger, batch: list[ItemUpdate]) -> Flow[None]:
    """Send one batch of item updates; after a lost answer, resend only what did not land.

    The batch's entries are answered in the ledger however this ends, so they can be sent
    again if it failed.
    """
    entries = [str(u["accountingEntryId"]) for u in batch]
    try:
        yield from _put(ctx, ledger, batch)
    finally:
        ledger.answered(entries)


def _put(ctx: Context, ledger: Ledger, batch: list[ItemUpdate]) -> Flow[None]:
    doing = f"update {len(batch)} items of export job {ledger.job_id}"
    ledger.sending(batch)

    def landed() -> Flow[Seen]:
        wanted = frozenset(str(u["accountingEntryId"]) for u in batch)
        ledger.learn((yield from items(ctx, ledger.job_id, wanted)))
        # Narrow the batch in place: the retry then sends only what Pleo does not hold.
        batch[:] = [u for u in batch if u["accountingEntryId"] in ledger.queued]
        return not batch, tuple(u["accountingEntryId"] for u in batch)

    send = Send("PUT", items_path(ledger.job_id), batch)
    response = yield from exchange(ctx, send, doing, job_id=ledger.job_id, landed=landed)
    if response is None:
        return
    if response.status_code >= 400:
        raise error_of(response, doing)
    body = json_of(response, doing)
    body = body if isinstance(body, dict) else {}
    ledger.accepted(batch, body.get("data") or [], body.get("errors") or [])


def post_event(
    ctx: Context, job_id: str, event: JobEvent, job_types: Mapping[str, str] | None = None
) -> Flow[JobEvent]:
    """Post the job's event; the event Pleo took (another type, if it refused ours)."""
    try:
        yield from _post_once(ctx, job_id, event)
    except PleoError as refused:
        fallback = fallback_job_type(event.failure_reason_type, job_types)
        named = refuses_job_type(refused.status, str(refused), event)
        if not (event.event == "failed" and fallback and named):
            raise
        log.warning(
            "Pleo refused the job failureReasonType %r for export job %s; posting %r instead",
            event.failure_reason_type, job_id, fallback,
        )  # fmt: skip
        event = replace(event, failure_reason_type=fallback, refused_type=event.failure_reason_type)
        yield from _post_once(ctx, job_id, event)
    return event


def _post_once(ctx: Context, job_id: str, event: JobEvent) -> Flow[None]:
    doing = f"post the {event.event} event of export job {job_id}"
    expect = "in_progress" if event.event == "started" else event.event

    def landed() -> Flow[Seen]:
        status = str((yield from job(ctx, job_id)).get("status"))
        return status == expect, status

    send = Send("POST", EVENTS_PATH, event.payload(job_id))
    response = yield from exchange(ctx, send, doing, job_id=job_id, landed=landed)
    if response is None or response.status_code < 400:
        return
    error = error_of(response, doing)
    if error.type == STATUS_CHANGE_REFUSED and (yield from landed())[0]:
        return  # an earlier attempt of ours landed and only its answer was lost
    raise error
