"""The reporting clients against the sandbox over real HTTP on loopback, with seeded faults."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoSettings
from failreason._policy import RetryPolicy
from failreason._sandbox import Sandbox
from failreason._sandbox_faults import FaultPlan

FAULTS = "429=0.08,500=0.04,502=0.04,503=0.04,slow=0.02,drop=0.06,lost=0.06"
SEEDS = range(25)
ITEMS = 230
ENGINE = failreason.load()
# Plenty of attempts: with a third of requests faulted, giving up would be a false alarm.
POLICY = RetryPolicy(max_attempts=12, base_delay=0.0, max_delay=0.0, max_total=60)
RAW_ERRORS: list[dict[str, Any]] = [
    {
        "system": "xero",
        "status": 400,
        "body": "Account code '120' is not a valid code for this document.",
    },
    {"system": "fortnox", "status": 429, "body": "Too Many Requests"},
    {"stage": "validation", "code": "missing_journal", "params": {"journal": "Purchases"}},
]


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Job locks in a directory of this test's own, not shared with other runs."""
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


def intended(index: int) -> dict[str, Any] | None:
    """The connector's outcome for item ``index``: None for success, else a raw error."""
    return RAW_ERRORS[index % len(RAW_ERRORS)] if index % 4 == 0 else None


def settings(sandbox: Sandbox) -> PleoSettings:
    return PleoSettings(token="sandbox", base_url=sandbox.base_url, timeout=5, policy=POLICY)


def check_final_state(sandbox: Sandbox, job_id: str, entries: tuple[str, ...]) -> None:
    """Every item final as intended, no PUT over 100, nothing sent twice, one right event."""
    items = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
    for index, entry in enumerate(entries):
        raw = intended(index)
        expected = "successful" if raw is None else "failed"
        assert items[entry].status == expected, entry
        if raw is not None:
            assert items[entry].failure_reason == ENGINE.classify(raw).failure_reason
    assert sandbox.oversized_puts == 0
    assert all((r.item_count or 0) <= 100 for r in sandbox.log)
    assert sandbox.duplicate_item_updates == 0
    events = [e.event for e in sandbox.events(job_id) if e.event != "started"]
    assert events == ["completed_with_errors"]


@pytest.mark.parametrize("seed", SEEDS)
def test_sync_client_reports_everything_exactly_once_under_faults(seed: int) -> None:
    """Under seeded 429s, 5xx, drops and lost answers, the job ends right, once."""
    with Sandbox(faults=FaultPlan.parse(FAULTS, seed=seed, slow_seconds=0.01)) as sandbox:
        job_id, entries = sandbox.create_job(ITEMS)
        with PleoClient(settings=settings(sandbox), sleep=lambda _: None) as pleo:
            report = pleo.report(job_id, ENGINE)
            for index, entry in enumerate(entries):
                raw = intended(index)
                if raw is None:
                    report.succeeded(entry, external_id=f"JE-{index}")
                else:
                    report.failed(entry, raw)
            outcome = report.complete()
        assert (outcome.successful, outcome.failed) == (
            ITEMS - len(range(0, ITEMS, 4)),
            len(range(0, ITEMS, 4)),
        )
        check_final_state(sandbox, job_id, entries)


@pytest.mark.parametrize("seed", SEEDS)
def test_async_client_reports_everything_exactly_once_under_faults(seed: int) -> None:
    """The async client meets the same guarantees under the same faults."""

    async def no_sleep(_: float) -> None:
        return None

    async def run(sandbox: Sandbox, job_id: str, entries: tuple[str, ...]) -> None:
        async with AsyncPleoClient(settings=settings(sandbox), sleep=no_sleep) as pleo:
            report = await pleo.report(job_id, ENGINE)
            for index, entry in enumerate(entries):
                raw = intended(index)
                if raw is None:
                    await report.succeeded(entry)
                else:
                    await report.failed(entry, raw)
            await report.complete()

    with Sandbox(faults=FaultPlan.parse(FAULTS, seed=seed, slow_seconds=0.01)) as sandbox:
        job_id, entries = sandbox.create_job(ITEMS)
        asyncio.run(run(sandbox, job_id, entries))
        check_final_state(sandbox, job_id, entries)


def test_a_killed_report_is_finished_by_a_second_run(tmp_path: Path) -> None:
    """Kill `failreason report` mid-run; a second run completes with nothing lost or doubled."""
    with Sandbox(faults=FaultPlan.parse("slow=1", slow_seconds=0.05)) as sandbox:
        # Ten batches: the first few in flight at once land together, and the kill comes
        # while the next ones are on their way.
        job_id, entries = sandbox.create_job(1_000)
        lines = []
        for index, entry in enumerate(entries):
            raw = intended(index)
            line: dict[str, Any] = {"accountingEntryId": entry}
            line.update(
                {"status": "successful"} if raw is None else {"status": "failed", "error": raw}
            )
            lines.append(json.dumps(line))
        source = tmp_path / "items.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {**os.environ, "PLEO_TOKEN": "sandbox", "PLEO_BASE_URL": sandbox.base_url}
        # The second run waits out an update the killed one left in flight: a short timeout
        # and settle time keep that wait (timeout + 2 x settle) short.
        env.update({"PLEO_TIMEOUT": "2", "PLEO_SETTLE_SECONDS": "0.05"})
        command = [sys.executable, "-m", "failreason", "report", "--job", job_id, str(source)]

        with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as first:
            while not any(r.method == "PUT" and r.status == 200 for r in sandbox.log):
                assert first.poll() is None, first.communicate()
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            first.communicate()
        reported = sum(
            1 for item in sandbox.items(job_id) if item.status in ("successful", "failed")
        )
        assert 0 < reported < len(entries)

        second = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert second.returncode == 0, second.stdout + second.stderr
        check_final_state(sandbox, job_id, entries)


HOSTILE_REASON = "Tax code \ud800 S25\x1b[31m is\u202e gone\x00 " + "x" * 600


def report_hostile_reason(sandbox: Sandbox, job_id: str, entries: tuple[str, ...], how: str) -> Any:
    """Report the three entries with the sync client, the middle one with HOSTILE_REASON."""
    with PleoClient(settings=settings(sandbox), sleep=lambda _: None) as pleo:
        report = pleo.report(job_id, ENGINE)
        report.succeeded(entries[0])
        if how == "failed_as":
            report.failed_as(entries[1], "tax_code_unknown", HOSTILE_REASON)
        else:
            given = failreason.Classification("tax_code_unknown", HOSTILE_REASON, "mine")
            report.failed(entries[1], given)
        report.succeeded(entries[2])
        return report.complete()


def report_hostile_reason_async(
    sandbox: Sandbox, job_id: str, entries: tuple[str, ...], how: str
) -> Any:
    """The same, awaited through the async client."""

    async def no_sleep(_: float) -> None:
        return None

    async def run() -> Any:
        async with AsyncPleoClient(settings=settings(sandbox), sleep=no_sleep) as pleo:
            report = await pleo.report(job_id, ENGINE)
            await report.succeeded(entries[0])
            if how == "failed_as":
                await report.failed_as(entries[1], "tax_code_unknown", HOSTILE_REASON)
            else:
                given = failreason.Classification("tax_code_unknown", HOSTILE_REASON, "mine")
                await report.failed(entries[1], given)
            await report.succeeded(entries[2])
            return await report.complete()

    return asyncio.run(run())


@pytest.mark.parametrize("driver", [report_hostile_reason, report_hostile_reason_async])
@pytest.mark.parametrize("how", ["failed_as", "classification"])
def test_a_hostile_reason_is_cleaned_and_capped_before_it_is_queued(
    how: str, driver: Callable[..., Any]
) -> None:
    """A lone surrogate or control character cannot fail the batch; reasons stay <= 500."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(3)
        outcome = driver(sandbox, job_id, entries, how)
        assert (outcome.successful, outcome.failed, outcome.rejected) == (2, 1, ())
        reason = sandbox.items(job_id)[1].failure_reason or ""
        assert reason.startswith("Tax code \ufffd S25 is gone")  # the whole escape sequence dropped
        assert len(reason) <= 500
        assert all(ch.isprintable() for ch in reason)


def test_a_reason_of_invisible_characters_only_is_refused_at_once() -> None:
    """Nothing a bookkeeper could read is a ValueError when queued, not a 422 later."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1)
        with PleoClient(settings=settings(sandbox)) as pleo:
            report = pleo.report(job_id, ENGINE)
            with pytest.raises(ValueError, match="visible text"):
                report.failed_as(entries[0], "tax_code_unknown", "\u200b\u200d\x00 \n")


def test_failreason_report_survives_a_reason_with_a_lone_surrogate(tmp_path: Path) -> None:
    """The CLI reports a line whose reason holds "\\ud800" and completes the job."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(2)
        lines = [
            {"accountingEntryId": entries[0], "status": "successful"},
            {
                "accountingEntryId": entries[1],
                "status": "failed",
                "failureReasonType": "tax_code_unknown",
                "failureReason": "Tax code \ud800 S25 is gone",
            },
        ]
        source = tmp_path / "items.jsonl"
        source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        env = {**os.environ, "PLEO_TOKEN": "sandbox", "PLEO_BASE_URL": sandbox.base_url}
        command = [sys.executable, "-m", "failreason", "report", "--job", job_id, str(source)]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
        assert sandbox.items(job_id)[1].failure_reason == "Tax code \ufffd S25 is gone"
        assert [e.event for e in sandbox.events(job_id)] == ["completed_with_errors"]
