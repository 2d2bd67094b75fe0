"""The reporting policy as pure functions: batches, retries, Retry-After, the job event."""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import failreason
from failreason._policy import (
    Attempt,
    RetryPolicy,
    batches,
    decide,
    exported_at,
    job_event,
    parse_retry_after,
    settle_reads,
    settle_time,
)

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
RNG = random.Random(1)


@given(st.lists(st.integers(), max_size=450), st.integers(min_value=1, max_value=100))
def test_batches_keep_order_and_never_exceed_the_size(items: list[int], size: int) -> None:
    """Batches concatenate back to the input and none is over the size."""
    cut = list(batches(items, size))
    assert [x for batch in cut for x in batch] == items
    assert all(1 <= len(batch) <= size for batch in cut)


def test_batches_over_100_are_refused() -> None:
    """Pleo takes at most 100 items per update, so a larger batch size is a programming error."""
    with pytest.raises(ValueError, match="between 1 and 100"):
        list(batches([1], 101))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("30", 30.0, id="seconds"),
        pytest.param(" 0 ", 0.0, id="zero"),
        pytest.param("Sat, 21 Nov 2026 12:00:45 GMT", 45.0, id="http-date"),
        pytest.param("Sat, 21 Nov 2026 11:59:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", None, id="unreadable"),
    ],
)
def test_retry_after_forms(value: str, seconds: float | None) -> None:
    """Retry-After in seconds or as an HTTP date gives the wait; nonsense gives None."""
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("attempt", "retry"),
    [
        pytest.param(Attempt(status=429), True, id="429"),
        pytest.param(Attempt(status=500), True, id="500"),
        pytest.param(Attempt(status=503), True, id="503"),
        pytest.param(Attempt(transport_error=True), True, id="connection"),
        pytest.param(Attempt(status=400), False, id="400"),
        pytest.param(Attempt(status=404), False, id="404"),
        pytest.param(Attempt(status=422), False, id="422"),
    ],
)
def test_what_is_retried(attempt: Attempt, retry: bool) -> None:
    """429, 5xx and transport failures are retried; other 4xx never."""
    assert decide(RetryPolicy(), attempt, 1, 0.0, rng=RNG, now=NOW).retry is retry


def test_retry_after_sets_the_delay_and_is_capped() -> None:
    """The server's Retry-After is honoured, up to the policy's cap."""
    policy = RetryPolicy(max_retry_after=60)
    wait = decide(policy, Attempt(status=429, retry_after="20"), 1, 0.0, rng=RNG, now=NOW)
    too_long = decide(policy, Attempt(status=429, retry_after="3600"), 1, 0.0, rng=RNG, now=NOW)
    assert (wait.retry, wait.delay) == (True, 20.0)
    assert (too_long.retry, too_long.delay) == (True, 60.0)


def test_attempts_and_total_time_are_bounded() -> None:
    """Retries stop after the last attempt, and before the total time would pass."""
    policy = RetryPolicy(max_attempts=3, max_total=10)
    assert not decide(policy, Attempt(status=503), 3, 0.0, rng=RNG).retry
    assert not decide(policy, Attempt(status=503, retry_after="5"), 1, 6.0, rng=RNG, now=NOW).retry


@given(st.integers(min_value=1, max_value=20), st.integers())
def test_backoff_grows_with_jitter_within_the_cap(attempt: int, seed: int) -> None:
    """The delay lies between 0 and min(cap, base * 2^(n-1))."""
    policy = RetryPolicy(base_delay=0.5, max_delay=30)
    delay = policy.backoff(attempt, random.Random(seed))
    assert 0 <= delay <= min(30, 0.5 * 2 ** (attempt - 1))


def test_an_unanswered_request_asks_for_a_read_back() -> None:
    """A request that may have landed is checked against Pleo before it is sent again."""
    landed = Attempt(transport_error=True, may_have_landed=True)
    assert decide(RetryPolicy(), landed, 1, 0.0, rng=RNG).check_state_first


def test_exported_at_is_utc_seconds_with_z() -> None:
    """Any timezone-aware time becomes UTC, whole seconds, with a Z."""
    local = datetime(2026, 4, 22, 12, 8, 56, 999, tzinfo=timezone(timedelta(hours=2)))
    assert exported_at(local) == "2026-04-22T10:08:56Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        exported_at(datetime(2026, 4, 22, 12, 8, 56))


def ok(n: int) -> list[dict[str, str]]:
    return [{"status": "successful"}] * n


def bad(n: int, kind: str = "vendor_unknown", reason: str = "Vendor gone") -> list[dict[str, str]]:
    return [{"status": "failed", "failureReasonType": kind, "failureReason": reason}] * n


def test_job_event_follows_the_seed_table() -> None:
    """All successful: completed; some failed: completed_with_errors; all failed: failed."""
    assert job_event(ok(3)).event == "completed"
    assert job_event(ok(2) + bad(1)).event == "completed_with_errors"
    failed = job_event(bad(2) + bad(1, "invalid_configuration", "Tax Code S25 does not exist"))
    assert failed.payload("job-1") == {
        "event": "failed",
        "jobId": "job-1",
        "failureReasonType": "accounting_system_validation_failure",
        "failureReason": "All 3 items failed. Most common (2): Vendor gone",
    }


def test_job_failure_type_when_every_item_shares_one() -> None:
    """A shared item type maps to a job-level type when the mapping names it."""
    event = job_event(
        bad(2, "accounting_system_rate_limit", "429"),
        {"accounting_system_rate_limit": "accounting_system_rate_limit"},
    )
    assert (event.failure_reason_type, event.failure_reason) == (
        "accounting_system_rate_limit",
        "All 2 items failed: 429",
    )


def test_built_in_job_failure_types_come_from_yaml() -> None:
    """rules/job.yaml maps a shared item type to the job's type; the rest use the default."""
    types = failreason.load().job_failure_types
    assert job_event(bad(3, "missing_configuration", "Journal X"), types).failure_reason_type == (
        "missing_configuration"
    )
    assert job_event(bad(3), types).failure_reason_type == "accounting_system_validation_failure"


def test_a_permanent_transport_failure_is_not_retried() -> None:
    """A bad URL, header or certificate fails the same way again: no retry, no read-back."""
    verdict = decide(RetryPolicy(), Attempt(transport_error=True, permanent=True), 1, 0, rng=RNG)
    assert not verdict.retry
    assert "same way" in verdict.reason


def drive(settle: float, reads: Sequence[tuple[bool, Hashable]]) -> tuple[list[float], int]:
    """Run ``settle_reads`` over scripted reads: the waits it asked for and reads it used."""
    flow = settle_reads(settle)
    waits = [next(flow)]
    used = 0
    for seen in reads:
        used += 1
        try:
            waits.append(flow.send(seen))
        except StopIteration:
            break
    return waits, used


def test_the_read_back_waits_before_its_first_read() -> None:
    """A request Pleo may still be applying gets ``settle`` seconds before anything is read."""
    waits, _ = drive(2.5, [(True, ())])
    assert waits == [2.5]


def test_the_read_back_ends_when_everything_landed() -> None:
    """One read that finds the whole request applied ends it; nothing is resent."""
    _, used = drive(1.0, [(True, ()), (True, ()), (True, ())])
    assert used == 1


def test_the_read_back_needs_two_agreeing_reads_before_a_resend() -> None:
    """A read that finds the request missing is checked by a second read ``settle`` later."""
    waits, used = drive(1.0, [(False, ("a", "b")), (False, ("a", "b")), (False, ("a", "b"))])
    assert (waits, used) == ([1.0, 1.0], 2)


def test_the_read_back_goes_on_while_pleo_is_still_changing() -> None:
    """Reads that disagree mean something is still landing: read again, up to the bound."""
    _, used = drive(1.0, [(False, ("a", "b", "c")), (False, ("b", "c")), (False, ("c",))] * 3)
    assert used == 4  # MAX_SETTLE_READS: bounded even if Pleo never settles
    _, used = drive(1.0, [(False, ("a", "b")), (False, ("b",)), (False, ("b",))])
    assert used == 3


def test_a_timed_out_request_gets_the_whole_settle_time() -> None:
    """Pleo may still be applying a request whose answer timed out; a closed one is done."""
    timed_out = Attempt(transport_error=True, may_have_landed=True, timed_out=True)
    closed = Attempt(transport_error=True, may_have_landed=True)
    assert settle_time(timed_out, 30.0) == 30.0
    assert settle_time(closed, 30.0) == 0.2
    assert settle_time(closed, 0.05) == 0.05
