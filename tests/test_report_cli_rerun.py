"""`failreason report` run again on a job it reported: the status follows what Pleo holds."""

from __future__ import annotations

import json

import pytest

from failreason._sandbox import Sandbox
from tests.test_report_cli import report_text, run_report, successes


def mixed(entries: tuple[str, ...]) -> list[str]:
    """A success, a classified error and a given reason, in that order."""
    a, b, c = entries
    return [
        json.dumps({"accountingEntryId": a, "status": "successful", "externalId": "JE-1"}),
        json.dumps(
            {
                "accountingEntryId": b,
                "status": "failed",
                "error": {
                    "system": "xero",
                    "status": 400,
                    "body": "Account code '4010' is not valid.",
                },
            }
        ),
        json.dumps(
            {
                "accountingEntryId": c,
                "status": "failed",
                "failureReasonType": "tag_unknown",
                "failureReason": "Tag SALES is gone",
            }
        ),
    ]


def test_a_rerun_on_the_completed_job_exits_0_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pleo holds exactly what the input says: exit 0, no update, no second event."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(3)
        lines = mixed(entries)
        first, _ = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        before = len(sandbox.log)
        again, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        writes = [r.method for r in sandbox.log[before:] if r.method != "GET"]
        events = [e.event for e in sandbox.events(job_id)]
    assert (first, again, writes, events) == (0, 0, [], ["completed_with_errors"])
    assert summary["problems"] == []
    assert summary["finishedBefore"] == "completed_with_errors"
    assert (summary["alreadyHeld"], summary["sent"], summary["holdsInput"]) == (3, 0, True)


def test_a_rerun_in_text_says_the_job_was_already_finished(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The person reads that Pleo holds the input and nothing was sent."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(2)
        lines = successes(entries)
        run_report(sandbox, job_id, lines, monkeypatch, capsys)
        again, out, _ = report_text(sandbox, job_id, lines, monkeypatch, capsys)
    assert again == 0
    assert out.splitlines() == [
        f"export job {job_id}: 2 lines read: 2 items, 0 unusable",
        "  0 sent in this run (0 accepted by Pleo, 0 refused); 2 already held by Pleo; 0 not sent",
        "  Pleo holds every item as the input says",
        "  the job was already completed: nothing was sent",
    ]


def test_a_rerun_that_says_otherwise_names_the_line_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An item the input now calls failed, held as successful: its line is named, exit 1."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(3)
        lines = mixed(entries)
        run_report(sandbox, job_id, lines, monkeypatch, capsys)
        lines[0] = json.dumps(
            {
                "accountingEntryId": entries[0],
                "status": "failed",
                "failureReasonType": "tag_unknown",
                "failureReason": "Tag X is gone",
            }
        )
        again, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
    assert again == 1
    assert summary["problems"] == [
        f"line 1: Pleo holds item {entries[0]} as successful (externalId JE-1); the input says "
        "failed (tag_unknown: Tag X is gone), and a final item cannot change"
    ]
    assert (summary["alreadyHeld"], summary["differs"], summary["holdsInput"]) == (2, 1, False)


def test_a_rerun_naming_an_item_the_job_lacks_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry the finished job does not have cannot be in Pleo as the input says."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1)
        stranger = "00000000-0000-4000-8000-000000000000"
        run_report(sandbox, job_id, successes(entries), monkeypatch, capsys)
        again, summary = run_report(
            sandbox, job_id, successes([*entries, stranger]), monkeypatch, capsys
        )
    assert again == 1
    assert summary["problems"] == [f"line 2: export job {job_id} has no item {stranger}"]
    assert (summary["alreadyHeld"], summary["notSent"]) == (1, 1)


def test_a_rerun_on_an_open_job_with_another_reason_is_told(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pleo keeps the first final reason; the rerun does not pretend it sent the new one."""
    with Sandbox() as sandbox:
        job_id, (entry,) = sandbox.create_job(1)

        def failed(reason: str) -> list[str]:
            item = {
                "accountingEntryId": entry,
                "status": "failed",
                "failureReasonType": "tag_unknown",
                "failureReason": reason,
            }
            return [json.dumps(item)]

        first, _ = run_report(
            sandbox, job_id, failed("Tag A"), monkeypatch, capsys, "--no-complete"
        )
        again, summary = run_report(sandbox, job_id, failed("Tag B"), monkeypatch, capsys)
        held = sandbox.items(job_id)[0].failure_reason
    assert (first, again, held) == (0, 1, "Tag A")
    assert summary["problems"][0].startswith(f"line 1: Pleo holds item {entry} as failed (tag_")
    assert summary["differs"] == 1
