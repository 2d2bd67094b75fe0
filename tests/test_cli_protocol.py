"""The line protocol of ``failreason classify``, whatever the lines hold.

For any sequence of lines (envelopes, broken JSON, other JSON values, unpaired surrogates,
control characters, numbers past Python's digit limit, deep nesting, blank lines, byte
order marks, bytes that are not UTF-8) the command writes exactly one JSON object per
non-blank line, in order: a classification, or ``{"line": N, "error": ...}`` with that
line's number. The output is strict UTF-8 and the exit status 0, or 1 when any line failed.

``FAILREASON_PROTOCOL_EXAMPLES=2000 pytest tests/test_cli_protocol.py`` runs a larger search.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import failreason
from failreason import _cli
from failreason._exits import DEBUG_VARIABLE

EXAMPLES = int(os.environ.get("FAILREASON_PROTOCOL_EXAMPLES", "40"))
ENGINE = failreason.load()
BOM = b"\xef\xbb\xbf"
CLASSIFICATION_KEYS = {"failureReasonType", "failureReason", "rule", "retryable"}

# Text as connectors send it, hostile parts included.
hostile_text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # unpaired surrogates
        st.sampled_from("\x00\x1b\x07\x85\u202e\u200b\ufeff\n\r\t"),
    ),
    max_size=40,
)
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)
envelope = st.fixed_dictionaries(
    {},
    optional={
        "system": st.sampled_from(["xero", "fortnox", "netsuite", "acme", "", "XERO"]),
        "stage": st.sampled_from(["entry", "validation", "auth", "receipt_upload", "nope"]),
        "status": st.one_of(st.integers(100, 599), st.integers(), hostile_text),
        "headers": st.dictionaries(hostile_text, hostile_text, max_size=3),
        "body": json_value,
        "message": hostile_text,
        "code": st.one_of(hostile_text, st.sampled_from(["missing_journal", "rate_limited"])),
        "params": st.dictionaries(hostile_text, hostile_text, max_size=3),
    },
)


def as_json_line(value: Any, ascii_only: bool) -> bytes:
    """One JSON line; raw UTF-8 unless asked for escapes or holding unpaired surrogates."""
    try:
        return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True).encode("ascii")


def no_newline(raw: bytes) -> bytes:
    return raw.replace(b"\n", b" ")


line = st.one_of(
    st.builds(as_json_line, envelope, st.booleans()),
    st.builds(as_json_line, json_value, st.booleans()),  # JSON that is not an object, mostly
    st.builds(lambda text: no_newline(text.encode("utf-8", "surrogatepass")), hostile_text),
    st.builds(no_newline, st.binary(max_size=30)),
    st.builds(lambda n: b'{"status": ' + b"7" * n + b"}", st.integers(4200, 6000)),
    st.builds(lambda n: b'{"body": ' + b"[" * n + b"]" * n + b"}", st.integers(1, 5000)),
    st.builds(lambda raw: BOM + raw, st.builds(as_json_line, envelope, st.just(False))),
    st.sampled_from([b"", b"   ", b"\t", b"\r", BOM, b"NaN", b'{"status": Infinity}']),
)


def is_blank(raw: bytes) -> bool:
    return not raw.removeprefix(BOM).strip()


def check_protocol(lines: list[bytes], out: bytes, status: int) -> None:
    """One object per non-blank line, in order, each an answer or that line's error."""
    records = [json.loads(text) for text in out.decode("utf-8").splitlines()]
    expected = [number for number, raw in enumerate(lines, 1) if not is_blank(raw)]
    assert len(records) == len(expected)
    for number, record in zip(expected, records, strict=True):
        assert isinstance(record, dict)
        if "error" in record:
            assert set(record) == {"line", "error"}
            assert record["line"] == number
            assert isinstance(record["error"], str)
            assert record["error"]
            assert not record["error"].startswith("internal error")  # the engine never raises
        else:
            assert set(record) == CLASSIFICATION_KEYS
            assert record["failureReasonType"] in failreason.ITEM_FAILURE_TYPES
    failed = any("error" in record for record in records)
    assert status == (1 if failed else 0)


def run_in_process(data: bytes) -> tuple[bytes, int]:
    """``failreason classify`` on ``data`` as standard input, in this process."""
    stdout = io.BytesIO()
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out = io.TextIOWrapper(stdout, encoding="utf-8", write_through=True)
    environ = {k: v for k, v in os.environ.items() if k != DEBUG_VARIABLE}
    with (
        mock.patch.object(sys, "stdin", stdin),
        mock.patch.object(sys, "stdout", out),
        mock.patch.object(_cli, "engine_for", return_value=ENGINE),
        mock.patch.dict(os.environ, environ, clear=True),
    ):
        status = _cli.main(["classify"])
    return stdout.getvalue(), status


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(line, max_size=12))
def test_every_non_blank_line_gets_one_answer_in_order(lines: list[bytes]) -> None:
    """Whatever the lines hold: one record per non-blank line, in order, strict UTF-8."""
    out, status = run_in_process(b"\n".join(lines) + b"\n")
    check_protocol(lines, out, status)


HOSTILE = [
    b'{"status": 429}',
    b"",
    BOM + b'{"status": 503}',
    b'{"status": 400, "message": "caf\xe9"}',
    b'{"status": 400, "message": "Konto \\ud83d \\u001b[2J fehlt"}',
    b'{"status": ' + b"9" * 5000 + b"}",
    b"[" * 5000 + b"]" * 5000,
    b"\x00\xff\xfe binary",
    b"[1, 2]",
    b"{not json",
    b"   ",
    b'{"stauts": 400}',
    b'{"status": 401}',
]


def test_the_real_stream_keeps_the_protocol() -> None:
    """The same, through a real process's pipes, as a connector runs it."""
    environ = {k: v for k, v in os.environ.items() if k != DEBUG_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-m", "failreason", "classify"],
        input=b"\n".join(HOSTILE) + b"\n",
        capture_output=True,
        env=environ,
        check=False,
        timeout=120,
    )
    assert done.stderr == b""
    check_protocol(HOSTILE, done.stdout, done.returncode)
    records = [json.loads(text) for text in done.stdout.splitlines()]
    assert records[0]["failureReasonType"] == "accounting_system_rate_limit"
    assert records[-1]["failureReasonType"] == "accounting_system_authentication_failure"


def test_a_co_process_gets_each_answer_before_it_sends_the_next_line() -> None:
    """A connector streaming through one process reads each answer as soon as it is due."""
    environ = {k: v for k, v in os.environ.items() if k != DEBUG_VARIABLE}
    sent = [b'{"status": 429}', b"\xff", b'{"status": 400, "message": "a\\ud800b"}', b"{}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "failreason", "classify"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environ,
    )
    watchdog = threading.Timer(120, process.kill)  # a blocked read fails the test, not CI
    watchdog.start()
    try:
        assert process.stdin is not None
        assert process.stdout is not None
        answers = []
        for raw in sent:
            process.stdin.write(raw + b"\n")
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        process.stdout.close()
        status = process.wait()
    finally:
        watchdog.cancel()
    assert answers[0]["failureReasonType"] == "accounting_system_rate_limit"
    assert answers[1] == {"line": 2, "error": "not UTF-8: byte 0xff at byte 1"}
    assert answers[2].get("line", 3) == 3
    assert "failureReasonType" in answers[3]
    assert status == 1
