"""`failreason report`: item outcomes as JSON Lines, reported to a sandbox Pleo over HTTP."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from typing import Any

import pytest

from failreason import _report_cli as report_cli
from failreason._cli import main
from failreason._engine import Engine
from failreason._exits import DEBUG_VARIABLE
from failreason._pleo import PleoClient
from failreason._pleo_http import PleoSettings
from failreason._report_lines import queue_line
from failreason._result import Classification
from failreason._sandbox import Sandbox

QUEUE_LINE = "failreason._report_cli.queue_line"  # where the command queues each line


def run_report(
    sandbox: Sandbox,
    job_id: str,
    lines: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, dict[str, Any]]:
    """``failreason report --format json`` on ``lines``, against ``sandbox``, never sleeping."""
    monkeypatch.setenv("PLEO_TOKEN", "sandbox")
    monkeypatch.setenv("PLEO_BASE_URL", sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    monkeypatch.setattr(report_cli, "pleo_client", sleepless_client)
    status = main(["report", "--job", job_id, "--format", "json", *extra, "-"])
    return status, json.loads(capsys.readouterr().out)


def report_text(
    sandbox: Sandbox,
    job_id: str,
    lines: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, str, str]:
    """``failreason report`` with its text summary: the status, stdout and stderr."""
    monkeypatch.setenv("PLEO_TOKEN", "sandbox")
    monkeypatch.setenv("PLEO_BASE_URL", sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    monkeypatch.setattr(report_cli, "pleo_client", sleepless_client)
    status = main(["report", "--job", job_id, *extra, "-"])
    out, err = capsys.readouterr()
    return status, out, err


def sleepless_client(settings: PleoSettings) -> PleoClient:
    """The command's client with backoff waits skipped, so an outage costs no time."""
    return PleoClient(settings=settings, sleep=lambda _: None)


def successes(entries: Iterable[str]) -> list[str]:
    """One ``successful`` line per entry."""
    return [json.dumps({"accountingEntryId": e, "status": "successful"}) for e in entries]


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
    assert any(f"export job {job_id} was not completed: 1 of its items has" in p for p in problems)
    assert (summary["lines"], summary["unusable"], summary["items"], summary["accepted"]) == (
        3,
        2,
        1,
        1,
    )
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


def test_ctrl_c_says_what_pleo_confirmed_exits_130_and_a_rerun_finishes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Interrupted at line 121: 100 confirmed, status 130; the rerun sends only the rest."""
    real_queue = queue_line
    calls = 0

    def interrupting(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 121:
            raise KeyboardInterrupt
        real_queue(*args)

    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(150)
        lines = [json.dumps({"accountingEntryId": e, "status": "successful"}) for e in entries]
        monkeypatch.setattr(QUEUE_LINE, interrupting)
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        held = [item.status for item in sandbox.items(job_id)].count("successful")
        monkeypatch.setattr(QUEUE_LINE, real_queue)
        again, final = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        duplicates = sandbox.duplicate_item_updates
        events = [e.event for e in sandbox.events(job_id)]
    assert (status, summary["interrupted"], summary["items"], summary["sent"]) == (
        130,
        True,
        121,
        100,
    )
    assert summary["notSent"] == 21  # 20 queued and the line being read when Ctrl-C came
    assert held == 100
    assert (again, final["interrupted"], duplicates, events) == (0, False, 0, ["completed"])
    assert (final["alreadyHeld"], final["accepted"]) == (100, 50)


def test_ctrl_c_in_text_says_how_to_resume(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The person at the terminal reads what was confirmed and that rerunning is safe."""

    def interrupting(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(QUEUE_LINE, interrupting)
    with Sandbox() as sandbox:
        job_id, (entry,) = sandbox.create_job(1)
        monkeypatch.setenv("PLEO_TOKEN", "sandbox")
        monkeypatch.setenv("PLEO_BASE_URL", sandbox.base_url)
        line = json.dumps({"accountingEntryId": entry, "status": "successful"})
        monkeypatch.setattr(sys, "stdin", io.StringIO(line + "\n"))
        status = main(["report", "--job", job_id, "-"])
    out = capsys.readouterr().out
    assert status == 130
    assert out.startswith(f"export job {job_id}: interrupted after 1 items read; Pleo confirmed 0")
    assert "run the same command again to finish" in out


def test_an_item_the_engine_crashes_on_is_a_problem_and_the_rest_are_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug classifying one error costs that item, not the job's other items."""
    monkeypatch.delenv(DEBUG_VARIABLE, raising=False)
    real = Engine.classify

    def classify(self: Engine, raw: object, **context: Any) -> Classification:
        if isinstance(raw, dict) and raw.get("code") == "BUG":
            raise RecursionError("maximum recursion depth exceeded")
        return real(self, raw, **context)

    monkeypatch.setattr(Engine, "classify", classify)
    with Sandbox() as sandbox:
        job_id, (a, b) = sandbox.create_job(2)
        lines = [
            json.dumps({"accountingEntryId": a, "status": "failed", "error": {"code": "BUG"}}),
            json.dumps({"accountingEntryId": b, "status": "successful"}),
        ]
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys, "--no-complete")
        statuses = [item.status for item in sandbox.items(job_id)]
    assert status == 1
    assert summary["problems"] == [
        "line 1: internal error: RecursionError: maximum recursion depth exceeded "
        f"(please report; {DEBUG_VARIABLE}=1 shows the traceback)"
    ]
    assert statuses == ["in_progress", "successful"]


class ClosedPipe(io.StringIO):
    """Standard output whose reader went away (`failreason report ... | head -0`)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_a_closed_stdout_keeps_the_status_of_the_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The summary cannot be written, but the exit status still says a line was bad."""
    with Sandbox() as sandbox:
        job_id, _ = sandbox.create_job(1)
        monkeypatch.setenv("PLEO_TOKEN", "sandbox")
        monkeypatch.setenv("PLEO_BASE_URL", sandbox.base_url)
        monkeypatch.setattr(sys, "stdin", io.StringIO("{oops\n"))
        monkeypatch.setattr(sys, "stdout", ClosedPipe())
        status = main(["report", "--job", job_id, "--no-complete", "-"])
    assert status == 1
