"""`failreason explain --rule` and `--why-not`: each condition held or failed, in YAML terms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failreason._cli import main
from tests.conftest import WriteRules

ACME = """\
system: acme
rules:
  - id: acme.account-missing
    match:
      status: 4xx
      regex: 'account (?P<account>\\d+) not found'
      fields:
        error.code: {equals: ACCOUNT_MISSING}
      not: {contains: sandbox}
    type: invalid_configuration
    message: "Account {{ account }} does not exist in Acme."
    examples:
      - input:
          system: acme
          status: 404
          body: {error: {code: ACCOUNT_MISSING, message: "Account 4010 not found"}}
"""

NEAR_MISS = json.dumps(
    {"system": "acme", "status": 400, "body": {"error": {"message": "Account 4010 does not exist"}}}
)

TREE = """\
  rule acme.account-missing (rules/acme.yaml:3:5): did not match
    match  failed
      system: acme  held (the file's system: acme)
      stages: [auth, entry]  held (stage scope: entry)
      status: 4xx  held (400)
      regex 'account (?P<account>\\d+) not found'  failed (messages: "Account 4010 does not exist")
      fields.error.code {equals: ACCOUNT_MISSING}  failed (absent)
      not  held
        contains 'sandbox'  failed (messages: "Account 4010 does not exist")
"""


@pytest.fixture
def near_miss(write_rules: WriteRules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_rules(acme=ACME)
    monkeypatch.chdir(tmp_path)  # so the rules show as rules/acme.yaml
    errors = tmp_path / "errors.jsonl"
    errors.write_text(NEAR_MISS, encoding="utf-8")
    return errors


def explain(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["explain", "--rules", "rules", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_near_miss_shows_each_condition_in_the_rule_files_terms(
    near_miss: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tree names the YAML key and value and what each one saw; the root fails."""
    status, out, _ = explain(["--rule", "acme.account-missing", str(near_miss)], capsys)
    assert status == 0
    assert out.endswith(TREE + "\n")
    assert "=> invalid_configuration: Account No. 4010" in out  # who decided instead
    assert "Condition(" not in out
    assert "StatusIn" not in out


def test_the_same_tree_as_json(near_miss: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = explain(
        ["--rule", "acme.account-missing", "--format", "json", str(near_miss)], capsys
    )
    record = json.loads(out)
    assert status == 0
    assert record["result"]["rule"] == "common.account-unknown"
    [report] = record["rules"]
    assert report["rule"] == "acme.account-missing"
    assert report["verdict"] == "did not match"
    tree = report["tree"]
    assert (tree["key"], tree["held"]) == ("match", False)
    assert [(c["key"], c["value"], c["held"], c["saw"]) for c in tree["children"]] == [
        ("system", "acme", True, "the file's system: acme"),
        ("stages", ["auth", "entry"], True, "stage scope: entry"),
        ("status", "4xx", True, "400"),
        (
            "regex",
            "account (?P<account>\\d+) not found",
            False,
            'messages: "Account 4010 does not exist"',
        ),
        ("fields.error.code", {"equals": "ACCOUNT_MISSING"}, False, "absent"),
        ("not", None, True, None),
    ]
    [inner] = tree["children"][-1]["children"]
    assert (inner["key"], inner["value"], inner["held"]) == ("contains", "sandbox", False)


def test_a_rule_that_decides_shows_what_it_captured(
    near_miss: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    near_miss.write_text(
        '{"system": "acme", "status": 404, "body": {"error": '
        '{"code": "ACCOUNT_MISSING", "message": "Account 4010 not found"}}}\n',
        encoding="utf-8",
    )
    _, out, _ = explain(["--rule", "acme.account-missing", str(near_miss)], capsys)
    assert "rule acme.account-missing (rules/acme.yaml:3:5): decided" in out
    assert "    match  held" in out
    assert """regex 'account (?P<account>\\d+) not found'  held (account="4010")""" in out
    assert 'fields.error.code {equals: ACCOUNT_MISSING}  held ("ACCOUNT_MISSING")' in out


def test_why_not_covers_the_errors_system_and_the_generic_rules_only(
    near_miss: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = explain(["--why-not", str(near_miss)], capsys)
    shown = [line.split()[1] for line in out.splitlines() if line.startswith("  rule ")]
    assert "acme.account-missing" in shown
    assert "generic.rate-limit" in shown  # generic rules may decide any system's errors
    assert "common.account-unknown" not in shown  # it decided: nothing to explain
    assert not [rule for rule in shown if rule.startswith("xero.")]


def test_a_rule_after_the_winner_that_matches_says_it_was_shadowed(
    near_miss: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A generic rule tried after the winner is not 'did not match' when it would have."""
    _, out, _ = explain(["--why-not", str(near_miss)], capsys)
    assert "did not match" in out
    assert "matched, but common.account-unknown decided first" in out


def test_an_unknown_rule_id_cannot_run(near_miss: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = explain(["--rule", "acme.acount-missing", str(near_miss)], capsys)
    assert status == 2
    assert out == ""
    assert "no rule 'acme.acount-missing' is loaded; did you mean 'acme.account-missing'?" in err


def test_a_concept_condition_is_named_by_its_words(
    write_rules: WriteRules, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(
        acme="""\
        system: acme
        rules:
          - id: acme.concept
            match: {concept: {object: account, state: not_found}}
            type: invalid_configuration
            message: gone
        """
    )
    errors = tmp_path / "e.jsonl"
    errors.write_text('{"system": "acme", "message": "Tax rate is wrong"}\n', encoding="utf-8")
    status = main(["explain", "--rules", str(rules), "--rule", "acme.concept", str(errors)])
    out = capsys.readouterr().out
    assert status == 0
    assert (
        'concept {object: account, state: not_found}  failed (messages: "Tax rate is wrong")' in out
    )
