"""`failreason report` while Pleo does not take updates: the batch and its items carry the blame.

The sandbox's fault script answers 503 to chosen requests. Before the first update the
command reads the job twice (once to see whether it is pending, once when the report begins)
and the job's successful and failed items (a page each, none yet); every update is tried
six times before it is given up, so six 503s in a row are one exhausted flush. The updates
go one at a time here (``PLEO_CONCURRENCY=1``), so the script's 503s fall on a known
batch; with several in flight they fall on whichever arrives.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from failreason._sandbox import Sandbox
from failreason._sandbox_faults import FaultPlan
from tests.test_report_cli import report_text, run_report, successes

READS = 4  # two reads of the job, a page of its successful and one of its failed items
ATTEMPTS = 6  # tries of one request before the client gives it up


@pytest.fixture(autouse=True)
def one_update_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEO_CONCURRENCY", "1")


def outage(before: int, failing: int) -> FaultPlan:
    """``failing`` requests answered 503, after ``before`` requests served normally."""
    return FaultPlan.scripted([None] * before + ["503"] * failing)


def put_statuses(sandbox: Sandbox) -> list[int | None]:
    return [record.status for record in sandbox.log if record.method == "PUT"]


def test_a_batch_sent_later_is_a_note_and_the_run_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first update is refused six times; sent again at the end, Pleo holds all: exit 0."""
    with Sandbox(faults=outage(READS, ATTEMPTS)) as sandbox:
        job_id, entries = sandbox.create_job(250)
        status, summary = run_report(sandbox, job_id, successes(entries), monkeypatch, capsys)
        statuses = [item.status for item in sandbox.items(job_id)]
        events = [e.event for e in sandbox.events(job_id)]
        puts = put_statuses(sandbox)
    assert puts[: ATTEMPTS + 1] == [503] * ATTEMPTS + [200]
    assert (status, summary["problems"], events) == (0, [], ["completed"])
    assert statuses == ["successful"] * 250
    assert (summary["lines"], summary["items"], summary["accepted"], summary["notSent"]) == (
        250,
        250,
        250,
        0,
    )
    (note,) = summary["notes"]
    assert note.startswith("the items of lines 1-100 (100 items) could not be sent at first (")
    assert "503" in note
    assert note.endswith("a later try sent them")


def test_the_blame_falls_on_the_batch_not_on_the_line_that_set_off_the_flush(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second batch fails: lines 101-200 are named; line 200 gets no problem of its own."""
    with Sandbox(faults=outage(READS + 1, ATTEMPTS)) as sandbox:
        job_id, entries = sandbox.create_job(250)
        status, summary = run_report(sandbox, job_id, successes(entries), monkeypatch, capsys)
    assert status == 0
    assert [note.partition(" could")[0] for note in summary["notes"]] == [
        "the items of lines 101-200 (100 items)"
    ]
    assert not any(text.startswith("line 200") for text in summary["problems"])
    assert summary["outcome"]["successful"] == summary["items"] == 250


def test_an_outage_to_the_end_names_every_item_not_sent_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Still refused when retried at the end: the batch, then the lines read after it."""
    with Sandbox(faults=outage(READS, 2 * ATTEMPTS)) as sandbox:
        job_id, entries = sandbox.create_job(250)
        status, summary = run_report(sandbox, job_id, successes(entries), monkeypatch, capsys)
        held = [item.status for item in sandbox.items(job_id)]
        events = sandbox.events(job_id)
    assert (status, events, held.count("successful")) == (1, (), 0)
    batch, rest, completion = summary["problems"]
    assert batch.startswith("the items of lines 1-100 (100 items) were not sent: Pleo answered 503")
    assert rest == (
        "the items of lines 101-250 (150 items) were not sent: "
        "Pleo stopped answering before their turn"
    )
    assert completion.startswith(f"export job {job_id} was not completed")
    assert "run the same command again" in completion
    assert (summary["items"], summary["notSent"], summary["sent"]) == (250, 250, 0)
    assert summary["notHeld"][0] == {"line": 1, "accountingEntryId": entries[0], "fate": "notSent"}
    assert len(summary["notHeld"]) == 250


def test_after_an_outage_the_same_command_finishes_the_job(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rerun once Pleo answers again: everything lands once, the job completes, exit 0."""
    with Sandbox(faults=outage(READS, 2 * ATTEMPTS)) as sandbox:
        job_id, entries = sandbox.create_job(250)
        lines = successes(entries)
        first, _ = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        again, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        duplicates = sandbox.duplicate_item_updates
        events = [e.event for e in sandbox.events(job_id)]
    assert (first, again, duplicates, events) == (1, 0, 0, ["completed"])
    assert (summary["accepted"], summary["problems"], summary["notes"]) == (250, [], [])


def test_the_lines_read_during_an_outage_are_still_checked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad line after the outage began is charged to its own line, at once."""
    with Sandbox(faults=outage(READS, 2 * ATTEMPTS)) as sandbox:
        job_id, entries = sandbox.create_job(150)
        lines = successes(entries)
        lines.insert(120, json.dumps({"accountingEntryId": entries[0], "status": "done"}))
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
    problems: list[Any] = summary["problems"]
    assert status == 1
    assert problems[0] == "line 121: status must be 'successful' or 'failed', got 'done'"
    assert summary["lines"] == summary["unusable"] + summary["items"] == 151


def test_stderr_names_the_batch_pleo_did_not_take(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The person waiting sees which lines were not taken, and that they are sent again."""
    with Sandbox(faults=outage(READS, ATTEMPTS)) as sandbox:
        job_id, entries = sandbox.create_job(250)
        status, out, err = report_text(sandbox, job_id, successes(entries), monkeypatch, capsys)
    assert status == 0
    assert "failreason: Pleo did not take the items of lines 1-100: Pleo answered 503" in err
    assert "they are sent again at the end" in err
    assert "Pleo holds every item as the input says" in out
    assert "note: the items of lines 1-100 (100 items) could not be sent at first" in out


def test_each_retry_is_a_line_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The person waiting sees every retry: the request, what came back, the attempt, the wait."""
    with Sandbox(faults=outage(READS, 2)) as sandbox:
        job_id, entries = sandbox.create_job(250)
        status, _, err = report_text(sandbox, job_id, successes(entries), monkeypatch, capsys)
        url = f"{sandbox.base_url}/v3/export-jobs/{job_id}/items"
    assert status == 0
    retries = [line for line in err.splitlines() if "; retrying in" in line]
    assert len(retries) == 2
    assert retries[0].startswith(f"failreason: PUT {url} failed (HTTP 503), attempt 1 of 6")
    assert "attempt 2 of 6" in retries[1]
