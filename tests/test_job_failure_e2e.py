"""Failing a job, against the sandbox over loopback: the job-type fallback and the early fail.

Pleo's job-event enum lacks the seed's default (`accounting_system_validation_failure`); the
sandbox enforces the enum by default, as Pleo may, and the clients fall back to an allowed
type. A job that cannot be processed at all is failed early, before every item is final.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import failreason
from failreason._cli import main
from failreason.testing import Sandbox
from tests.test_report_cli import run_report, successes

MIXED = [
    {"system": "xero", "status": 400, "body": "Account code '4010' is not a valid code."},
    {"system": "xero", "status": 429},
]


def fail_every_item_sync(sandbox: Sandbox, job_id: str, entries: tuple[str, ...]) -> Any:
    with failreason.PleoClient(token="t", base_url=sandbox.base_url, sleep=lambda _: None) as pleo:
        report = pleo.report(job_id)
        for entry, error in zip(entries, MIXED, strict=True):
            report.failed(entry, error)
        return report.complete()


def fail_every_item_async(sandbox: Sandbox, job_id: str, entries: tuple[str, ...]) -> Any:
    async def run() -> Any:
        async def no_sleep(_: float) -> None:
            return None

        client = failreason.AsyncPleoClient(token="t", base_url=sandbox.base_url, sleep=no_sleep)
        async with client as pleo:
            report = await pleo.report(job_id)
            for entry, error in zip(entries, MIXED, strict=True):
                await report.failed(entry, error)
            return await report.complete()

    return asyncio.run(run())


DRIVERS = [
    pytest.param(fail_every_item_sync, id="sync"),
    pytest.param(fail_every_item_async, id="async"),
]


@pytest.mark.parametrize("drive", DRIVERS)
def test_a_refused_seed_job_type_falls_back_to_an_allowed_one(drive: Any) -> None:
    """Every item failed, types mixed: the seed's default is refused, validation_failure lands."""
    with Sandbox(token="t") as sandbox:
        job_id, entries = sandbox.create_job(2)
        outcome = drive(sandbox, job_id, entries)
        job = sandbox.job(job_id)
    assert outcome.event.event == "failed"
    assert outcome.job_type_fallback == "accounting_system_validation_failure"
    assert (job.status, job.failure_reason_type) == ("failed", "validation_failure")
    assert outcome.to_json()["refusedFailureReasonType"] == "accounting_system_validation_failure"


@pytest.mark.parametrize("drive", DRIVERS)
def test_a_pleo_that_takes_the_seed_type_gets_it(drive: Any) -> None:
    with Sandbox(token="t", accept_seed_job_type=True) as sandbox:
        job_id, entries = sandbox.create_job(2)
        outcome = drive(sandbox, job_id, entries)
        job = sandbox.job(job_id)
    assert outcome.job_type_fallback is None
    assert job.failure_reason_type == "accounting_system_validation_failure"


def test_a_job_is_failed_early_and_its_sent_items_stay() -> None:
    """One item reported, then the accounting system is gone: the job fails at once."""
    with Sandbox(token="t") as sandbox:
        job_id, entries = sandbox.create_job(3)
        with failreason.PleoClient(token="t", base_url=sandbox.base_url) as pleo:
            report = pleo.report(job_id)
            report.succeeded(entries[0], external_id="JE-1")
            outcome = report.fail({"system": "xero", "status": 503, "body": ""})
        job, items = sandbox.job(job_id), sandbox.items(job_id)
    assert outcome.event.event == "failed"
    assert (job.status, job.failure_reason_type) == ("failed", "accounting_system_unreachable")
    assert items[0].status == "successful"
    assert [item.status for item in items[1:]] == ["abandoned", "abandoned"]


def test_async_fail_early_with_a_type_and_reason() -> None:
    async def run(sandbox: Sandbox, job_id: str) -> Any:
        async with failreason.AsyncPleoClient(token="t", base_url=sandbox.base_url) as pleo:
            report = await pleo.report(job_id)
            return await report.fail("authentication_failure", "The Xero connection was revoked.")

    with Sandbox(token="t") as sandbox:
        job_id, _ = sandbox.create_job(2)
        outcome = asyncio.run(run(sandbox, job_id))
        job = sandbox.job(job_id)
    assert outcome.event.failure_reason_type == "authentication_failure"
    assert (job.status, job.failure_reason) == ("failed", "The Xero connection was revoked.")


def test_the_command_fails_a_job_with_a_type_and_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`failreason report --fail-job TYPE REASON`: the input's items first, then `failed`."""
    with Sandbox(token="sandbox") as sandbox:
        job_id, entries = sandbox.create_job(3)
        status, summary = run_report(
            sandbox, job_id, successes(entries[:1]), monkeypatch, capsys,
            "--fail-job", "accounting_system_unreachable", "Failed to reach the Accounting System.",
        )  # fmt: skip
        job, items = sandbox.job(job_id), sandbox.items(job_id)
    assert status == 0, summary["problems"]
    assert summary["outcome"]["event"] == "failed"
    assert (job.status, job.failure_reason_type) == ("failed", "accounting_system_unreachable")
    assert items[0].status == "successful"


def test_the_command_fails_a_job_from_a_raw_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    envelope = json.dumps({"system": "xero", "status": 401, "body": "TokenExpired"})
    with Sandbox(token="sandbox") as sandbox:
        job_id, _ = sandbox.create_job(2)
        status, summary = run_report(
            sandbox, job_id, [], monkeypatch, capsys, "--fail-job-error", envelope
        )
        job = sandbox.job(job_id)
    assert status == 0, summary["problems"]
    assert job.failure_reason_type == "accounting_system_authentication_failure"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--fail-job", "no_such_type", "x"], "is not a failureReasonType"),
        (["--fail-job", "accounting_system_unreachable", " "], "give a reason"),
        (["--fail-job-error", "[1, 2]"], "one raw-error envelope as JSON"),
        (["--fail-job", "validation_failure", "x", "--no-complete"], "drop --fail-missing"),
    ],
)
def test_a_bad_job_failure_is_refused_before_pleo_is_touched(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    said: str,
) -> None:
    with Sandbox(token="sandbox") as sandbox:
        job_id, _ = sandbox.create_job(1)
        monkeypatch.setenv("PLEO_TOKEN", "sandbox")
        monkeypatch.setenv("PLEO_BASE_URL", sandbox.base_url)
        status = main(["report", "--job", job_id, *extra])
        touched = [record for record in sandbox.log if record.path.startswith("/v3/")]
    assert status == 2
    assert said in capsys.readouterr().err
    assert touched == []
