"""``failreason coverage``: hits per rule, rules never hit, the fallback's share and messages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from failreason._cli import main
from failreason._coverage import mask
from tests.conftest import WriteRules

ENVELOPES = [
    {"system": "xero", "stage": "entry", "status": 429, "body": "Rate limit exceeded"},
    {"system": "xero", "stage": "entry", "status": 400, "body": "Invoice 4711 is locked by job 12"},
    {"system": "xero", "stage": "entry", "status": 400, "body": "Invoice 4712 is locked by job 99"},
    {"system": "nobody_knows", "stage": "entry", "status": 400, "body": "Strange thing happened"},
]


def write_errors(tmp_path: Path, *extra: str) -> Path:
    lines = [json.dumps(envelope) for envelope in ENVELOPES] + list(extra)
    path = tmp_path / "errors.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    status = main(["coverage", "--format", "json", *argv])
    return status, json.loads(capsys.readouterr().out)


def test_mask_lets_numbers_and_quoted_values_not_split_a_message() -> None:
    assert mask("Invoice 4711 is locked by job 12") == mask("Invoice 4712 is locked by job 99")
    assert mask("Account 'Sales EU' is archived") == "Account <*> is archived"
    assert mask("Account is archived") == "Account is archived"


def test_counts_hits_and_the_fallback_share_per_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = run_json(capsys, str(write_errors(tmp_path)))
    assert status == 0
    assert report["errors"] == 4
    hits = report["hits"]
    assert isinstance(hits, dict)
    assert hits["fallback"] == 3
    assert sum(hits.values()) == 4
    assert report["fallback_by_system"] == {
        "nobody_knows": {"fallback": 1, "errors": 1, "share": 1.0},
        "xero": {"fallback": 2, "errors": 3, "share": 0.6667},
    }
    assert report["fallback_messages"] == [
        {"message": "Invoice <*> is locked by job <*>", "count": 2},
        {"message": "Strange thing happened", "count": 1},
    ]


def test_rules_never_hit_are_grouped_by_their_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write_rules: WriteRules
) -> None:
    rules = write_rules(
        mine="""
        rules:
          - id: mine.locked
            match: {regex: "is locked by job"}
            type: invalid_configuration
            message: "Locked: {{ message }}"
          - id: mine.never
            match: {regex: "never said by anyone"}
            type: invalid_configuration
            message: "Never"
        """
    )
    _, report = run_json(capsys, "--rules", str(rules), str(write_errors(tmp_path)))
    never = report["never_hit"]
    assert isinstance(never, dict)
    assert never[f"{rules}/mine.yaml"] == ["mine.never"]
    assert "fallback" not in [rule for ids in never.values() for rule in ids]
    assert report["hits"] == {"mine.locked": 2, "fallback": 1, **_rate_limit(report)}


def _rate_limit(report: dict[str, object]) -> dict[str, int]:
    hits = report["hits"]
    assert isinstance(hits, dict)
    return {rule: n for rule, n in hits.items() if rule not in ("mine.locked", "fallback")}


def test_malformed_lines_are_counted_and_named_by_line_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_errors(tmp_path, "{not json", "[1, 2]", json.dumps({"stauts": 400}))
    status = main(["coverage", str(path)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "4 errors classified, 3 lines unreadable" in out
    assert "line 5: invalid JSON" in out
    assert "line 6: expected a JSON object" in out
    assert "line 7: unknown key 'stauts'" in out
    assert "Traceback" not in out + err


def test_the_text_table_shows_each_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", str(write_errors(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "   3  fallback" in out
    assert re.search(r"^  xero +2/3 +66\.7%$", out, re.MULTILINE)
    assert "   2  Invoice <*> is locked by job <*>" in out
    assert "rules never hit: " in out
    assert "  rules/xero.yaml: " in out


def test_an_unreadable_file_cannot_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_text_lists_never_hit_rules_only_of_the_input_systems_and_generic_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file of xero errors: xero's and the generic rules listed, other packs only counted."""
    assert main(["coverage", str(write_errors(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "  rules/generic.yaml: " in out
    assert "  rules/fortnox.yaml: " not in out
    hidden = re.search(r"^  and (\d+) more, in packs for systems not in the input", out, re.M)
    assert hidden is not None
    assert int(hidden.group(1)) > 100
    status, report = run_json(capsys, str(write_errors(tmp_path)))
    assert status == 0
    assert "rules/fortnox.yaml" in report["never_hit"]  # type: ignore[operator]


def test_the_text_says_when_nothing_fell_to_the_fallback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "decided.jsonl"
    path.write_text(json.dumps(ENVELOPES[0]) + "\n", encoding="utf-8")
    assert main(["coverage", str(path)]) == 0
    assert (
        "(none: every error was decided by a rule before the fallback)" in capsys.readouterr().out
    )
