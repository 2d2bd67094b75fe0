"""Boundaries of the reporting policy that mutation testing showed no test held in place."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from failreason._policy import (
    Attempt,
    RetryPolicy,
    batches,
    decide,
    exported_at,
    failure_summary,
    job_event,
    parse_retry_after,
)

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


class Ceiling(random.Random):
    """A generator whose jitter always lands on the upper bound, to see the ceiling itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize("size", [1, 100], ids=["one", "pleos-limit"])
def test_batch_sizes_from_one_up_to_pleos_limit_are_allowed(size: int) -> None:
    """Both ends of 1..100 are valid batch sizes."""
    first = next(iter(batches(list(range(150)), size)))
    assert first == list(range(size))


def test_a_batch_size_of_zero_is_refused() -> None:
    """Zero would never make progress."""
    with pytest.raises(ValueError, match="between 1 and 100"):
        list(batches([1], 0))


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (6, 16.0), (7, 30.0), (40, 30.0)],
)
def test_backoff_ceiling_doubles_from_the_base_up_to_the_cap(attempt: int, ceiling: float) -> None:
    """Retry n waits at most base * 2^(n-1), never more than max_delay."""
    policy = RetryPolicy(base_delay=0.5, max_delay=30)
    assert policy.backoff(attempt, Ceiling()) == ceiling


@pytest.mark.parametrize(
    ("attempt", "landed"),
    [
        pytest.param(Attempt(status=503), False, id="answered"),
        pytest.param(Attempt(transport_error=True), False, id="never-sent"),
        pytest.param(Attempt(transport_error=True, may_have_landed=True), True, id="unanswered"),
    ],
)
def test_only_a_request_that_may_have_landed_asks_for_a_read_back(
    attempt: Attempt, landed: bool
) -> None:
    """A 503 or a refused connection is simply resent; a lost answer is checked first."""
    decision = decide(RetryPolicy(), attempt, 1, 0.0, rng=random.Random(1), now=NOW)
    assert decision.retry is True
    assert decision.check_state_first is landed


def test_decisions_not_to_retry_say_why() -> None:
    """The reason names the status, or how many attempts and how long were spent."""
    rng = random.Random(1)
    policy = RetryPolicy(max_attempts=3, max_total=10)
    refused = decide(policy, Attempt(status=422), 1, 0.0, rng=rng)
    exhausted = decide(policy, Attempt(status=503), 3, 0.0, rng=rng)
    late = decide(policy, Attempt(status=503, retry_after="9"), 1, 7.0, rng=rng, now=NOW)
    assert (refused.retry, exhausted.retry, late.retry) == (False, False, False)
    assert "422" in refused.reason
    assert "3 attempts" in exhausted.reason
    assert "7 s" in late.reason


def test_a_retry_that_ends_exactly_at_the_time_budget_is_made() -> None:
    """max_total is the last moment a retry may start, inclusive."""
    policy = RetryPolicy(max_total=10)
    attempt = Attempt(status=429, retry_after="5")
    decision = decide(policy, attempt, 1, 5.0, rng=random.Random(1), now=NOW)
    assert (decision.retry, decision.delay) == (True, 5.0)


@pytest.mark.parametrize(
    "value",
    ["Sat, 21 Nov 2026 12:00:45", "Sat, 21 Nov 2026 12:00:45 -0000"],
    ids=["no-zone", "unknown-zone"],
)
def test_an_http_date_without_a_zone_is_read_as_utc(value: str) -> None:
    """RFC 9110 dates are GMT; a date without a usable zone is taken as UTC, not refused."""
    assert parse_retry_after(value, NOW) == 45.0


@pytest.fixture
def new_york() -> Iterator[None]:
    """The process's local timezone set to one far from UTC, restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "America/New_York")
        time.tzset()
        yield
    time.tzset()


@pytest.mark.usefixtures("new_york")
def test_exported_at_ignores_the_machines_timezone() -> None:
    """The timestamp is UTC whatever the local zone of the machine that reports."""
    moment = datetime(2026, 4, 22, 12, 8, 56, tzinfo=timezone(timedelta(hours=2)))
    assert exported_at(moment) == "2026-04-22T10:08:56Z"


def failed(reason: str | None, kind: str = "vendor_unknown") -> dict[str, str | None]:
    return {"status": "failed", "failureReasonType": kind, "failureReason": reason}


def test_a_job_whose_failures_differ_in_type_gets_the_default_type() -> None:
    """The mapping applies only when every failed item shares one type."""
    items = [failed("a", "vendor_unknown"), failed("b", "missing_configuration")]
    mapping = {"vendor_unknown": "vendor_unknown", "missing_configuration": "missing_configuration"}
    event = job_event(items, mapping)
    assert event.failure_reason_type == "accounting_system_validation_failure"


def test_the_summary_names_the_most_frequent_reason() -> None:
    """Frequency decides, not the reason's text."""
    summary = failure_summary([failed("Alpha"), failed("Alpha"), failed("Zulu")])
    assert summary == "All 3 items failed. Most common (2): Alpha"


def test_a_single_failure_is_one_item() -> None:
    """One failed item reads in the singular."""
    assert failure_summary([failed("Vendor gone")]) == "All 1 item failed: Vendor gone"


def test_failures_without_a_reason_are_counted_as_such() -> None:
    """Items with no or an empty reason share one placeholder reason."""
    assert failure_summary([failed(None), failed("")]) == "All 2 items failed: no reason given"
