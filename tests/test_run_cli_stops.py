"""How `failreason run` stops: bad usage, a bad configuration, a program that cannot start
or breaks the protocol, SIGTERM. Exit 2 or 130, one line saying what to do, no traceback."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from failreason.testing import Sandbox
from tests.connectors.run import CONFIGURED, Connector, connector, events, language

__all__ = ["connector", "language"]  # fixtures


@pytest.mark.parametrize(
    ("args", "said"),
    [
        pytest.param(("--workers", "0"), "--workers: '0' is not from 1 to 64", id="workers"),
        pytest.param(("--job-id", "42"), "is not an export job id", id="job-id"),
        pytest.param(("--entry-timeout", "soon"), "not a number of seconds", id="timeout"),
    ],
)
def test_bad_usage_exits_2_without_a_traceback(
    connector: Connector, args: tuple[str, ...], said: str
) -> None:
    """Each usage error: exit 2, one line saying what to fix, no traceback."""
    run = connector.run(*args)
    assert run.status == 2
    assert said in run.err
    assert "Traceback" not in run.err


def test_a_config_file_with_a_typo_is_named_with_the_fix(
    connector: Connector, tmp_path: Path
) -> None:
    """An unknown field in --config: exit 2, naming the file and the field it resembles."""
    path = tmp_path / "connector.yaml"
    path.write_text("journal:\n  Purchases: PURCH\n")
    run = connector.run("--config", str(path))
    assert run.status == 2
    assert f"{path}: unknown field 'journal'; did you mean 'journals'?" in run.err
    assert "Traceback" not in run.err


def test_a_program_that_breaks_the_protocol_leaves_the_job_to_recover(
    connector: Connector,
) -> None:
    """A program that exits mid-run: exit 2 with its name and last stderr; --recover with a
    mended program finishes the job."""
    sandbox = connector.sandbox
    job_id, entries = sandbox.create_job(3, start=False)
    config = connector.config(CONFIGURED)
    run = connector.run("--config", config, plan={entries[1]: "!exit 4"})
    assert run.status == 2
    assert "exited with status 4" in run.err
    assert f"giving up on {entries[1]}" in run.err
    assert "--recover" in run.err
    assert "Traceback" not in run.err
    assert sandbox.job(job_id).status == "in_progress"
    again = connector.run("--config", config, "--recover")
    assert (again.status, again.summary["result"]) == (0, "completed"), again.err
    assert events(sandbox, job_id, "started") == 1


def test_sigterm_reports_the_calls_under_way_and_leaves_the_job_to_recover(
    connector: Connector,
) -> None:
    """A supervisor's SIGTERM mid-run: exit 130; the item being posted is still reported;
    the job stays in progress, and --recover finishes it."""
    sandbox = connector.sandbox
    job_id, entries = sandbox.create_job(6, start=False)
    config = connector.config(CONFIGURED)
    posted = connector.folder / "first-posted"
    plan = {entries[0]: f"!touch {posted}"}
    process = connector.start("--config", config, plan=plan, CONNECTOR_DELAY="0.3")
    while not posted.exists():  # the program has the first item; outcomes go out in batches
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "--recover" in err
    assert "Traceback" not in err
    reported = {item.accounting_entry_id for item in sandbox.items(job_id) if item.external_id}
    assert 1 <= len(reported) < 6
    assert sandbox.job(job_id).status == "in_progress"
    again = connector.run("--config", config, "--recover")
    assert (again.status, again.summary["successful"]) == (0, 6 - len(reported)), again.err
    assert sandbox.duplicate_item_updates == 0
    assert events(sandbox, job_id, "started") == 1


def test_a_program_that_cannot_start_exits_2_before_pleo_is_asked(tmp_path: Path) -> None:
    """A missing program: exit 2 naming it; no job is looked for, none is started."""
    with Sandbox() as sandbox:
        sandbox.create_job(1, start=False)
        missing = Connector(str(tmp_path / "post-entry"), sandbox, tmp_path).run()
        assert not sandbox.log
    assert missing.status == 2
    assert "cannot start post-entry: No such file or directory" in missing.err
    assert "--recover" not in missing.err
