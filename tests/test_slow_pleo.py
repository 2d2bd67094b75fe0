"""A Pleo that answers after the client's timeout, yet applies the request: nothing twice.

The sandbox's ``slow`` fault sleeps, then applies the request, so with a delay above the
client's timeout the client gives up on a request that still lands. The client must read
back after the request settled, not at once, or it sends the update again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoSettings
from failreason._policy import RetryPolicy
from failreason._sandbox import Sandbox
from failreason._sandbox_faults import FaultPlan

TIMEOUT = 0.15  # the client's; every slow answer comes later than this
POLICY = RetryPolicy(max_attempts=20, base_delay=0.0, max_delay=0.0, max_total=120)


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


def settings(sandbox: Sandbox, settle: float) -> PleoSettings:
    return PleoSettings(
        token="sandbox",
        base_url=sandbox.base_url,
        timeout=TIMEOUT,
        settle_seconds=settle,
        policy=POLICY,
    )


def report_all(
    sandbox: Sandbox, job_id: str, entries: tuple[str, ...], settle: float, *, complete: bool = True
) -> None:
    with PleoClient(settings=settings(sandbox, settle)) as pleo:
        report = pleo.report(job_id)
        for entry in entries:
            report.succeeded(entry)
        report.flush()
        if complete:
            report.complete()


def slow_put(delay: float) -> FaultPlan:
    """Only the first update is slow: requests 0 to 2 read the job and its final items."""
    plan = FaultPlan.scripted([None, None, None, "slow"])
    return FaultPlan(plan.probabilities, plan.seed, plan.script, slow_seconds=delay)


def sandbox_stats(sandbox: Sandbox) -> dict[str, int]:
    """The sandbox's request counters, read over HTTP as a client would, with its token."""
    response = httpx.get(
        f"{sandbox.base_url}/sandbox/stats", headers={"Authorization": "Bearer sandbox"}
    )
    stats: dict[str, int] = response.json()["data"]
    return stats


def wait_for_late_requests(sandbox: Sandbox) -> None:
    """Let requests the sandbox is still sleeping on land, so what they apply is counted."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = sandbox_stats(sandbox)
        if stats["requests"] == len(sandbox.log):
            return
        time.sleep(0.05)
    raise AssertionError("the sandbox is still applying requests after 30 s")


def puts(sandbox: Sandbox) -> list[int | None]:
    wait_for_late_requests(sandbox)
    return [record.item_count for record in sandbox.log if record.method == "PUT"]


@pytest.mark.parametrize(
    ("delay", "settle"),
    [
        pytest.param(0.35, 0.4, id="seen-by-the-first-read"),
        pytest.param(0.7, 0.4, id="seen-by-the-second-read"),
    ],
)
def test_an_update_applied_after_the_timeout_is_not_sent_again(delay: float, settle: float) -> None:
    """The late update is found by the read-back, so it is sent exactly once."""
    with Sandbox(faults=slow_put(delay)) as sandbox:
        job_id, entries = sandbox.create_job(100)
        report_all(sandbox, job_id, entries, settle)
        assert puts(sandbox) == [100]  # waits for late requests, so a late double would show
        assert sandbox.duplicate_item_updates == 0
        assert all(item.status == "successful" for item in sandbox.items(job_id))


def test_reading_back_at_once_would_apply_the_update_twice() -> None:
    """The hazard is real: with no time to settle, the sandbox applies the update twice."""
    with Sandbox(faults=slow_put(0.6)) as sandbox:
        job_id, entries = sandbox.create_job(100)
        # Not completed: a completed job would refuse the late update instead of doubling it.
        report_all(sandbox, job_id, entries, settle=0.001, complete=False)
        assert puts(sandbox) == [100, 100]
        assert sandbox.duplicate_item_updates == 100


FAULTS = "slow=0.3,500=0.05,lost=0.05"


def check(sandbox: Sandbox, job_id: str) -> None:
    wait_for_late_requests(sandbox)
    assert all(item.status == "successful" for item in sandbox.items(job_id))
    assert sandbox.duplicate_item_updates == 0
    assert [e.event for e in sandbox.events(job_id)] == ["completed"]
    slow = [r for r in sandbox.log if r.fault == "slow" and r.method == "PUT"]
    assert slow, "the schedule must hold slow updates to prove anything"


@pytest.mark.parametrize("seed", [3, 4])
def test_sync_client_under_a_slow_pleo_updates_nothing_twice(seed: int) -> None:
    """Seeded slow answers (above the timeout), 500s and lost answers: each item once."""
    faults = FaultPlan.parse(FAULTS, seed=seed, slow_seconds=0.4)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(300)
        report_all(sandbox, job_id, entries, settle=0.35)
        check(sandbox, job_id)


@pytest.mark.parametrize("seed", [3, 4])
def test_async_client_under_a_slow_pleo_updates_nothing_twice(seed: int) -> None:
    """The async client drives the same read-back protocol, with the same result."""

    async def run(sandbox: Sandbox, job_id: str, entries: tuple[str, ...]) -> None:
        async with AsyncPleoClient(settings=settings(sandbox, 0.35)) as pleo:
            report = await pleo.report(job_id)
            for entry in entries:
                await report.succeeded(entry)
            await report.complete()

    faults = FaultPlan.parse(FAULTS, seed=seed, slow_seconds=0.4)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(300)
        asyncio.run(run(sandbox, job_id, entries))
        check(sandbox, job_id)


def test_a_run_killed_with_an_update_in_flight_is_resumed_without_doubling(
    tmp_path: Path,
) -> None:
    """SIGKILL while Pleo is still applying an update; the next run waits for it to land."""
    plan = FaultPlan.scripted([None, None, "slow"])  # the first update answers in 3 s
    faults = FaultPlan(plan.probabilities, plan.seed, plan.script, slow_seconds=3.0)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(100)
        source = tmp_path / "items.jsonl"
        source.write_text(
            "".join(f'{{"accountingEntryId": "{e}", "status": "successful"}}\n' for e in entries)
        )
        env = {
            **os.environ,
            "PLEO_TOKEN": "sandbox",
            "PLEO_BASE_URL": sandbox.base_url,
            "PLEO_TIMEOUT": "2",
            "PLEO_SETTLE_SECONDS": "1",  # writes may land up to 4 s after they are sent
        }
        command = [sys.executable, "-m", "failreason", "report", "--job", job_id, str(source)]
        with subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL) as first:
            while sandbox_stats(sandbox)["requests"] < 3:
                assert first.poll() is None
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)  # the update is in Pleo's hands, unanswered
        second = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert second.returncode == 0, second.stdout + second.stderr
        assert puts(sandbox) == [100]
        assert sandbox.duplicate_item_updates == 0
        assert [e.event for e in sandbox.events(job_id)] == ["completed"]
