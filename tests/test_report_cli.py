"""`failreason report`: item outcomes as JSON Lines, reported to a sandbox Pleo over HTTP."""

from __future__ import annotations

import io
import json
import sys

import pytest

from failreason._cli import main
from failreason._sandbox import Sandbox


def run_report(
    sandbox: Sandbox,
    job_id: str,
    lines: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, dict[str, object]]:
    monkeypatch.setenv("PLEO_TOKEN", "sandbox")
    monkeypatch.setenv("PLEO_BASE_URL", sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    status = main(["report", "--job", job_id, "--format", "json", *extra, "-"])
    return status, json.loads(capsys.readouterr().out)


def test_report_sends_all_three_kinds_of_line_and_completes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Successes, classified errors and given reasons all land; the job completes."""
    with Sandbox() as sandbox:
        job_id, (a, b, c) = sandbox.create_job(3)
        lines = [
            json.dumps(
                {
                    "accountingEntryId": a,
                    "status": "successful",
                    "externalId": "JE-1",
                    "exportedAt": "2026-04-22T12:08:56+02:00",
                }
            ),
            json.dumps(
                {
                    "accountingEntryId": b,
                    "status": "failed",
                    "error": {
                        "stage": "validation",
                        "code": "missing_journal",
                        "params": {"journal": "Purchases"},
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
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        items = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
    assert status == 0
    assert summary["problems"] == []
    assert items[a].exported_at == "2026-04-22T10:08:56Z"
    assert items[b].failure_reason == (
        "Journal Purchases missing: provide journal Purchases in the configurations"
    )
    assert (items[c].failure_reason_type, items[c].failure_reason) == (
        "tag_unknown",
        "Tag SALES is gone",
    )
    assert [e.event for e in sandbox.events(job_id)][-1] == "completed_with_errors"


def test_bad_lines_are_reported_and_the_job_is_left_open(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed line and an unknown type are problems: exit 1, no completion posted."""
    with Sandbox() as sandbox:
        job_id, (a, b) = sandbox.create_job(2)
        lines = [
            "{oops",
            json.dumps(
                {
                    "accountingEntryId": a,
                    "status": "failed",
                    "failureReasonType": "nope",
                    "failureReason": "x",
                }
            ),
            json.dumps({"accountingEntryId": b, "status": "successful"}),
        ]
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        events = [e.event for e in sandbox.events(job_id)]
    problems = summary["problems"]
    assert status == 1
    assert isinstance(problems, list)
    assert problems[0].startswith("line 1: invalid JSON")
    assert "line 2: 'nope' is not one of Pleo's item failureReasonType values" in problems
    assert any("1 items without a final status" in p for p in problems)
    assert events == []


def test_no_complete_only_reports_items(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--no-complete sends the items and posts no event."""
    with Sandbox() as sandbox:
        job_id, (a,) = sandbox.create_job(1)
        line = json.dumps({"accountingEntryId": a, "status": "successful"})
        status, summary = run_report(sandbox, job_id, [line], monkeypatch, capsys, "--no-complete")
        assert (status, summary["outcome"]) == (0, None)
        assert sandbox.items(job_id)[0].status == "successful"
        assert [e.event for e in sandbox.events(job_id)] == []
