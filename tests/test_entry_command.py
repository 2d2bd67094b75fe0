"""EntryCommand: a connector's program spoken to over JSON Lines, in sh and (where it is) Node."""

from __future__ import annotations

import io
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from failreason._entry_command import EntryCommand
from failreason._entry_protocol import ProtocolError, posted_answer, validated_answer
from failreason._run_types import Failed, Posted, StopRunError
from failreason._sandbox_export_items import export_item
from tests.connectors import CONNECTORS, write_plan

COMPANY = "5e7b2c1a-0000-4000-8000-000000000001"
JOB = {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "companyId": COMPANY, "status": "pending"}


@pytest.fixture(params=sorted(CONNECTORS))
def command(request: pytest.FixtureRequest) -> str:
    """The connector's command, once per language on this machine."""
    return CONNECTORS[request.param]


def item(entry_id: str) -> dict[str, Any]:
    return export_item(entry_id, COMPANY)


def entry_command(
    command: str, tmp_path: Path, plan: dict[str, str] | None = None, **options: Any
) -> EntryCommand:
    env = {"CONNECTOR_PLAN": str(write_plan(tmp_path / "plan.tsv", plan or {}))}
    env.update(options.pop("env", {}))
    options.setdefault("stderr", io.StringIO())
    return EntryCommand(command, env=env, **options)


# -- answers, line by line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(b'{"externalId": "INV-1"}', Posted("INV-1"), id="id"),
        pytest.param(b'{"externalId": 4711}', Posted("4711"), id="numeric-id"),
        pytest.param(b"{}", Posted(), id="empty-object"),
        pytest.param(
            b'{"externalId": "A", "externalUrl": "https://as.example/A", '
            b'"exportedAt": "2026-03-01T12:00:00Z"}',
            Posted("A", "https://as.example/A", datetime(2026, 3, 1, 12, tzinfo=UTC)),
            id="every-reference",
        ),
        pytest.param(
            b'{"error": {"status": 400, "body": {"Message": "bad"}}}',
            Failed({"status": 400, "body": {"Message": "bad"}}),
            id="error-envelope",
        ),
    ],
)
def test_an_answer_to_an_item_is_posted_or_failed(line: bytes, expected: object) -> None:
    """Each answer the protocol allows stands for one outcome."""
    assert posted_answer(line) == expected


@pytest.mark.parametrize(
    ("line", "said"),
    [
        pytest.param(b"posted!", "not JSON", id="not-json"),
        pytest.param(b"[1]", "got an array", id="array"),
        pytest.param(b'{"externalID": "A"}', "did you mean 'externalId'?", id="typo"),
        pytest.param(b'{"externalId": ""}', '"externalId" must be a non-empty', id="empty-id"),
        pytest.param(b'{"exportedAt": "yesterday"}', "ISO 8601 time with its offset", id="time"),
        pytest.param(b'{"exportedAt": "2026-03-01T12:00:00"}', "with its offset", id="naive"),
        pytest.param(b'{"error": "boom"}', "raw-error envelope", id="error-text"),
        pytest.param(b'{"error": {"satus": 400}}', "did you mean 'status'?", id="envelope-key"),
        pytest.param(b'{"error": {}, "externalId": "A"}', "unknown key 'externalId'", id="both"),
    ],
)
def test_an_answer_outside_the_protocol_says_what_was_expected(line: bytes, said: str) -> None:
    """A broken answer is a ProtocolError naming what was wrong, never the line itself."""
    with pytest.raises(ProtocolError, match=None) as raised:
        posted_answer(line)
    assert said in str(raised.value)
    assert "boom" not in str(raised.value)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(b"{}", None, id="empty"),
        pytest.param(b'{"ok": true}', None, id="ok"),
        pytest.param(b'{"error": {"code": "ECONNREFUSED"}}', {"code": "ECONNREFUSED"}, id="no"),
        pytest.param(b'{"ok": false, "error": {"status": 401}}', {"status": 401}, id="not-ok"),
    ],
)
def test_an_answer_to_validate_is_go_ahead_or_an_envelope(line: bytes, expected: object) -> None:
    """validate's answers: nothing (go ahead) or the envelope of why not."""
    assert validated_answer(line) == expected


def test_ok_false_without_an_error_is_outside_the_protocol() -> None:
    """Refusing a job takes an envelope for the rules, not a bare false."""
    with pytest.raises(ProtocolError, match='"ok" must be true'):
        validated_answer(b'{"ok": false}')


# -- a running program ------------------------------------------------------------------------


def test_items_are_posted_and_refused_as_the_program_answers(command: str, tmp_path: Path) -> None:
    """One line out per item, one line back: an external id, an envelope, or nothing."""
    refusal = {"system": "xero", "status": 400, "body": {"Message": "Account code is archived"}}
    plan = {"refused": json.dumps({"error": refusal}), "quiet": "{}"}
    with entry_command(command, tmp_path, plan) as entry:
        assert entry.post_entry(item("e-1")) == Posted("AS-e-1")
        assert entry.post_entry(item("refused")) == Failed(refusal)
        assert entry.post_entry(item("quiet")) == Posted()


def test_validate_passes_or_raises_the_programs_envelope(command: str, tmp_path: Path) -> None:
    """validate: {} lets the job go ahead; {"error": ...} is Failed, for the rules."""
    with entry_command(command, tmp_path, validate=True) as entry:
        assert entry.validator is not None
        assert entry.validate(JOB) is None
    unreachable = {"code": "ECONNREFUSED", "message": "connect ECONNREFUSED 10.0.0.1:443"}
    plan = {"validate": json.dumps({"error": unreachable})}
    with entry_command(command, tmp_path, plan, validate=True) as entry:
        assert entry.validate(JOB) == Failed(unreachable)


def test_no_validator_unless_asked_for(command: str, tmp_path: Path) -> None:
    """A program not said to answer validate is never asked."""
    with entry_command(command, tmp_path) as entry:
        assert entry.validator is None
        with pytest.raises(RuntimeError, match="validate=True"):
            entry.validate(JOB)


def test_a_program_that_exits_stops_the_run(command: str, tmp_path: Path) -> None:
    """Exiting mid-run is a StopRunError naming the program, its status and its stderr."""
    with entry_command(command, tmp_path, {"e-2": "!exit 3"}) as entry:
        entry.post_entry(item("e-1"))
        with pytest.raises(StopRunError) as raised:
            entry.post_entry(item("e-2"))
        with pytest.raises(StopRunError):  # every later call too: the run is over
            entry.post_entry(item("e-3"))
    message = str(raised.value)
    assert "post-entry" in message
    assert "after line 1 of its output" in message
    assert "exited with status 3" in message
    assert "giving up on e-2" in message  # its last words on stderr


def test_a_line_that_is_not_json_is_named_by_its_number(command: str, tmp_path: Path) -> None:
    """The broken line is found by number, and its content (the item's data) is not shown."""
    with entry_command(command, tmp_path, {"e-2": "Posted GOOGLE*ADS"}) as entry:
        entry.post_entry(item("e-1"))
        with pytest.raises(StopRunError) as raised:
            entry.post_entry(item("e-2"))
    assert "on line 2 of its output" in str(raised.value)
    assert "not JSON" in str(raised.value)
    assert "GOOGLE" not in str(raised.value)


def test_a_program_that_does_not_answer_in_time_is_killed(command: str, tmp_path: Path) -> None:
    """No answer within the timeout: StopRunError, and the program is gone."""
    with entry_command(command, tmp_path, {"e-1": "!hang"}, timeout=0.3) as entry:
        with pytest.raises(StopRunError, match=r"no answer within 0\.3 seconds"):
            entry.post_entry(item("e-1"))
        assert all(not alive(pid) for pid in entry.pids)


def test_each_copy_serves_one_caller_at_a_time(command: str, tmp_path: Path) -> None:
    """Two workers answer two callers at once: the first item waits on the second's answer."""
    signal_file = tmp_path / "second-was-posted"
    plan = {"first": f"!after {signal_file}", "second": f"!touch {signal_file}"}
    answers: dict[str, object] = {}
    with entry_command(command, tmp_path, plan, workers=2, timeout=10) as entry:
        first = threading.Thread(
            target=lambda: answers.setdefault("first", entry.post_entry(item("first")))
        )
        first.start()
        answers["second"] = entry.post_entry(item("second"))
        first.join()
        assert len(set(entry.pids)) == 2
    assert answers == {"first": Posted("AS-first"), "second": Posted("AS-second")}


def test_every_caller_waiting_for_a_broken_program_stops(command: str, tmp_path: Path) -> None:
    """One copy, several callers: when it breaks, each caller waiting for it gets a
    StopRunError, none waits for ever."""
    outcomes: dict[str, object] = {}

    def post(entry: EntryCommand, entry_id: str) -> None:
        try:
            outcomes[entry_id] = entry.post_entry(item(entry_id))
        except StopRunError as exc:
            outcomes[entry_id] = exc

    with entry_command(command, tmp_path, {"stuck": "!hang"}, timeout=0.5) as entry:
        callers = [
            threading.Thread(target=post, args=(entry, entry_id), daemon=True)
            for entry_id in ("stuck", "e-1", "e-2", "e-3", "e-4")
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=30)
        assert not any(caller.is_alive() for caller in callers)
    assert isinstance(outcomes["stuck"], StopRunError)
    assert all(isinstance(outcome, Posted | StopRunError) for outcome in outcomes.values())


def test_a_full_stderr_pipe_and_a_large_item_do_not_deadlock(command: str, tmp_path: Path) -> None:
    """The program fills its stderr before reading a 1 MB item: both pipes keep flowing."""
    stderr = io.StringIO()
    large = item("large") | {"note": "x" * 1_000_000}
    noisy = {"CONNECTOR_NOISE": "300000"}
    with entry_command(command, tmp_path, env=noisy, stderr=stderr, timeout=20) as entry:
        assert entry.post_entry(large) == Posted("AS-large")
    assert stderr.getvalue().count("n") >= 300_000


def test_stderr_is_passed_through_with_the_programs_name(command: str, tmp_path: Path) -> None:
    """What the program says on stderr reaches ours, each line prefixed with its name."""
    stderr = io.StringIO()
    with entry_command(command, tmp_path, stderr=stderr) as entry:
        entry.post_entry(item("e-1"))
    name = "sh post-entry.sh" if command.endswith(".sh") else "node post-entry.js"
    assert f"{name}: post-entry." in stderr.getvalue()


def test_closing_ends_a_program_that_ignores_its_end_of_input(tmp_path: Path) -> None:
    """A program that ignores end of input and SIGTERM is killed after the grace period."""
    stubborn = tmp_path / "stubborn.sh"
    stubborn.write_text("trap '' TERM\nwhile :; do sleep 0.05; done\n")
    with EntryCommand(f"sh {stubborn}", workers=2, grace=0.2, stderr=io.StringIO()) as entry:
        pids = entry.pids
        assert all(alive(pid) for pid in pids)
    assert not any(alive(pid) for pid in pids)


def test_a_program_that_cannot_start_is_named(tmp_path: Path) -> None:
    """A missing program is a StopRunError saying which, before any item is handed over."""
    with pytest.raises(StopRunError, match=r"cannot start no-such-connector: No such file"):
        EntryCommand(str(tmp_path / "no-such-connector")).start()


@pytest.mark.parametrize(
    ("command", "said"),
    [pytest.param("", "empty", id="empty"), pytest.param("node 'x", "cannot read", id="quote")],
)
def test_a_command_that_cannot_be_split_is_named(command: str, said: str) -> None:
    """The command is split as a shell would; what cannot be is said before anything runs."""
    with pytest.raises(StopRunError, match=said):
        EntryCommand(command)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
