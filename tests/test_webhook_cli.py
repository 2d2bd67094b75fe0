"""``failreason webhook``: its checks at start, the job command, and the real process fed by
the sandbox, running a program or ``failreason run`` for each delivered job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import failreason
from failreason._cli import main
from failreason._serve_cli import listen
from failreason._webhook_cli import job_command, job_runner
from failreason._webhook_server import PATH
from failreason.testing import Sandbox
from tests.connectors import CONNECTORS
from tests.connectors.run import CONFIGURED, Connector
from tests.test_webhook_server import SECRET, wait_for

ENGINE = Path(failreason.__file__).resolve().parent.parent


def test_the_job_command_is_failreason_run_or_the_program_given() -> None:
    run = job_command(["--entry-command", "node post-entry.js"], "job-1")
    assert run[1:6] == ["-m", "failreason", "run", "--job-id", "job-1"]
    assert run[6:] == ["--entry-command", "node post-entry.js"]
    assert job_command(["./export.sh", "--job={job}"], "job-1") == ["./export.sh", "--job=job-1"]


def test_a_job_command_that_fails_raises_with_its_exit_status() -> None:
    run_job = job_runner([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(failreason.FailreasonError, match="exited with status 3"):
        run_job("job-1")


def test_the_job_command_does_not_get_the_webhook_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    seen = tmp_path / "environment.json"
    dump = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"
    job_runner([sys.executable, "-c", dump, str(seen)], hidden=["HOOK_SECRET"])("job-1")
    environment = json.loads(seen.read_text())
    assert environment["FAILREASON_JOB_ID"] == "job-1"
    assert "HOOK_SECRET" not in environment


@pytest.mark.parametrize(
    ("environment", "words", "says"),
    [
        pytest.param({}, ["--", "true"], "set PLEO_WEBHOOK_SECRET", id="no-secret"),
        pytest.param({"PLEO_WEBHOOK_SECRET": "whsec_?!"}, ["--", "true"], "not a whsec_", id="bad"),
        pytest.param({"PLEO_WEBHOOK_SECRET": SECRET}, [], "say how to run a job", id="no-command"),
    ],
)
def test_the_command_stops_with_exit_2_and_the_reason(
    environment: dict[str, str],
    words: list[str],
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("PLEO_WEBHOOK_SECRET", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["webhook", "--port", "0", *words]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "?!" not in err


def test_the_command_runs_each_delivered_job_in_a_child_process(tmp_path: Path) -> None:
    """The real ``failreason webhook``: the sandbox delivers, a program runs once per job."""
    done = tmp_path / "done.txt"
    record = (
        "import os, sys; "
        "open(sys.argv[1], 'a').write(sys.argv[2] + ' ' + os.environ['FAILREASON_JOB_ID'] + '\\n')"
    )
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "HOOK_SECRET": SECRET}
    command = [sys.executable, "-m", "failreason", "webhook", "--port", "0"]
    command += [
        "--secret-env",
        "HOOK_SECRET",
        "--",
        sys.executable,
        "-c",
        record,
        str(done),
        "{job}",
    ]
    child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stderr is not None
        url = child.stderr.readline().split("listening on ")[1].split()[0]
        with Sandbox(webhook_url=url, webhook_secret=SECRET) as pleo:
            job_id, _ = pleo.create_job(1, start=False)
            wait_for(lambda: done.exists() and done.read_text() == f"{job_id} {job_id}\n")
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == -signal.SIGTERM
        said = child.stderr.read()
        assert f"job {job_id}: done" in said
        assert "Traceback" not in said
        assert SECRET.removeprefix("whsec_") not in said
    finally:
        child.kill()
        child.wait()
        if child.stderr is not None:
            child.stderr.close()


def test_the_command_runs_failreason_run_for_each_delivered_job(tmp_path: Path) -> None:
    """`failreason webhook -- <failreason run options>`: the job exported by a sh connector."""
    probe = listen("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()  # the intake takes this port; the sandbox must know it before it starts
    hook = f"http://127.0.0.1:{port}{PATH}"
    with Sandbox(webhook_url=hook, webhook_secret=SECRET) as pleo:
        program = Connector(CONNECTORS["sh"], pleo, tmp_path)
        run_options = ["--entry-command", program.command, "--config", program.config(CONFIGURED)]
        command = [sys.executable, "-m", "failreason", "webhook", "--port", str(port)]
        env = program.env(HOOK_SECRET=SECRET)
        command += ["--secret-env", "HOOK_SECRET", "--", *run_options]
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stderr is not None
            assert "listening on" in child.stderr.readline()
            job_id, entries = pleo.create_job(3, start=False)
            wait_for(lambda: pleo.job(job_id).status == "completed", timeout=60)
            child.send_signal(signal.SIGTERM)
            assert child.wait(timeout=30) == -signal.SIGTERM
            said = child.stderr.read()
        finally:
            child.kill()
            child.wait()
            if child.stderr is not None:
                child.stderr.close()
        assert [event.event for event in pleo.events(job_id)] == ["started", "completed"]
        assert {item.external_id for item in pleo.items(job_id)} == {f"AS-{e}" for e in entries}
    assert f"job {job_id}: done" in said
    assert "Traceback" not in said


def test_failreason_run_options_are_checked_before_listening(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLEO_WEBHOOK_SECRET", SECRET)
    with pytest.raises(SystemExit) as stopped:
        main(["webhook", "--port", "0", "--", "--entry-command", "true", "--workers", "none"])
    assert stopped.value.code == 2
    assert "--workers" in capsys.readouterr().err
