"""A second reporter on the same job is detected, never silently doubled.

On one machine the job's lock refuses the second reporter; across machines the ledger
names the items someone else gave a final status.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import failreason
from failreason._joblock import JobLockedError, lock_job, lock_path
from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoSettings
from failreason._policy import RetryPolicy
from failreason._sandbox import Sandbox

POLICY = RetryPolicy(base_delay=0.0, max_delay=0.0)


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "locks"
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(directory))
    return directory


def client(sandbox: Sandbox) -> PleoClient:
    return PleoClient(settings=PleoSettings(token="sandbox", base_url=sandbox.base_url))


def test_a_second_reporter_on_this_machine_is_refused_naming_the_job() -> None:
    """While one report of a job is open, another one is a JobLockedError, not a resend."""
    with Sandbox() as sandbox, client(sandbox) as first, client(sandbox) as second:
        job_id, entries = sandbox.create_job(5)
        report = first.report(job_id)
        with pytest.raises(JobLockedError, match=job_id) as caught:
            second.report(job_id)
        assert caught.value.holder == os.getpid()
        assert caught.value.job_id == job_id
        for entry in entries:
            report.succeeded(entry)
        report.complete()
        put_count = sum(1 for r in sandbox.log if r.method == "PUT")
        assert put_count == 1
        assert sandbox.duplicate_item_updates == 0


def test_the_lock_is_released_when_the_job_is_completed() -> None:
    """After complete(), the job is free again (a later run finds it finished)."""
    with Sandbox() as sandbox, client(sandbox) as first, client(sandbox) as second:
        job_id, entries = sandbox.create_job(2)
        report = first.report(job_id)
        for entry in entries:
            report.succeeded(entry)
        report.complete()
        with pytest.raises(failreason.JobNotReportableError, match="already completed"):
            second.report(job_id)


def test_the_lock_is_released_when_the_client_closes() -> None:
    """Closing a client without completing frees its jobs for the next reporter."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(2)
        with client(sandbox) as first:
            report = first.report(job_id)
            report.succeeded(entries[0])
            report.flush()
        with client(sandbox) as second:
            report = second.report(job_id)
            report.succeeded(entries[1])
            report.complete()
        assert [e.event for e in sandbox.events(job_id)] == ["completed"]


def test_the_same_client_may_report_a_job_again() -> None:
    """A client resuming its own job in the same process is not locked out by itself."""
    with Sandbox() as sandbox, client(sandbox) as pleo:
        job_id, entries = sandbox.create_job(2)
        report = pleo.report(job_id)
        report.succeeded(entries[0])
        report.flush()
        report = pleo.report(job_id)
        report.succeeded(entries[1])
        assert report.complete().event.event == "completed"


def test_async_reporters_share_the_lock() -> None:
    """The async client takes the same lock: a sync reporter is refused while it reports."""

    async def run(sandbox: Sandbox, job_id: str) -> None:
        settings = PleoSettings(token="sandbox", base_url=sandbox.base_url)
        async with AsyncPleoClient(settings=settings) as pleo:
            await pleo.report(job_id)
            with client(sandbox) as other, pytest.raises(JobLockedError):
                other.report(job_id)

    with Sandbox() as sandbox:
        job_id, _ = sandbox.create_job(1)
        asyncio.run(run(sandbox, job_id))
        with client(sandbox) as after:
            after.report(job_id)  # released by aclose()


def test_a_killed_holder_releases_the_lock(private_locks: Path) -> None:
    """The kernel drops a SIGKILLed reporter's lock, so the next run is not blocked."""
    holder = (
        "import sys; from failreason._joblock import lock_job; "
        "lock = lock_job('https://pleo.test', 'job-9'); print('held', flush=True); "
        "sys.stdin.read()"
    )
    env = {**os.environ, "FAILREASON_LOCK_DIR": str(private_locks)}
    with subprocess.Popen(
        [sys.executable, "-c", holder],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        with pytest.raises(JobLockedError, match=f"process {process.pid}"):
            lock_job("https://pleo.test", "job-9")
        process.send_signal(signal.SIGKILL)
        process.wait()
    lock_job("https://pleo.test", "job-9").release()


def test_locks_are_per_job_and_per_pleo(private_locks: Path) -> None:
    """Another job, or the same id on another Pleo, has a lock of its own."""
    held = lock_job("https://a.test", "job-1")
    try:
        lock_job("https://a.test", "job-2").release()
        lock_job("https://b.test", "job-1").release()
        assert lock_path("https://a.test/", "job-1") == lock_path("https://a.test", "job-1")
        assert lock_path("https://a.test", "job-1").parent == private_locks
    finally:
        held.release()


def test_items_another_machine_failed_are_listed_not_overwritten(
    tmp_path: Path, private_locks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items given a different final status elsewhere: listed, Pleo keeps theirs."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(20)
        with client(sandbox) as ours:
            report = ours.report(job_id)
            monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "other-machine"))
            with client(sandbox) as theirs:
                other = theirs.report(job_id)
                for entry in entries[:5]:
                    other.failed_as(entry, "account_unknown", "written by the other reporter")
                other.flush()
            for entry in entries:
                report.succeeded(entry)
            outcome = report.complete()
        assert set(outcome.written_elsewhere) == set(entries[:5])
        assert outcome.to_json()["writtenElsewhere"] == list(outcome.written_elsewhere)
        assert (outcome.successful, outcome.failed) == (15, 5)
        items = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
        assert {items[e].status for e in entries[:5]} == {"failed"}
        assert sandbox.duplicate_item_updates == 0


def test_items_another_machine_wrote_with_other_values_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same status, other values (another run's external ids): noticed from Pleo's answer."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(10)
        with client(sandbox) as ours:
            report = ours.report(job_id)
            monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "other-machine"))
            with client(sandbox) as theirs:
                other = theirs.report(job_id)
                for entry in entries[:3]:
                    other.succeeded(entry, external_id="THEIRS")
                other.flush()
            for entry in entries:
                report.succeeded(entry, external_id="OURS")
            outcome = report.complete()
        assert set(outcome.written_elsewhere) == set(entries[:3])
        assert outcome.sent == 7  # ours landed for the other seven only


def test_items_finished_elsewhere_before_we_sent_them_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items we never sent but found final when completing were someone else's work."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(10)
        with client(sandbox) as ours:
            report = ours.report(job_id)
            monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "other-machine"))
            with client(sandbox) as theirs:
                other = theirs.report(job_id)
                for entry in entries[:4]:
                    other.succeeded(entry)
                other.flush()
            for entry in entries[4:]:
                report.succeeded(entry)
            outcome = report.complete()
        assert set(outcome.written_elsewhere) == set(entries[:4])
        assert outcome.successful == 10


def test_a_resumed_run_does_not_call_its_own_earlier_work_someone_elses() -> None:
    """Items already final when the run starts are a previous run's, not another reporter's."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(6)
        with client(sandbox) as first:
            report = first.report(job_id)
            for entry in entries[:3]:
                report.succeeded(entry)
            report.flush()
        with client(sandbox) as second:
            report = second.report(job_id)
            for entry in entries:
                report.succeeded(entry)
            outcome = report.complete()
        assert outcome.written_elsewhere == ()
        assert outcome.sent == 3


def test_failreason_report_on_a_locked_job_says_so_in_one_line(tmp_path: Path) -> None:
    """The command line refuses a job another reporter holds: one line, exit 2, nothing sent."""
    with Sandbox() as sandbox, client(sandbox) as holder:
        job_id, entries = sandbox.create_job(1)
        holder.report(job_id)
        source = tmp_path / "items.jsonl"
        source.write_text(f'{{"accountingEntryId": "{entries[0]}", "status": "successful"}}\n')
        env = {**os.environ, "PLEO_TOKEN": "sandbox", "PLEO_BASE_URL": sandbox.base_url}
        command = [sys.executable, "-m", "failreason", "report", "--job", job_id, str(source)]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 2
        assert run.stderr.count("\n") == 1
        assert f"export job {job_id} is already being reported by process {os.getpid()}" in (
            run.stderr
        )
        assert not [r for r in sandbox.log if r.method == "PUT"]


def test_the_lock_file_hands_an_unanswered_write_on_to_the_next_holder() -> None:
    """A holder that dies with a write in flight leaves when it may land; the next one sees it."""
    first = lock_job("https://pleo.test", "job-3")
    first.in_flight_until(1_000_000_123.5)
    first.release()  # as the kernel would on SIGKILL: the record stays
    second = lock_job("https://pleo.test", "job-3")
    try:
        assert second.inherited_until == 1_000_000_123.5
    finally:
        second.release()
    third = lock_job("https://pleo.test", "job-3")
    try:
        assert third.inherited_until == 1_000_000_123.5  # kept until a holder waited for it
    finally:
        third.release()


def test_a_report_taking_over_waits_for_the_predecessors_write_to_land() -> None:
    """Reading Pleo before a killed run's update landed would resend it: wait, bounded."""
    with Sandbox() as sandbox:
        job_id, _ = sandbox.create_job(1)
        dead = lock_job(sandbox.base_url, job_id)
        dead.in_flight_until(time.time() + 1000)
        dead.release()
        slept: list[float] = []
        settings = PleoSettings(
            token="sandbox", base_url=sandbox.base_url, timeout=3, settle_seconds=2
        )
        with PleoClient(settings=settings, sleep=slept.append) as pleo:
            pleo.report(job_id)
        assert slept == [settings.landing_window]  # capped: 3 + 2 * 2 seconds
        with PleoClient(settings=settings, sleep=slept.append) as pleo:
            pleo.report(job_id)
        assert slept == [7.0]  # waited for once, then cleared
