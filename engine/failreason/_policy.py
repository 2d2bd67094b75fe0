"""How to talk to Pleo reliably, as pure functions over values.

The sync and async clients share this policy and only send, sleep and loop: batching, the
retry decision and its delay, reading ``Retry-After``, reading back after an unanswered
request, and the job's outcome live here.

A request that timed out may still be applied by Pleo after the client stopped waiting.
Sending it again at once would apply it twice, so ``settle_reads`` first waits ``settle``
seconds, reads Pleo back, and reads again, ``settle`` apart, until everything landed or two
reads agree: only then is what is missing resent. A request Pleo applies later than that
(more than ``timeout`` + 2 * ``settle`` after it was sent, at the defaults 90 s) can still
be applied twice. When Pleo closed the connection without answering, it has finished with
the request or dropped it, so the reads are spaced by at most ``CLOSED_SETTLE`` seconds.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Generator, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from failreason._clean import truncate
from failreason._vocabulary import JOB_FAILURE_TYPES, MAX_ITEMS_PER_UPDATE
from failreason._wire import JobEventBody

T = TypeVar("T")

DEFAULT_JOB_FAILURE_TYPE = "accounting_system_validation_failure"  # the seed's default


def batches(items: Sequence[T], size: int = MAX_ITEMS_PER_UPDATE) -> Iterator[Sequence[T]]:
    """``items`` in order, in slices of at most ``size``."""
    if not 1 <= size <= MAX_ITEMS_PER_UPDATE:
        raise ValueError(f"batch size must be between 1 and {MAX_ITEMS_PER_UPDATE}, got {size}")
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total time."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = 120.0
    max_retry_after: float = 60.0  # the longest a Retry-After is waited; past it, retry anyway
    max_unresolved: int = 2  # attempts while the host name does not resolve (a typo, mostly)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The delay before retry number ``attempt`` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


@dataclass(frozen=True)
class Attempt:
    """What one request attempt ended with: a status, or a transport failure."""

    status: int | None = None
    retry_after: str | None = None
    transport_error: bool = False
    may_have_landed: bool = False  # the request was sent but its answer never came
    timed_out: bool = False  # the answer was not waited for: Pleo may still be working on it
    permanent: bool = False  # a bad URL, header or certificate: sending again cannot help
    unresolved: bool = False  # the host name did not resolve: retried only briefly


@dataclass(frozen=True)
class Decision:
    retry: bool
    delay: float = 0.0
    check_state_first: bool = False  # the last attempt may have landed: read Pleo back first
    reason: str = ""


def decide(
    policy: RetryPolicy,
    attempt: Attempt,
    number: int,
    elapsed: float,
    *,
    rng: random.Random,
    now: datetime | None = None,
) -> Decision:
    """Whether to retry after attempt ``number`` (1-based) that ended as ``attempt``."""
    if attempt.permanent:
        return Decision(False, reason="sending again would fail the same way")
    if not (attempt.transport_error or is_transient(attempt.status)):
        return Decision(False, reason=f"HTTP {attempt.status} is not retried")
    if attempt.unresolved and number >= policy.max_unresolved:
        return Decision(False, reason=f"the host name did not resolve in {number} attempts")
    if number >= policy.max_attempts:
        return Decision(False, reason=f"gave up after {number} attempts")
    delay = policy.backoff(number, rng)
    if attempt.retry_after is not None:
        asked = parse_retry_after(attempt.retry_after, now or datetime.now(UTC))
        if asked is not None:
            delay = max(delay, min(asked, policy.max_retry_after))
    if elapsed + delay > policy.max_total:
        return Decision(False, reason=f"gave up after {elapsed:.0f} s")
    return Decision(True, delay, attempt.may_have_landed, "transient failure")


MAX_SETTLE_READS = 4
CLOSED_SETTLE = 0.2  # seconds: a proxy may still be passing on a request Pleo's side closed


def settle_time(attempt: Attempt, settle: float) -> float:
    """The spacing of the read-back after ``attempt``: ``settle`` after a timeout."""
    return settle if attempt.timed_out else min(settle, CLOSED_SETTLE)


Seen = tuple[bool, Hashable]  # (everything landed, what the read saw of it)


def settle_reads(settle: float, max_reads: int = MAX_SETTLE_READS) -> Generator[float, Seen, None]:
    """The read-back after an unanswered request, as a protocol the clients drive.

    Yields the seconds to wait before each read and is sent what that read saw. It ends
    once a read finds everything landed, or two reads ``settle`` apart agree (nothing is
    still being applied), or after ``max_reads`` reads; the driver then resends what is
    missing. Waiting before the first read gives a request Pleo is still working on the
    time to land, so it is seen rather than sent twice.
    """
    previous: Hashable = _NOTHING_SEEN
    for _ in range(max_reads):
        done, state = yield settle
        if done or state == previous:
            return
        previous = state


_NOTHING_SEEN = object()


def is_transient(status: int | None) -> bool:
    """429 and 5xx are worth retrying; other statuses will answer the same again."""
    return status is not None and (status == 429 or status >= 500)


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` of seconds or an HTTP date; None if unreadable."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def exported_at(moment: datetime | None) -> str | None:
    """A timestamp as Pleo wants it: UTC, whole seconds, ``Z``."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("exported_at must be timezone-aware, so it converts to UTC correctly")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class JobEvent:
    """The completion event for a job, from its items' final statuses."""

    event: str
    failure_reason_type: str | None = None
    failure_reason: str | None = None
    refused_type: str | None = None  # the type Pleo refused before it took this one

    def payload(self, job_id: str) -> JobEventBody:
        body: JobEventBody = {"event": self.event, "jobId": job_id}
        if self.failure_reason_type is not None:
            body["failureReasonType"] = self.failure_reason_type
            body["failureReason"] = self.failure_reason or ""
        return body


def job_event(
    items: Iterable[Mapping[str, Any]], type_for: Mapping[str, str] | None = None
) -> JobEvent:
    """``completed``, ``completed_with_errors`` or ``failed``, summarising the failures.

    ``type_for`` maps an item failureReasonType to the job-level type used when every failed
    item shares it; otherwise, and by default, the seed's ``accounting_system_validation_failure``.
    """
    finals = list(items)
    failed = [item for item in finals if item.get("status") == "failed"]
    if not failed:
        return JobEvent("completed")
    if len(failed) < len(finals):
        return JobEvent("completed_with_errors")
    types = {str(item.get("failureReasonType")) for item in failed}
    job_type = DEFAULT_JOB_FAILURE_TYPE
    if len(types) == 1 and type_for is not None:
        job_type = type_for.get(types.pop(), DEFAULT_JOB_FAILURE_TYPE)
    return JobEvent("failed", job_type, failure_summary(failed))


# The job-level failureReasonType values Pleo's published spec lists (ExportJobFailureReasonType).
SPEC_JOB_FAILURE_TYPES = frozenset(JOB_FAILURE_TYPES) - {DEFAULT_JOB_FAILURE_TYPE}
FALLBACK_JOB_FAILURE_TYPE = "validation_failure"


def fallback_job_type(refused: str | None, type_for: Mapping[str, str] | None) -> str | None:
    """The closest job-level type Pleo's spec allows, to post when it refused ``refused``.

    The mapped type when ``refused`` is an item type with a job-level counterpart, else
    ``validation_failure``; None when ``refused`` is already that.
    """
    mapped = (type_for or {}).get(refused or "")
    if mapped in SPEC_JOB_FAILURE_TYPES and mapped != refused:
        return mapped
    return None if refused == FALLBACK_JOB_FAILURE_TYPE else FALLBACK_JOB_FAILURE_TYPE


def refuses_job_type(status: int | None, text: str, event: JobEvent) -> bool:
    """Pleo's 400 or 422 names the job's failureReasonType (the field or its value)."""
    if status not in (400, 422) or event.failure_reason_type is None:
        return False
    lowered = text.lower()
    return "failurereasontype" in lowered or event.failure_reason_type.lower() in lowered


def failure_summary(failed: Sequence[Mapping[str, Any]]) -> str:
    """ "All 12 items failed. Most common (7): Tax Code S25 does not exist ..." for the job."""
    counts: dict[str, int] = {}
    for item in failed:
        reason = str(item.get("failureReason") or "no reason given")
        counts[reason] = counts.get(reason, 0) + 1
    reason, count = max(counts.items(), key=lambda pair: pair[1])
    noun = "item" if len(failed) == 1 else "items"
    if len(counts) == 1:
        return truncate(f"All {len(failed)} {noun} failed: {reason}")
    return truncate(f"All {len(failed)} {noun} failed. Most common ({count}): {reason}")
