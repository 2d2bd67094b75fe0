"""The ``failreason`` command: JSON Lines in, JSON Lines out, documented exit statuses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from failreason._cli import main
from tests.conftest import WriteRules

EXAMPLES = Path(__file__).parent.parent / "examples" / "errors.jsonl"


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_classify_writes_one_record_per_line_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    """Each envelope gives one JSON record, in input order, with the documented keys."""
    status, out, _ = run(["classify", str(EXAMPLES)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    inputs = [line for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert status == 0
    assert len(records) == len(inputs)
    assert records[0] == {
        "failureReasonType": "missing_configuration",
        "failureReason": (
            "Journal Purchases missing: provide journal Purchases in the configurations"
        ),
        "rule": "validation.missing-journal",
        "retryable": False,
    }
    assert all(
        set(r) == {"failureReasonType", "failureReason", "rule", "retryable"} for r in records
    )


def test_malformed_lines_are_reported_in_place_and_the_rest_classified(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad JSON, a non-object and a bad envelope each give an error record; exit status 1."""
    stdin = "\n".join(
        ['{"status": 429}', "{not json", "[1, 2]", '{"stauts": 400}', "", '{"status": 401}']
    )
    status, out, _ = run(["classify", "-"], capsys, stdin, monkeypatch)
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert [r.get("failureReasonType") for r in records] == [
        "accounting_system_rate_limit",
        None,
        None,
        None,
        "accounting_system_authentication_failure",
    ]
    assert (records[1]["line"], records[1]["error"][:12]) == (2, "invalid JSON")
    assert records[2] == {
        "line": 3,
        "error": "expected a JSON object (a raw-error envelope), got array",
    }
    assert records[3]["line"] == 4
    assert "did you mean 'status'?" in records[3]["error"]


def test_classify_with_user_rules(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--rules adds the user's rules before the built-in ones."""
    rules = write_rules(
        acme="rules:\n  - {id: acme.x, match: {code: X1}, type: tag_unknown, message: Tag gone}\n"
    )
    status, out, _ = run(
        ["classify", "--rules", str(rules)], capsys, '{"code": "X1"}\n', monkeypatch
    )
    assert (status, json.loads(out)["failureReason"]) == (0, "Tag gone")


def test_lint_exits_1_with_every_problem_on_stdout(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """Problems found are lint's result: listed, located, on stdout, status 1 (as ruff)."""
    rules = write_rules(acme="rules:\n  - {id: acme.x, match: {cod: X1}, type: nope, message: m}\n")
    status, out, err = run(["lint", "--rules", str(rules)], capsys)
    assert (status, err) == (1, "")
    assert "2 problems in the rule files" in out
    assert f"{rules}/acme.yaml:2:26: FR001 unknown key 'cod'; did you mean 'code'?" in out


def test_broken_rules_stop_other_commands_with_status_2(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """`test` cannot run on rule files that do not load: status 2, problems on stderr."""
    rules = write_rules(acme="rules:\n  - {id: acme.x, match: {cod: X1}, type: nope, message: m}\n")
    status, out, err = run(["test", "--rules", str(rules)], capsys)
    assert (status, out) == (2, "")
    assert f"{rules}/acme.yaml:2:26: unknown key 'cod'; did you mean 'code'?" in err


def test_lint_passes_on_the_built_in_rules(capsys: pytest.CaptureFixture[str]) -> None:
    """`failreason lint` on the shipped rules reports no problem."""
    status, out, _ = run(["lint"], capsys)
    assert status == 0
    assert out.endswith("no problems\n")


def test_schema_prints_the_rule_file_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`failreason schema` prints a JSON Schema editors can use."""
    status, out, _ = run(["schema"], capsys)
    schema = json.loads(out)
    assert status == 0
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "vendor_unknown" in schema["$defs"]["rule"]["properties"]["type"]["enum"]


def test_test_command_runs_every_rule_example(capsys: pytest.CaptureFixture[str]) -> None:
    """`failreason test` checks the examples next to the rules and counts them."""
    status, out, _ = run(["test"], capsys)
    assert status == 0
    assert out.splitlines()[-1].endswith(" passed, 0 failed")


def test_explain_shows_the_deciding_rule_and_its_captures(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`failreason explain` names the rule, where it is written, and what it captured."""
    line = '{"status": 400, "message": "Tax code \'S25\' does not exist"}\n'
    status, out, _ = run(["explain"], capsys, line, monkeypatch)
    assert status == 0
    assert "rules/common.yaml:" in out
    assert "common.tax-code-unknown matched, decided" in out
    assert 'captures: tax_code="S25"' in out
    assert "=> invalid_configuration: Tax Code S25 does not exist in the Accounting System" in out


def test_missing_input_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An input file that does not exist is a clear error, status 2."""
    status, _, err = run(["classify", str(tmp_path / "nope.jsonl")], capsys)
    assert status == 2
    assert "No such file" in err


def test_python_dash_m_runs_the_cli() -> None:
    """`python -m failreason` is the same command, usable from any language."""
    done = subprocess.run(
        [sys.executable, "-m", "failreason", "classify"],
        input='{"status": 503}\n',
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["failureReasonType"] == "accounting_system_unreachable"
