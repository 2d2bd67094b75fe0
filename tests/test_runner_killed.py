"""The export runner SIGKILLed at random points, then run again until the job is done:
nothing lost, nothing doubled (in Pleo or in the accounting system), `started` sent once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from failreason.testing import FaultPlan, Sandbox
from tests.test_slow_pleo import wait_for_late_requests

ITEMS = 250  # three batches: kills land between them too
KILLS = 12 if os.environ.get("FAILREASON_SOAK") == "full" else 4
CONNECTOR = Path(__file__).with_name("killable_connector.py")


def entries_in(books: Path) -> int:
    return len(books.read_text(encoding="utf-8").splitlines()) if books.exists() else 0


def run_until(
    env: dict[str, str], reached: Callable[[], bool] | None
) -> subprocess.CompletedProcess[str] | None:
    """Run the connector; SIGKILL it once ``reached()`` (None when it was killed, the
    finished process when it ended first or there is no ``reached``)."""
    command = [sys.executable, str(CONNECTOR)]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        while reached is not None and not reached() and process.poll() is None:
            time.sleep(0.001)
        if process.poll() is None and reached is not None:
            process.send_signal(signal.SIGKILL)
            process.communicate()
            return None
        out, err = process.communicate()
        return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.mark.soak
def test_a_runner_killed_anywhere_is_finished_by_running_it_again(tmp_path: Path) -> None:
    rng = random.Random(12)  # kill moments, reproducible
    books = tmp_path / "accounting-system.jsonl"
    faults = FaultPlan.parse("slow=0.3", seed=3, slow_seconds=0.01)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(ITEMS, start=False)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(CONNECTOR.parent.parent), os.environ.get("PYTHONPATH")])
            ),
            "PLEO_TOKEN": "sandbox",
            "PLEO_BASE_URL": sandbox.base_url,
            "PLEO_TIMEOUT": "2",
            "PLEO_SETTLE_SECONDS": "0.05",
            "AS_FILE": str(books),
            "AS_DELAY": "0.002",
        }
        # Kills that left entries created in the accounting system but not all reported to
        # Pleo, and kills that left the job partly reported to Pleo.
        killed, mid_posting, mid_job = 0, 0, 0
        for _ in range(KILLS):
            # Half the kills come while Pleo is read and the job claimed, half while entries
            # are posted: after a random number of requests, or of entries created.
            requests, entries_made = len(sandbox.log), entries_in(books)
            if rng.random() < 0.5:
                moment = requests + rng.randint(1, 6)
                killed += run_until(env, lambda: len(sandbox.log) >= moment) is None  # noqa: B023
            else:
                count = entries_made + rng.randint(1, ITEMS // 3)
                killed += run_until(env, lambda: entries_in(books) >= count) is None  # noqa: B023
            wait_for_late_requests(sandbox)
            final = sum(
                1 for item in sandbox.items(job_id) if item.status in ("successful", "failed")
            )
            mid_job += 0 < final < ITEMS
            mid_posting += entries_in(books) > 0 and final < ITEMS
            if [e for e in sandbox.events(job_id) if e.event != "started"]:
                break
        last = run_until(env, None)
        assert last is not None
        assert last.returncode == 0, last.stderr
        wait_for_late_requests(sandbox)
        held = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
        started = [e for e in sandbox.events(job_id) if e.event == "started"]
        finished = [e.event for e in sandbox.events(job_id) if e.event != "started"]
        assert (len(started), finished) == (1, ["completed_with_errors"])
        assert sandbox.duplicate_item_updates == 0
    created = [json.loads(line) for line in books.read_text(encoding="utf-8").splitlines()]
    print(f"runner killed {killed} times: {mid_posting} mid-posting, {mid_job} mid-report")
    assert killed >= 2, "the kills should land before the job completes"
    assert mid_posting >= 1, "a kill should land while entries are posted"
    assert len(created) == len({record["entry"] for record in created})  # none created twice
    successful = {e: i.external_id for e, i in held.items() if i.status == "successful"}
    assert successful == {record["entry"]: record["id"] for record in created}
    assert all(held[e].status in ("successful", "failed") for e in entries)
