"""One job's report as flows (see ``_protocol``): open, queue, flush, complete or fail.

``Report`` and ``AsyncReport`` drive these; the decisions (batches of at most 100, a flush
at least every ``flush_every`` seconds by the injected clock, completion checked and posted
exactly once, an early ``failed`` event) are made here, once.

Opening reads the job and only its final items (what a resumed run must not send again);
a full batch is sent alongside the caller (``Spawn``), up to ``settings.concurrency`` at
once, and an error it ends with is raised at the report's next call. Pleo's answer to each
update already says what it holds, so completing reads Pleo back only when fewer items are
known final than the job holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._ledger import Ledger
from failreason._outcome import (
    ReportOutcome,
    check_reportable,
    completion_check,
    default_job_types,
    failed_item,
    fit_reason,
)
from failreason._protocol import (
    Background,
    Context,
    Flow,
    Join,
    Sleep,
    Spawn,
    all_items,
    job,
    post_event,
    put,
)

__all__ = ["Context", "Flow"]  # re-exported for the report drivers
from failreason._policy import DEFAULT_JOB_FAILURE_TYPE, JobEvent, job_event
from failreason._vocabulary import (
    FINAL_ITEM_STATUSES,
    ITEM_FAILURE_TYPES,
    JOB_FAILURE_TYPES,
    MAX_ITEMS_PER_UPDATE,
)
from failreason._wire import ItemUpdate


class ReportFinishedError(FailreasonError, RuntimeError):
    """The report already posted its job's final event; nothing more can be sent."""


@dataclass
class ReportState:
    """What a report carries between calls: the ledger, its engine, the last flush."""

    ledger: Ledger
    engine: Engine | None
    last_flush: float
    finished: JobEvent | None = None
    background: Background = field(default_factory=Background)  # batches on their way


def open_report(ctx: Context, job_id: str, engine: Engine | None) -> Flow[ReportState]:
    """Hold the job, wait out a killed predecessor's last write, read what Pleo holds."""
    inherited = ctx.locks.hold(job_id, ctx.settings.landing_window)
    try:
        if inherited > 0:
            yield Sleep(inherited)  # let an update a killed run sent land first
            ctx.locks.in_flight(job_id, 0.0)
        held = yield from job(ctx, job_id)
        check_reportable(held, job_id)
        ledger = yield from _read_ledger(ctx, job_id, held.get("numberOfItems"))
    except BaseException:
        ctx.locks.release(job_id)
        raise
    return ReportState(ledger, engine, ctx.clock())


def _read_ledger(ctx: Context, job_id: str, count: object) -> Flow[Ledger]:
    """What Pleo holds of the job: only its final items when it says how many items it has
    (the rest are not final, and there is nothing to resume in a new job), else every item."""
    ledger = Ledger(job_id)
    if not isinstance(count, int) or isinstance(count, bool):
        ledger.learn((yield from all_items(ctx, job_id)))
        return ledger
    for status in FINAL_ITEM_STATUSES:
        ledger.learn((yield from all_items(ctx, job_id, status)))
    ledger.expected = count
    return ledger


def queue(ctx: Context, state: ReportState, update: ItemUpdate, every: float) -> Flow[None]:
    """Queue one update; send a full batch, or everything when ``every`` seconds passed since
    the last flush, without waiting for the answers. A batch that failed since the last
    call raises here, with this update queued."""
    _check_open(state)
    state.ledger.queue(update)  # queued first: a failed batch raised below leaves it queued
    yield Join(state.background, wait=False)
    due = ctx.clock() - state.last_flush >= every
    yield from _send_ready(ctx, state, whole_batches_only=not due)
    if due:
        state.last_flush = ctx.clock()


def _send_ready(ctx: Context, state: ReportState, *, whole_batches_only: bool) -> Flow[None]:
    """Start sending what is queued and not on its way, in batches of at most 100."""
    ledger = state.ledger
    while True:
        ready = len(ledger.next_batch())
        if not ready or (whole_batches_only and ready < MAX_ITEMS_PER_UPDATE):
            return
        yield Spawn(state.background, put(ctx, ledger, ledger.take_batch()))


def flush(ctx: Context, state: ReportState) -> Flow[None]:
    """Send every queued update now, in batches of at most 100, and wait for the answers.

    Items Pleo refused for a reason that sounds transient stay queued (a few times, see
    ``Ledger``) and are sent again after a backoff.
    """
    rounds = 0
    while True:
        yield from _send_ready(ctx, state, whole_batches_only=False)
        yield Join(state.background)
        if not state.ledger.queued:
            break
        rounds += 1  # what is still queued was refused for now
        state.ledger.refused_for_now = []
        yield Sleep(ctx.settings.policy.backoff(rounds, ctx.rng))
    state.last_flush = ctx.clock()


def complete(
    ctx: Context,
    state: ReportState,
    fail_missing: tuple[str, str] | None,
    job_types: Mapping[str, str] | None,
) -> Flow[ReportOutcome]:
    """Flush, check every item is final, and post the job's event exactly once."""
    _check_open(state)
    yield from flush(ctx, state)
    if state.ledger.unsettled():  # else every answer already said what Pleo holds
        state.ledger.learn((yield from all_items(ctx, state.ledger.job_id)))
    for update in completion_check(state.ledger, fail_missing):
        state.ledger.queue(update)
    yield from flush(ctx, state)
    if job_types is None:
        job_types = default_job_types(state.engine)
    event = job_event(state.ledger.finals(), job_types)
    return (yield from _finish(ctx, state, event, job_types))


def fail(
    ctx: Context, state: ReportState, error_or_type: object, reason: str | None
) -> Flow[ReportOutcome]:
    """Post ``failed`` for the whole job now; items already sent stay as Pleo holds them."""
    _check_open(state)
    job_types = default_job_types(state.engine)
    event = job_failure(error_or_type, reason, state.engine, job_types)
    yield from flush(ctx, state)
    return (yield from _finish(ctx, state, event, job_types))


def _finish(
    ctx: Context, state: ReportState, event: JobEvent, job_types: Mapping[str, str]
) -> Flow[ReportOutcome]:
    posted = yield from post_event(ctx, state.ledger.job_id, event, job_types)
    state.finished = posted
    ctx.locks.release(state.ledger.job_id)
    return ReportOutcome.of(state.ledger, posted)


def _check_open(state: ReportState) -> None:
    if state.finished is not None:
        raise ReportFinishedError(
            f"export job {state.ledger.job_id} was already reported as "
            f"{state.finished.event}; start a new report for another job"
        )


def job_failure(
    error_or_type: object,
    reason: str | None,
    engine: Engine | None,
    job_types: Mapping[str, str],
) -> JobEvent:
    """The ``failed`` event for a job that cannot be processed: from a type and reason, or
    from a raw error classified by the rules and mapped to a job-level type."""
    if reason is None:
        update, _ = failed_item("job", error_or_type, engine, {})
        item_type, text = str(update["failureReasonType"]), str(update["failureReason"])
    elif isinstance(error_or_type, str):
        item_type, text = error_or_type, fit_reason(reason)
        if not text:
            raise ValueError("a failed job needs a failureReason with visible text")
    else:
        raise TypeError("give a failure type (a string) with the reason, or a raw error alone")
    if item_type in JOB_FAILURE_TYPES:
        return JobEvent("failed", item_type, text)
    if item_type not in ITEM_FAILURE_TYPES:
        raise ValueError(f"{item_type!r} is not one of Pleo's failureReasonType values")
    return JobEvent("failed", job_types.get(item_type, DEFAULT_JOB_FAILURE_TYPE), text)
