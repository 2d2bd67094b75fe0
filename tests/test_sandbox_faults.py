"""The sandbox's seeded fault plan: parsing, replay and scripts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failreason import FailreasonError
from failreason._sandbox_faults import FAULT_KINDS, Fault, FaultPlan, FaultSpecError

MIXED = "429=0.1,500=0.05,503=0.05,slow=0.05,drop=0.05,lost=0.05"


def kinds(plan: FaultPlan, count: int) -> list[str | None]:
    return [fault.kind if fault else None for fault in map(plan.decide, range(count))]


def test_spec_gives_a_probability_per_kind() -> None:
    """A command-line spec becomes a probability for each kind named."""
    plan = FaultPlan.parse(" 429=0.1, lost=0.05 ")
    assert dict(plan.probabilities) == {"429": 0.1, "lost": 0.05}


def test_spec_round_trips() -> None:
    """A plan's spec parses back to the same probabilities."""
    plan = FaultPlan.parse(MIXED)
    assert FaultPlan.parse(plan.spec).probabilities == plan.probabilities


def test_empty_spec_means_no_faults() -> None:
    """No spec, no faults."""
    assert kinds(FaultPlan.parse(""), 200) == [None] * 200


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        pytest.param("404=0.1", "unknown fault kind '404'", id="unknown-kind"),
        pytest.param("sloww=0.1", "did you mean 'slow'?", id="misspelt-kind"),
        pytest.param("500=1.5", "fault 500: probability 1.5 is not between 0 and 1", id="over-1"),
        pytest.param("drop=-0.1", "fault drop: probability -0.1", id="negative"),
        pytest.param("lost=nan", "fault lost: probability nan", id="nan"),
        pytest.param("503=often", "fault 503: probability 'often' is not a number", id="text"),
        pytest.param("429", "expected KIND=PROBABILITY", id="no-equals"),
        pytest.param("429=0.1,429=0.2", "fault 429 is given twice", id="twice"),
        pytest.param("429=0.6,500=0.6", "add up to 1.2", id="sum-over-1"),
    ],
)
def test_bad_spec_is_an_error_naming_it(spec: str, named: str) -> None:
    """A spec that cannot be used says which kind or value is wrong."""
    with pytest.raises(FaultSpecError, match=named.replace("?", r"\?")):
        FaultPlan.parse(spec)


def test_spec_error_is_ours_and_a_value_error() -> None:
    """Callers can catch spec errors as failreason's or as ValueError."""
    assert issubclass(FaultSpecError, FailreasonError)
    assert issubclass(FaultSpecError, ValueError)


def test_same_seed_replays_the_same_faults() -> None:
    """Two plans with the same seed fault the same requests the same way."""
    first = FaultPlan.parse(MIXED, seed=7)
    second = FaultPlan.parse(MIXED, seed=7)
    assert [first.decide(i) for i in range(500)] == [second.decide(i) for i in range(500)]


def test_another_seed_gives_other_faults() -> None:
    """Changing the seed changes which requests fail."""
    assert kinds(FaultPlan.parse(MIXED, seed=1), 500) != kinds(FaultPlan.parse(MIXED, seed=2), 500)


@given(st.integers(min_value=0, max_value=10_000), st.integers())
def test_decision_depends_only_on_seed_and_index(index: int, seed: int) -> None:
    """A request's fault does not depend on which requests were decided before."""
    plan = FaultPlan.parse(MIXED, seed=seed)
    alone = plan.decide(index)
    plan.decide(index + 1)
    assert FaultPlan.parse(MIXED, seed=seed).decide(index) == alone


def test_faults_come_at_about_their_probabilities() -> None:
    """Over many requests each kind's share is close to its probability."""
    drawn = kinds(FaultPlan.parse("429=0.2,lost=0.1", seed=3), 5000)
    assert 0.17 < drawn.count("429") / 5000 < 0.23
    assert 0.08 < drawn.count("lost") / 5000 < 0.12
    assert set(drawn) == {"429", "lost", None}


def test_probability_one_faults_every_request() -> None:
    """A kind with probability 1 hits every request."""
    assert set(kinds(FaultPlan.parse("503=1"), 300)) == {"503"}


def test_rate_limits_use_both_retry_after_forms() -> None:
    """The seed picks seconds for some 429s and an HTTP date for others."""
    plan = FaultPlan.parse("429=1", seed=11, retry_after_seconds=2)
    faults = [plan.decide(i) for i in range(50)]
    assert {f.retry_after_as_date for f in faults if f} == {True, False}
    assert {f.retry_after_seconds for f in faults if f} == {2}


def test_slow_fault_carries_its_delay() -> None:
    """A slow fault says how long to wait."""
    assert FaultPlan.parse("slow=1", slow_seconds=0.5).decide(0) == Fault("slow", delay_seconds=0.5)


def test_script_decides_the_first_requests_then_nothing() -> None:
    """A scripted plan gives exactly its faults, in order, and none afterwards."""
    plan = FaultPlan.scripted(["429", None, "lost", "drop"])
    assert kinds(plan, 6) == ["429", None, "lost", "drop", None, None]


def test_script_comes_before_probabilities() -> None:
    """With both, the script decides its requests and the probabilities the rest."""
    plan = FaultPlan({"500": 1.0}, script=(None, "slow"))
    assert kinds(plan, 4) == [None, "slow", "500", "500"]


def test_script_with_unknown_kind_is_an_error() -> None:
    """A scripted kind that does not exist is refused, by name."""
    with pytest.raises(FaultSpecError, match="'timeout'"):
        FaultPlan.scripted(["429", "timeout"])


def test_plan_is_frozen_and_hashable() -> None:
    """A plan is a value: it cannot change and can be a dict key."""
    plan = FaultPlan.parse("429=0.5", seed=1)
    with pytest.raises(TypeError):
        plan.probabilities["500"] = 0.1  # type: ignore[index]
    assert {plan: 1}[FaultPlan.parse("429=0.5", seed=1)] == 1


def test_every_kind_can_be_scripted() -> None:
    """Each documented kind is a valid fault."""
    assert kinds(FaultPlan.scripted(FAULT_KINDS), len(FAULT_KINDS)) == list(FAULT_KINDS)
