"""Every way a command can end is one line and a documented status, never a traceback."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason import _cli, _jsonl
from failreason._cli import main
from failreason._engine import Engine
from failreason._exits import DEBUG_VARIABLE

RATE_LIMIT = '{"status": 429}'


@pytest.fixture(autouse=True)
def no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-line messages are under test: a developer's FAILREASON_DEBUG must not leak in."""
    monkeypatch.delenv(DEBUG_VARIABLE, raising=False)


def feed(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Standard input holding ``data`` as bytes, as a real process gets it."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def classify(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, list[dict[str, Any]], str]:
    status = main(["classify", *argv])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


# -- classify: lines that used to end the stream --------------------------------------------


@pytest.mark.parametrize(
    ("line", "error"),
    [
        pytest.param(
            b'{"status": ' + b"1" * 5000 + b"}",
            "invalid JSON: a number longer than 4300 digits",
            id="5000-digit-number",
        ),
        pytest.param(
            b"[" * 5000 + b"]" * 5000, "invalid JSON: nested too deeply to read", id="deep"
        ),
        pytest.param(
            b'{"status": 400, "message": "caf\xe9"}',
            "not UTF-8: byte 0xe9 at byte 32",
            id="latin-1",
        ),
        pytest.param(b'{"status": NaN}', "invalid JSON: NaN is not a JSON value", id="nan"),
        pytest.param(b"\x00\x9f\xff binary", "not UTF-8: byte 0x9f at byte 2", id="binary"),
    ],
)
def test_a_line_python_cannot_read_gets_an_error_record_in_its_place(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    line: bytes,
    error: str,
) -> None:
    """The line gets {"line": N, "error": ...}; the lines around it are classified; exit 1."""
    feed(monkeypatch, b"\n".join([RATE_LIMIT.encode(), line, b'{"status": 503}']) + b"\n")
    status, records, err = classify(capsys)
    assert (status, err) == (1, "")
    assert records[1] == {"line": 2, "error": error}
    assert records[0]["failureReasonType"] == "accounting_system_rate_limit"
    assert records[2]["failureReasonType"] == "accounting_system_unreachable"


def test_a_byte_order_mark_is_skipped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file saved with a UTF-8 BOM (Windows editors do) classifies from its first line."""
    path = tmp_path / "errors.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + RATE_LIMIT.encode() + b"\r\n\xef\xbb\xbf\r\n")
    status, records, _ = classify(capsys, str(path))
    assert status == 0
    assert [r["failureReasonType"] for r in records] == ["accounting_system_rate_limit"]


def test_a_latin_1_file_gives_one_error_per_bad_line_and_classifies_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Only the lines that are not UTF-8 fail, each with its own line number."""
    path = tmp_path / "errors.jsonl"
    path.write_bytes(
        '{"status": 400, "message": "Konto 4010 für Buchung fehlt"}\n'
        '{"status": 429}\n\n{"status": 400, "message": "Kontot får inte"}\n'.encode("latin-1")
    )
    status, records, _ = classify(capsys, str(path))
    assert status == 1
    assert [r.get("line") for r in records] == [1, None, 4]
    assert records[0]["error"].startswith("not UTF-8: byte 0xfc")


def test_a_lone_surrogate_gets_an_answer_and_the_stream_goes_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """JavaScript's cut emoji ("\\ud83d" escaped): the line is answered, the next one too."""
    feed(monkeypatch, b'{"status": 400, "message": "Konto \\ud83d fehlt"}\n' + RATE_LIMIT.encode())
    main(["classify"])
    out = capsys.readouterr().out
    out.encode("utf-8")  # raises on an unpaired surrogate
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    assert "failureReason" in records[0] or records[0]["line"] == 1
    assert records[1]["failureReasonType"] == "accounting_system_rate_limit"


def test_unpaired_surrogates_in_an_answer_are_replaced_on_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the engine hands back, every line written is strict UTF-8 JSON."""

    def cut(self: Engine, raw: object, **context: Any) -> failreason.Classification:
        return failreason.Classification("invalid_configuration", "Konto \ud83d fehlt", "r\udc00")

    monkeypatch.setattr(Engine, "classify", cut)
    feed(monkeypatch, RATE_LIMIT.encode())
    assert main(["classify"]) == 0
    out = capsys.readouterr().out
    record = json.loads(out.encode("utf-8"))
    assert (record["failureReason"], record["rule"]) == ("Konto \ufffd fehlt", "r\ufffd")


class BoomError(Exception):
    """A stand-in for a bug in the engine."""


@pytest.fixture
def engine_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine raises something unexpected for an envelope with ``"code": "BUG"``."""
    real = Engine.classify

    def classify(self: Engine, raw: object, **context: Any) -> failreason.Classification:
        if isinstance(raw, dict) and raw.get("code") == "BUG":
            raise BoomError("engine broke on \x1b[31mthis\x1b[0m, token=s3cr3tvalue123")
        return real(self, raw, **context)

    monkeypatch.setattr(Engine, "classify", classify)


@pytest.mark.usefixtures("engine_bug")
def test_a_line_the_engine_crashes_on_gets_an_error_record(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug costs one line its answer, not the connector the lines after it."""
    feed(monkeypatch, b'{"code": "BUG"}\n' + RATE_LIMIT.encode() + b"\n")
    status, records, err = classify(capsys)
    assert (status, err) == (1, "")
    assert records[0]["line"] == 1
    assert records[0]["error"].startswith(
        "internal error: BoomError: engine broke on \\x1b[31mthis"
    )
    assert "s3cr3tvalue123" not in records[0]["error"]
    assert records[1]["failureReasonType"] == "accounting_system_rate_limit"


@pytest.mark.usefixtures("engine_bug")
def test_failreason_debug_lets_the_bug_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """With FAILREASON_DEBUG=1 the exception is raised with its traceback, not caught."""
    monkeypatch.setenv(DEBUG_VARIABLE, "1")
    feed(monkeypatch, b'{"code": "BUG"}\n')
    with pytest.raises(BoomError):
        main(["classify"])


def test_ctrl_c_exits_130_after_the_lines_already_answered(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted on the third line: two answers written, nothing on stderr, status 130."""
    real = Engine.classify
    calls = iter(range(100))

    def interrupting(self: Engine, raw: object, **context: Any) -> failreason.Classification:
        if next(calls) == 2:
            raise KeyboardInterrupt
        return real(self, raw, **context)

    monkeypatch.setattr(Engine, "classify", interrupting)
    feed(monkeypatch, (RATE_LIMIT + "\n").encode() * 4)
    status, records, err = classify(capsys)
    assert (status, len(records), err) == (130, 2, "")


def stream_of(lines: int) -> Iterator[bytes]:
    for _ in range(lines):
        yield (RATE_LIMIT + "\n").encode()


@pytest.mark.parametrize("command", ["classify", "explain"])
def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path: Path, command: str) -> None:
    """`failreason classify big.jsonl | head -1`: status 0, nothing on stderr."""
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(stream_of(20_000)))  # far more than a pipe buffer holds
    env = {k: v for k, v in os.environ.items() if k != DEBUG_VARIABLE}
    process = subprocess.Popen(
        [sys.executable, "-m", "failreason", command, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    with process.stdout, process.stderr:
        first = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
    assert process.wait(timeout=120) == 0
    assert first.startswith(b'{"failureReasonType"' if command == "classify" else b"line 1:")
    assert err == b""


# -- explain ---------------------------------------------------------------------------------


def test_explain_never_passes_escape_sequences_to_the_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal escape or a bidi override in an error reaches explain's output in no form."""
    line = json.dumps(
        {"status": 400, "message": "Tax code 'S\x1b[2J25' \u202eis gone\x07", "code": "E\x1b]0;x"}
    )
    feed(monkeypatch, line.encode() + b"\n")
    status = main(["explain"])
    out = capsys.readouterr().out
    assert status == 0
    assert not {"\x1b", "\u202e", "\x07"} & set(out)
    assert "message: Tax code 'S25' is gone" in out  # the engine dropped whole sequences
    assert "codes: E\n" in out


# -- other commands --------------------------------------------------------------------------


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        pytest.param(["demo", "--items", "0"], "expected a whole number from 1 to", id="items-0"),
        pytest.param(["demo", "--items", "x"], "expected a whole number from 1 to", id="items-x"),
        pytest.param(["demo", "--faults", "boom=1"], "unknown fault kind 'boom'", id="faults"),
        pytest.param(["sandbox", "--items", "1000001"], "from 0 to 100000", id="sandbox-items"),
    ],
)
def test_bad_numbers_and_specs_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    """Exit 2 and the usage line naming the option, before anything starts."""
    assert said in usage_error(capsys, *argv)


def labelled(tmp_path: Path, *rows: object) -> str:
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_score_reads_a_single_accepted_type_as_a_list_of_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """ "accept": "TYPE" is one type, not a list of its letters."""
    path = labelled(tmp_path, {"input": {"status": 429}, "accept": "accounting_system_rate_limit"})
    assert main(["score", path, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["accepted"] == 1


@pytest.mark.parametrize(
    ("row", "said"),
    [
        pytest.param([1, 2], "expected a labelled error", id="list-row"),
        pytest.param({"input": {}, "accept": 7}, "'accept' must be a list", id="number-accept"),
        pytest.param({"input": {}}, "give the accepted types", id="no-label"),
    ],
)
def test_score_refuses_a_row_that_is_not_a_labelled_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, row: object, said: str
) -> None:
    """Exit 2 with the file, the line and what is wrong, on one line."""
    path = labelled(tmp_path, {"input": {"status": 429}, "expected": "x"}, row)
    status = main(["score", path])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"failreason: {path}:2: ")
    assert said in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("where", ["nope", "a-file"])
def test_a_rules_directory_that_is_not_one_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    where: str,
) -> None:
    """--rules naming nothing or a file: exit 2, one line naming it."""
    (tmp_path / "a-file").write_text("rules: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    feed(monkeypatch, b"")
    status = main(["classify", "--rules", where])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"{where}: the rules directory ")  # located, like every rule problem
    assert len(err.splitlines()) == 1


def test_an_unreadable_input_file_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Exit 2: which file, and what the system said."""
    status = main(["classify", str(tmp_path / "missing.jsonl")])
    err = capsys.readouterr().err
    assert status == 2
    assert (
        err == f"failreason: cannot read {tmp_path / 'missing.jsonl'}: No such file or directory\n"
    )


def test_an_unexpected_exception_is_one_line_and_status_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug anywhere in a command: one escaped, redacted line naming it, exit 3."""

    def broken() -> object:
        raise ZeroDivisionError("dividing \x1b[31m by Bearer abcdefghijklmnop0123")

    monkeypatch.setattr(_cli, "rule_file_schema", broken)
    status = main(["schema"])
    out, err = capsys.readouterr()
    assert (status, out) == (3, "")
    assert err.startswith("failreason: internal error: ZeroDivisionError: dividing \\x1b[31m by")
    assert "abcdefghijklmnop0123" not in err
    assert f"{DEBUG_VARIABLE}=1" in err
    assert len(err.splitlines()) == 1


def test_an_unexpected_exception_is_raised_under_failreason_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FAILREASON_DEBUG=1 shows the traceback: a test can never mistake a bug for a message."""

    def broken() -> object:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(_cli, "rule_file_schema", broken)
    monkeypatch.setenv(DEBUG_VARIABLE, "1")
    with pytest.raises(ZeroDivisionError):
        main(["schema"])


def test_an_envelope_error_quoting_control_characters_shows_them_escaped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A C1 CSI (which JSON leaves raw) in an error record cannot reach a log viewer's terminal."""

    def quoting(self: Engine, raw: object, **context: Any) -> failreason.Classification:
        raise failreason.EnvelopeError("bad status '\x9b2J\x1b]0;x'")

    monkeypatch.setattr(Engine, "classify", quoting)
    feed(monkeypatch, RATE_LIMIT.encode())
    status, records, _ = classify(capsys)
    assert status == 1
    assert records[0]["error"] == "bad status '\\x9b2J\\x1b]0;x'"


def test_a_sandbox_port_in_use_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`failreason sandbox --port N` on a taken port: exit 2, which port and why."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["sandbox", "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"failreason: cannot serve on port {port}: Address already in use\n"


def test_a_line_over_the_size_cap_is_an_error_and_is_not_kept(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cap at 40 bytes: a 41-byte line fails alone, a 40-byte one is classified."""
    monkeypatch.setattr(_jsonl, "MAX_LINE_BYTES", 40)
    at_cap = b'{"status": 429, "message": "' + b"x" * 10 + b'"}'
    over = b'{"status": 429, "message": "' + b"x" * 11 + b'"}'
    assert (len(at_cap), len(over)) == (40, 41)
    feed(monkeypatch, b"\n".join([at_cap, over, b"y" * 1000, at_cap]))
    status, records, _ = classify(capsys)
    assert status == 1
    assert [r.get("line") for r in records] == [None, 2, 3, None]
    assert records[1]["error"] == "the line is longer than 40 bytes"


@pytest.mark.parametrize("command", ["lint", "test", "schema", "demo"])
def test_ctrl_c_in_any_command_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Interrupted while it works: no traceback, status 130."""

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "engine_for", interrupted)
    monkeypatch.setattr(_cli, "lint_engine", interrupted)
    monkeypatch.setattr(_cli, "rule_file_schema", interrupted)
    monkeypatch.setattr("failreason._demo.load", interrupted)
    assert main([command]) == 130
    assert capsys.readouterr().err == ""
