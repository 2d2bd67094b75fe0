"""Soak and crash: many fault schedules, a slow Pleo, and `failreason report` killed mid-run.

Marked ``soak``. The normal run uses a small size; the full size is

    FAILREASON_SOAK=full .venv/bin/pytest -m soak -q

(200 fault schedules of 1,000 items per client, a slow schedule per client, 50 SIGKILLs).
FAILREASON_SOAK_SCHEDULES, FAILREASON_SOAK_ITEMS and FAILREASON_SOAK_KILLS set each size.
After every schedule: every item final with its intended status, none updated twice (late
requests included), no request over 100 items, exactly one correct event.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoSettings
from failreason._policy import RetryPolicy
from failreason._sandbox import Sandbox
from failreason._sandbox_faults import FaultPlan
from tests.test_reporting_e2e import ENGINE, intended
from tests.test_slow_pleo import wait_for_late_requests

FULL = os.environ.get("FAILREASON_SOAK") == "full"


def size(variable: str, small: int, full: int) -> int:
    return int(os.environ.get(variable) or (full if FULL else small))


SCHEDULES = size("FAILREASON_SOAK_SCHEDULES", 3, 200)
ITEMS = size("FAILREASON_SOAK_ITEMS", 1000, 1000)
KILLS = size("FAILREASON_SOAK_KILLS", 3, 50)
KILLS_PER_JOB = 5
SLOW_ITEMS = ITEMS if FULL else 300

# Fault mixes, chosen by seed: mixed, gateway trouble, answers lost after applying.
MIXES = (
    "429=0.08,500=0.04,502=0.04,503=0.04,slow=0.02,drop=0.06,lost=0.06",
    "429=0.05,502=0.15,503=0.1,drop=0.05",
    "500=0.05,drop=0.1,lost=0.15,slow=0.05",
)
# Retries waited for real but without backoff; Retry-After is honoured up to 0 s.
POLICY = RetryPolicy(
    max_attempts=15, base_delay=0.0, max_delay=0.0, max_total=600, max_retry_after=0.0
)
SLOW_TIMEOUT, SLOW_DELAY, SLOW_SETTLE = 0.15, 0.4, 0.35  # delay > timeout; < timeout + 2 settle

pytestmark = pytest.mark.soak


TALLY = {"schedules": 0, "items": 0, "requests": 0, "faults": 0, "slow_puts": 0, "doubled": 0}


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    """What the soak put the clients through, printed at the end (``-s`` shows it)."""
    yield
    print("\nsoak: " + ", ".join(f"{value} {name}" for name, value in TALLY.items()))


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


def expected_event(count: int) -> str:
    failed = sum(1 for index in range(count) if intended(index) is not None)
    if failed == 0:
        return "completed"
    return "failed" if failed == count else "completed_with_errors"


def check_invariants(sandbox: Sandbox, job_id: str, entries: tuple[str, ...], label: str) -> None:
    """What must hold after every schedule, with the schedule named in each failure."""
    wait_for_late_requests(sandbox)
    TALLY["schedules"] += 1
    TALLY["items"] += len(entries)
    TALLY["requests"] += len(sandbox.log)
    TALLY["faults"] += sum(1 for r in sandbox.log if r.fault)
    TALLY["slow_puts"] += sum(1 for r in sandbox.log if r.fault == "slow" and r.method == "PUT")
    TALLY["doubled"] += sandbox.duplicate_item_updates
    items = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
    for index, entry in enumerate(entries):
        raw = intended(index)
        want = "successful" if raw is None else "failed"
        assert items[entry].status == want, f"{label}: item {index} is {items[entry].status}"
        if raw is not None:
            reason = ENGINE.classify(raw).failure_reason
            assert items[entry].failure_reason == reason, f"{label}: item {index} reason"
    assert sandbox.duplicate_item_updates == 0, f"{label}: items updated twice"
    assert sandbox.oversized_puts == 0, f"{label}: an update over 100 items"
    assert all((r.item_count or 0) <= 100 for r in sandbox.log), f"{label}: over 100"
    events = [e.event for e in sandbox.events(job_id) if e.event != "started"]
    assert events == [expected_event(len(entries))], f"{label}: events {events}"


def settings(sandbox: Sandbox, *, timeout: float = 5, settle: float = 0.02) -> PleoSettings:
    return PleoSettings(
        token="sandbox",
        base_url=sandbox.base_url,
        timeout=timeout,
        settle_seconds=settle,
        policy=POLICY,
    )


def report_sync(pleo: PleoClient, job_id: str, entries: tuple[str, ...]) -> None:
    report = pleo.report(job_id, ENGINE)
    for index, entry in enumerate(entries):
        raw = intended(index)
        if raw is None:
            report.succeeded(entry, external_id=f"JE-{index}")
        else:
            report.failed(entry, raw)
    outcome = report.complete()
    assert outcome.written_elsewhere == ()


async def report_async(pleo: AsyncPleoClient, job_id: str, entries: tuple[str, ...]) -> None:
    report = await pleo.report(job_id, ENGINE)
    for index, entry in enumerate(entries):
        raw = intended(index)
        if raw is None:
            await report.succeeded(entry, external_id=f"JE-{index}")
        else:
            await report.failed(entry, raw)
    outcome = await report.complete()
    assert outcome.written_elsewhere == ()


Run = Callable[[Sandbox, str, tuple[str, ...], PleoSettings], None]


def run_sync(sandbox: Sandbox, job_id: str, entries: tuple[str, ...], s: PleoSettings) -> None:
    with PleoClient(settings=s) as pleo:
        report_sync(pleo, job_id, entries)


def run_async(sandbox: Sandbox, job_id: str, entries: tuple[str, ...], s: PleoSettings) -> None:
    async def main() -> None:
        async with AsyncPleoClient(settings=s) as pleo:
            await report_async(pleo, job_id, entries)

    asyncio.run(main())


CLIENTS = [pytest.param(run_sync, id="sync"), pytest.param(run_async, id="async")]


@pytest.mark.parametrize("run", CLIENTS)
@pytest.mark.parametrize("seed", range(SCHEDULES))
def test_fault_schedule(run: Run, seed: int) -> None:
    """A seeded fault schedule over ITEMS items: the job ends right, every item once."""
    faults = FaultPlan.parse(MIXES[seed % len(MIXES)], seed=seed, slow_seconds=0.01)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(ITEMS)
        run(sandbox, job_id, entries, settings(sandbox))
        check_invariants(sandbox, job_id, entries, f"seed {seed}")


@pytest.mark.parametrize("run", CLIENTS)
def test_slow_server_schedule(run: Run) -> None:
    """Answers later than the client's timeout, applied anyway, among other faults."""
    faults = FaultPlan.parse("slow=0.2,500=0.05,lost=0.05", seed=5, slow_seconds=SLOW_DELAY)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(SLOW_ITEMS)
        run(sandbox, job_id, entries, settings(sandbox, timeout=SLOW_TIMEOUT, settle=SLOW_SETTLE))
        check_invariants(sandbox, job_id, entries, "slow schedule")
        late = [r for r in sandbox.log if r.fault == "slow" and r.method == "PUT"]
        assert late, "the schedule must hold updates answered after the timeout"


def write_items(path: Path, entries: tuple[str, ...]) -> None:
    lines = []
    for index, entry in enumerate(entries):
        raw = intended(index)
        line: dict[str, Any] = {"accountingEntryId": entry, "status": "successful"}
        if raw is not None:
            line = {"accountingEntryId": entry, "status": "failed", "error": raw}
        lines.append(json.dumps(line))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def final_count(sandbox: Sandbox, job_id: str) -> int:
    return sum(1 for item in sandbox.items(job_id) if item.status in ("successful", "failed"))


def kill_at_random(command: list[str], env: dict[str, str], sandbox: Sandbox, moment: int) -> bool:
    """Start the command, SIGKILL it once the sandbox has seen ``moment`` requests.

    False when the run ended by itself first.
    """
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        while len(sandbox.log) < moment and process.poll() is None:
            time.sleep(0.002)
        alive = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
    return alive


def test_killed_reports_resume_to_the_right_end(tmp_path: Path) -> None:
    """`failreason report` SIGKILLed at random moments, then run again: nothing lost or doubled."""
    rng = random.Random(2026)  # kill moments, reproducible
    kills = mid_update = jobs = 0  # mid_update: kills that left a job partly reported
    while kills < KILLS:
        jobs += 1
        faults = FaultPlan.parse("slow=0.3,500=0.03,lost=0.03", seed=jobs, slow_seconds=0.01)
        with Sandbox(faults=faults) as sandbox:
            job_id, entries = sandbox.create_job(ITEMS)
            source = tmp_path / f"items-{jobs}.jsonl"
            write_items(source, entries)
            env = {
                **os.environ,
                "PLEO_TOKEN": "sandbox",
                "PLEO_BASE_URL": sandbox.base_url,
                "PLEO_TIMEOUT": "2",
                "PLEO_SETTLE_SECONDS": "0.05",
            }
            command = [sys.executable, "-m", "failreason", "report", "--job", job_id, str(source)]
            whole_run = 2 * ITEMS // 100 + 3  # two job reads, the pages, the updates, the event
            for _ in range(min(KILLS_PER_JOB, KILLS - kills)):
                moment = len(sandbox.log) + rng.randint(1, whole_run)
                killed = kill_at_random(command, env, sandbox, moment)
                wait_for_late_requests(sandbox)
                kills += killed
                mid_update += killed and 0 < final_count(sandbox, job_id) < len(entries)
                if [e for e in sandbox.events(job_id) if e.event != "started"]:
                    break  # it completed the job: there is nothing left to resume
            else:
                done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
                assert done.returncode == 0, done.stdout + done.stderr
            check_invariants(sandbox, job_id, entries, f"killed job {jobs}")
    print(f"soak: {kills} kills of failreason report over {jobs} jobs, {mid_update} mid-update")
