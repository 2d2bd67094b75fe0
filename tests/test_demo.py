"""`failreason demo`: the README's main command runs an export job end to end."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import pytest

from failreason._cli import main
from failreason._demo import DEFAULT_FAULTS, run_demo
from failreason._sandbox_faults import FaultPlan

SEED_WORDING = (
    "Account Default expense missing: provide account Default expense in the configurations"
)


def demo(items: int, seed: int, output: str = "json") -> str:
    """The demo's output, run in-process (each run rides out a 1 s rate limit)."""
    args = argparse.Namespace(
        items=items, faults=FaultPlan.parse(DEFAULT_FAULTS), seed=seed, format=output
    )
    out = io.StringIO()
    assert run_demo(args, out) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    """One run of 30 items, shared by the tests that read its JSON."""
    result: dict[str, Any] = json.loads(demo(30, seed=3))
    return result


def by_status(summary: dict[str, Any], status: str) -> list[dict[str, Any]]:
    return [item for item in summary["items"] if item["status"] == status]


def test_every_item_ends_final_and_the_job_completes_with_errors(summary: dict[str, Any]) -> None:
    """30 items, each successful or failed with a reason; the job's event matches."""
    assert len(summary["items"]) == 30
    assert {item["status"] for item in summary["items"]} == {"successful", "failed"}
    failed = by_status(summary, "failed")
    assert all(item["failureReasonType"] and item["failureReason"] for item in failed)
    assert summary["run"]["result"] == "completed_with_errors"
    assert summary["job"]["status"] == "completed_with_errors"


def test_refusals_are_real_errors_from_several_systems(summary: dict[str, Any]) -> None:
    """The fake answered examples of at least five systems, each classified as the example."""
    refused = [item for item in by_status(summary, "failed") if item["raw"]]
    assert len({item["raw"]["system"] for item in refused}) >= 5
    assert all(item["raw"]["status"] >= 400 for item in refused)  # a body may be empty


def test_items_without_a_gl_account_fail_the_pre_checks(summary: dict[str, Any]) -> None:
    """At least one item never reached the accounting system, failed in the seed's words."""
    prechecked = [f for f in summary["run"]["failures"] if f["prechecked"]]
    assert prechecked
    held = {item["accountingEntryId"]: item for item in summary["items"]}
    for failure in prechecked:
        item = held[failure["accountingEntryId"]]
        assert item["raw"] is None
        assert item["failureReasonType"] == "missing_configuration"
        assert item["failureReason"] == SEED_WORDING


def test_one_item_without_a_gl_account_is_there_for_any_seed() -> None:
    """Even when no item of the seed lacks an account by chance, the fifth is made to."""
    small: dict[str, Any] = json.loads(demo(5, seed=1))  # seed 1: every line has an account
    prechecked = [f["accountingEntryId"] for f in small["run"]["failures"] if f["prechecked"]]
    assert prechecked == [small["items"][4]["accountingEntryId"]]


def test_the_rate_limit_and_the_timeout_are_ridden_out_without_doubles(
    summary: dict[str, Any],
) -> None:
    """Both entries end successful after a retry, and the books hold each entry once."""
    held = {item["accountingEntryId"]: item for item in summary["items"]}
    assert held[summary["rateLimited"]]["status"] == "successful"
    assert held[summary["answeredLate"]]["status"] == "successful"
    assert summary["run"]["retries"] >= 2
    successful = len(by_status(summary, "successful"))
    assert summary["accountingSystem"]["entries"] == successful


def test_the_text_explains_itself_and_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """The three terms, the raw error next to the reason, the event; no line over 80."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for term in ("export job", "item", "job event"):
        assert any(line.startswith(f"  {term}  ") for line in lines), term
    assert "What the accounting system said, and the reason Pleo received:" in out
    assert sum(line.lstrip().startswith("-> ") for line in lines) >= 5
    assert "(a pre-check)" in out
    assert "429 Too Many Requests, Retry-After: 1" in out
    assert "httpx.ReadTimeout" in out
    assert "job event: completed_with_errors (Pleo shows the job as completed_with_errors)" in out
    assert lines[-1].startswith("faults ridden out on the way: ")


def test_the_same_seed_prints_the_same_text() -> None:
    """Deterministic for a fixed seed, so the README's sample stays true."""
    assert demo(6, seed=11, output="text") == demo(6, seed=11, output="text")
