"""`failreason report` options a shell user can follow: --start, --fail-missing, --job."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from failreason._cli import main
from failreason._sandbox import Sandbox
from failreason._vocabulary import ITEM_FAILURE_TYPES
from tests.test_report_cli import report_text, run_report, successes

PYTHON_NAMES = ("fail_missing", "client.start", "exported_at", "token=", "api_key=", "Traceback")


def test_a_pending_job_is_refused_with_the_option_that_starts_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --start: exit 2, one line naming --start, nothing posted."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1, start=False)
        status, out, err = report_text(sandbox, job_id, successes(entries), monkeypatch, capsys)
        events = sandbox.events(job_id)
    assert (status, out, events) == (2, "", ())
    assert err == (
        f"failreason: export job {job_id} is pending: it was never started; add --start to "
        "post its started event first\n"
    )


def test_start_posts_the_started_event_then_reports(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--start on a pending job: started, items reported, completed; exit 0."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(2, start=False)
        status, summary = run_report(
            sandbox, job_id, successes(entries), monkeypatch, capsys, "--start"
        )
        events = [e.event for e in sandbox.events(job_id)]
    assert (status, summary["problems"], events) == (0, [], ["started", "completed"])


def test_start_on_a_started_job_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rerun with --start is safe: no second started event."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1)
        status, _ = run_report(sandbox, job_id, successes(entries), monkeypatch, capsys, "--start")
        events = [e.event for e in sandbox.events(job_id)]
    assert (status, events) == (0, ["completed"])


def test_fail_missing_fails_the_items_no_line_reports(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--fail-missing TYPE REASON: the other items fail with it; exit 0, counted apart."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(3)
        options = ("--fail-missing", "unexpected_failure", "Not exported: the run stopped")
        status, summary = run_report(
            sandbox, job_id, successes(entries[:1]), monkeypatch, capsys, *options
        )
        items = sandbox.items(job_id)
    assert (status, summary["problems"]) == (0, [])
    assert [(i.status, i.failure_reason_type, i.failure_reason) for i in items[1:]] == [
        ("failed", "unexpected_failure", "Not exported: the run stopped")
    ] * 2
    assert (summary["items"], summary["accepted"], summary["failedMissing"]) == (1, 1, 2)
    assert (summary["outcome"]["successful"], summary["outcome"]["failed"]) == (1, 2)


def test_an_incomplete_job_points_to_fail_missing_as_an_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message names --fail-missing TYPE REASON, never a Python keyword."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(2)
        status, out, _ = report_text(sandbox, job_id, successes(entries[:1]), monkeypatch, capsys)
    assert status == 1
    assert (
        f"  problem: export job {job_id} was not completed: 1 of its items has no final "
        f"status ({entries[1]}); add lines for them, or add --fail-missing TYPE REASON to "
        "fail them"
    ) in out.splitlines()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(
            ("--fail-missing", "nope", "x"),
            "failreason: --fail-missing: 'nope' is not one of Pleo's item failure types "
            f"({', '.join(ITEM_FAILURE_TYPES)})",
            id="unknown-type",
        ),
        pytest.param(
            ("--fail-missing", "unexpected_failure", " \u200b "),
            "failreason: a failed item needs a failureReason with visible text",
            id="invisible-reason",
        ),
        pytest.param(
            ("--fail-missing", "unexpected_failure", "x", "--no-complete"),
            "failreason: --fail-missing applies when completing the job: drop --no-complete",
            id="with-no-complete",
        ),
    ],
)
def test_an_unusable_fail_missing_is_a_usage_error(
    options: tuple[str, ...],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Checked before Pleo is asked anything: exit 2, one line, nothing sent."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1)
        status, out, err = report_text(
            sandbox, job_id, successes(entries), monkeypatch, capsys, *options
        )
        requests = len(sandbox.log)
    assert (status, out, err, requests) == (2, "", expected + "\n", 0)


def test_no_message_points_a_shell_user_to_python(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pending job, incomplete job, a naive exportedAt: every message speaks of options."""
    with Sandbox() as sandbox:
        pending, entries = sandbox.create_job(1, start=False)
        said = "".join(report_text(sandbox, pending, successes(entries), monkeypatch, capsys)[1:])
        job_id, entries = sandbox.create_job(2)
        naive = {"accountingEntryId": entries[0], "status": "successful"}
        naive["exportedAt"] = "2026-04-22T10:08:56"
        status, out, err = report_text(sandbox, job_id, [json.dumps(naive)], monkeypatch, capsys)
    assert status == 1
    assert "line 1: exportedAt '2026-04-22T10:08:56' has no time zone" in out
    for name in PYTHON_NAMES:
        assert name not in said + out + err


BAD_JOB_IDS = [
    pytest.param("not-a-uuid", id="words"),
    pytest.param("", id="empty"),
    pytest.param("../../sandbox/log", id="dot-dot"),
    pytest.param("3fa85f64-5717-4562-b3fc-2c963f66afa6/items", id="slash"),
    pytest.param("3fa85f64-5717-4562-b3fc-2c963f66afa6#x", id="hash"),
    pytest.param("3fa85f64-5717-4562-b3fc-2c963f66afa6?limit=1", id="question-mark"),
    pytest.param("3fa85f6457174562b3fc2c963f66afa6", id="no-hyphens"),
    pytest.param("{3fa85f64-5717-4562-b3fc-2c963f66afa6}", id="braces"),
    pytest.param("3fa85f64-5717-4562-b3fc-2c963f66afa6\n", id="line-break"),
    pytest.param("\x1b[31m", id="escape"),
]


@pytest.mark.parametrize("job", BAD_JOB_IDS)
def test_a_job_id_that_is_not_a_uuid_is_a_usage_error(
    job: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 with a message saying job ids are UUIDs; no request, no traceback."""
    monkeypatch.setenv("PLEO_TOKEN", "sandbox")
    monkeypatch.setenv("PLEO_BASE_URL", "http://127.0.0.1:9")  # nothing may be sent there
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--job", job, "-"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "argument --job:" in err
    assert "is not an export job id: Pleo's job ids are UUIDs" in err
    assert "\x1b" not in err
    assert "Traceback" not in err


def test_the_command_refuses_a_job_id_with_a_query_without_a_traceback() -> None:
    """The real process: exit 2, usage on stderr, nothing on stdout."""
    env = {**os.environ, "PLEO_TOKEN": "x", "PLEO_BASE_URL": "http://127.0.0.1:9"}
    job = "3fa85f64-5717-4562-b3fc-2c963f66afa6?x=1"
    command = [sys.executable, "-m", "failreason", "report", "--job", job, "-"]
    run = subprocess.run(command, env=env, capture_output=True, text=True, input="", check=False)
    assert (run.returncode, run.stdout) == (2, "")
    assert "usage: failreason report" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_upper_case_job_id_reports_the_job(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A UUID is the same id in either case."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1)
        status, summary = run_report(
            sandbox, job_id.upper(), successes(entries), monkeypatch, capsys
        )
    assert (status, summary["jobId"], summary["accepted"]) == (0, job_id, 1)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("PLEO_TIMEOUT", "0", id="timeout"),
        pytest.param("PLEO_SETTLE_SECONDS", "-1", id="settle"),
    ],
)
def test_a_bad_setting_is_named_by_its_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """PLEO_TIMEOUT=0 is told as PLEO_TIMEOUT, not as a Python keyword: exit 2."""
    monkeypatch.setenv("PLEO_TOKEN", "x")
    monkeypatch.setenv("PLEO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv(variable, value)
    status = main(["report", "--job", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "-"])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"failreason: {variable} must be a number of seconds above 0\n"
