"""The export runners' values and pure helpers: options, the summary and its failures, a
call's result, the judge that classifies, how the connector's answer and a ``Retry-After``
are read, which items still need work, and the summaries of runs that end early.

``_run_base.RunnerBase`` takes the decisions from these; the runners only drive.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from failreason._engine import Engine
from failreason._outcome import ReportOutcome, default_engine
from failreason._policy import parse_retry_after
from failreason._prechecks import ExportConfiguration, precheck
from failreason._result import Classification
from failreason._run_types import ExportItem, Failed, Posted, StopRunError
from failreason._vocabulary import FINAL_ITEM_STATUSES

log = logging.getLogger("failreason.run")
log.addHandler(logging.NullHandler())  # silent unless the application configures logging

FINISHED_JOB = ("completed", "completed_with_errors", "failed")


@dataclass(frozen=True)
class RunOptions:
    """How a run goes; every value is checked when the runner is made."""

    configuration: ExportConfiguration | None = None
    job_id: str | None = None
    company_id: str | None = None
    recover: bool = False  # also take in_progress jobs: an interrupted run's, resumed
    engine: Engine | None = None
    system: str | None = None
    concurrency: int = 4
    attempts: int = 3
    keep_alive_every: float = 300.0  # seconds by the client's clock; Pleo expires after 3,600
    poll_interval: float = 0.5  # real seconds between looks at the clock while calls run

    def __post_init__(self) -> None:
        _whole("concurrency", self.concurrency, 1, 64)
        _whole("attempts", self.attempts, 1, 20)
        for name in ("keep_alive_every", "poll_interval"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a number of seconds above 0, not {value!r}")

    def statuses(self) -> tuple[str, ...]:
        """The job statuses worth picking up: pending, and interrupted runs on recovery."""
        return ("pending", "in_progress") if self.recover else ("pending",)


def _whole(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


@dataclass(frozen=True)
class ItemFailure:
    """One item the run failed: why, by which rule, and whether the connector was called."""

    accounting_entry_id: str
    failure_reason_type: str
    failure_reason: str
    rule: str
    prechecked: bool  # failed by the pre-checks, before the accounting system was called
    attempts: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "accountingEntryId": self.accounting_entry_id,
            "failureReasonType": self.failure_reason_type,
            "failureReason": self.failure_reason,
            "rule": self.rule,
            "prechecked": self.prechecked,
            "attempts": self.attempts,
        }


@dataclass
class RunSummary:
    """How a run ended. ``result``: ``completed``, ``completed_with_errors`` or ``failed``
    (the event this run posted), ``no_job`` (nothing to export), ``taken`` (another worker
    started the job first) or ``finished_before`` (the named job was already finished)."""

    result: str
    job_id: str | None = None
    resumed: bool = False  # an interrupted run's job, picked up without a second `started`
    items: int = 0
    already_final: int = 0  # final in Pleo before this run: not posted again
    successful: int = 0
    failures: list[ItemFailure] = field(default_factory=list)
    retries: int = 0
    outcome: ReportOutcome | None = None
    message: str = ""

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def prechecked(self) -> int:
        return sum(1 for failure in self.failures if failure.prechecked)

    def to_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "jobId": self.job_id,
            "resumed": self.resumed,
            "items": self.items,
            "alreadyFinal": self.already_final,
            "successful": self.successful,
            "failed": self.failed,
            "prechecked": self.prechecked,
            "retries": self.retries,
            "failures": [failure.to_json() for failure in self.failures],
            "outcome": self.outcome.to_json() if self.outcome else None,
            "message": self.message,
        }


@dataclass(frozen=True)
class CallResult:
    """What calling the connector for one item came to: posted, or a classified failure."""

    item: ExportItem
    attempts: int
    posted: Posted | None = None
    failure: Classification | None = None

    @property
    def entry(self) -> str:
        return str(self.item["accountingEntryId"])


class Judge:
    """Classifies what the connector raised or returned, one call at a time (the engine's
    caches are shared by the worker threads)."""

    def __init__(self, engine: Engine | None, system: str | None) -> None:
        self.engine = default_engine(engine)
        self._context = {"system": system} if system else {}
        self._lock = threading.Lock()

    def classify(self, raw: object, **context: Any) -> Classification:
        with self._lock:
            return self.engine.classify(raw, **{**self._context, **context})

    def precheck(self, item: ExportItem, configuration: ExportConfiguration) -> ItemFailure | None:
        envelope = precheck(item, configuration)
        if envelope is None:
            return None
        result = self.classify(envelope)
        entry = str(item["accountingEntryId"])
        return failure_of(entry, result, prechecked=True)


def failure_of(
    entry: str, result: Classification, *, prechecked: bool, attempts: int = 0
) -> ItemFailure:
    return ItemFailure(
        entry,
        result.failure_reason_type,
        result.failure_reason,
        result.rule_id,
        prechecked,
        attempts,
    )


def posted_of(value: object) -> Posted | Failed:
    """The connector's return value read: ``Posted``, ``Failed``, an external id, or None
    (posted, with nothing to refer to). Anything else is the connector's mistake."""
    if isinstance(value, Posted | Failed):
        return value
    if value is None:
        return Posted()
    if isinstance(value, str):
        return Posted(external_id=value)
    raise StopRunError(
        f"the connector's posting function returned {type(value).__name__}; return "
        "failreason.Posted(...), an external id (str), or failreason.Failed(error), or raise "
        "the accounting system's error"
    )


def retry_after(raw: object) -> float | None:
    """Seconds the accounting system asked to wait (its ``Retry-After``), if it did."""
    try:
        source = getattr(raw, "response", None) if isinstance(raw, BaseException) else raw
    except RuntimeError:  # httpx raises this for a response it was never given
        return None
    headers = source.get("headers") if isinstance(source, Mapping) else None
    headers = headers if headers is not None else getattr(source, "headers", None)
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    value = getter("retry-after") or getter("Retry-After")
    return parse_retry_after(value, datetime.now(UTC)) if isinstance(value, str) else None


def work_to_do(
    export_items: Sequence[Mapping[str, Any]], held: Mapping[str, Mapping[str, Any]]
) -> tuple[list[ExportItem], int]:
    """The items still needing work (Pleo holds no final status for them), and how many do
    not; an entry listed twice is worked once."""
    todo: list[ExportItem] = []
    seen: set[str] = set()
    final = 0
    for item in export_items:
        entry = str(item["accountingEntryId"])
        if entry in seen:
            continue
        seen.add(entry)
        if (held.get(entry) or {}).get("status") in FINAL_ITEM_STATUSES:
            final += 1
        else:
            todo.append(item)
    return todo, final


def pick_job(jobs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The oldest job listed (the list is oldest first), or None."""
    return jobs[0] if jobs else None


def finish(summary: RunSummary, outcome: ReportOutcome) -> RunSummary:
    """The summary of a run that posted the job's event."""
    summary.outcome = outcome
    summary.result = outcome.event.event
    final = outcome.successful + outcome.failed
    summary.message = f"export job {summary.job_id} {summary.result}: {final} items final"
    log.info("%s", summary.message)
    return summary


def no_job() -> RunSummary:
    """The summary of a run that found nothing to export."""
    return RunSummary("no_job", message="no export job waits to be exported")


def taken(job_id: str) -> RunSummary:
    """The summary of a run that found another worker on the job."""
    message = f"export job {job_id} was started by another worker; this run leaves it to them"
    log.info("%s", message)
    return RunSummary("taken", job_id, message=message)
