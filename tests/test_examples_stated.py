"""An example may state type, reason, retryable and rule; each one stated is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

import failreason
from failreason._cli import main
from failreason._errors import RuleFileError
from failreason._examples import ExampleOutcome, run_examples
from tests.conftest import WriteRules


def acme_rules(example: str) -> str:
    return f"""\
system: acme
rules:
  - id: acme.tag-gone
    match: {{regex: 'tag (?P<tag>\\w+) is gone'}}
    type: tag_unknown
    message: "Tag {{{{ tag }}}} is gone."
    examples:
      - {example}
"""


INPUT = '{system: acme, status: 400, message: "tag T1 is gone"}'


def outcome(write_rules: WriteRules, example: str) -> ExampleOutcome:
    engine = failreason.load(write_rules(acme=acme_rules(example)))
    [found] = [o for o in run_examples(engine) if o.rule.id == "acme.tag-gone"]
    return found


@pytest.mark.parametrize(
    "stated",
    [
        "type: tag_unknown",
        "reason: Tag T1 is gone.",
        "retryable: false",
        "rule: acme.tag-gone",
        "{type: tag_unknown, reason: Tag T1 is gone., retryable: false, rule: acme.tag-gone}",
    ],
)
def test_an_example_stating_what_the_rule_gives_passes(
    write_rules: WriteRules, stated: str
) -> None:
    fields = stated.strip("{}")
    assert outcome(write_rules, f"{{input: {INPUT}, {fields}}}").problem is None


@pytest.mark.parametrize(
    ("stated", "problem"),
    [
        ("type: vendor_unknown", "type 'tag_unknown', expected 'vendor_unknown'"),
        ("reason: Tag T2 is gone.", "reason 'Tag T1 is gone.', expected 'Tag T2 is gone.'"),
        ("retryable: true", "retryable false, expected true"),
        (
            "rule: generic.rate-limit",
            "decided by rule 'acme.tag-gone' (tag_unknown), not 'generic.rate-limit'",
        ),
    ],
)
def test_each_stated_field_is_checked(write_rules: WriteRules, stated: str, problem: str) -> None:
    assert outcome(write_rules, f"{{input: {INPUT}, {stated}}}").problem == problem


def test_every_wrong_field_is_reported_at_once(write_rules: WriteRules) -> None:
    found = outcome(write_rules, f"{{input: {INPUT}, type: vendor_unknown, retryable: true}}")
    assert found.problem == (
        "type 'tag_unknown', expected 'vendor_unknown'; retryable false, expected true"
    )


def test_an_example_may_name_the_rule_that_decides_it(write_rules: WriteRules) -> None:
    """An example under one rule that another rule must decide: a boundary, stated."""
    found = outcome(
        write_rules, "{input: {status: 429}, rule: generic.rate-limit, retryable: true}"
    )
    assert found.problem is None


def test_a_rule_that_is_not_loaded_is_a_located_problem(write_rules: WriteRules) -> None:
    rules = write_rules(acme=acme_rules(f"{{input: {INPUT}, rule: acme.tag-gon}}"))
    with pytest.raises(RuleFileError) as caught:
        failreason.load(rules)
    [problem] = caught.value.problems
    assert str(problem.location).endswith("acme.yaml:8:9")
    assert problem.message == "example 1 of rule 'acme.tag-gone': no rule 'acme.tag-gon'"
    assert problem.hint == "did you mean 'acme.tag-gone'?"


@pytest.mark.parametrize(
    ("stated", "message"),
    [
        (
            "type: tag_unknwn",
            "unknown failureReasonType 'tag_unknwn'; did you mean 'tag_unknown'?",
        ),
        (
            "retryable: maybe",
            "expected true or false, got a text (at rules[0].examples[0].retryable)",
        ),
        (
            "rule: Acme Tag",
            "'Acme Tag' does not match '^[a-z0-9][a-z0-9_.-]*$' (at rules[0].examples[0].rule)",
        ),
        ("typ: tag_unknown", "unknown key 'typ'; did you mean 'type'?"),
    ],
)
def test_lint_locates_a_wrong_stated_field(
    write_rules: WriteRules,
    capsys: pytest.CaptureFixture[str],
    stated: str,
    message: str,
) -> None:
    rules = write_rules(acme=acme_rules(f"{{input: {INPUT}, {stated}}}"))
    status = main(["lint", "--rules", str(rules)])
    out = capsys.readouterr().out  # lint lists its findings on stdout, as ruff does
    assert status == 1
    assert f"{rules}/acme.yaml:8:" in out
    assert message in out


def test_the_schema_offers_the_stated_fields() -> None:
    example = failreason.rule_file_schema()["$defs"]["example"]["properties"]
    assert {"input", "reason", "type", "retryable", "rule"} <= set(example)
    assert "tag_unknown" in example["type"]["enum"]


def test_test_prints_a_failing_stated_field(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = write_rules(acme=acme_rules(f"{{input: {INPUT}, retryable: true}}"))
    status = main(["test", str(rules)])
    out = capsys.readouterr().out
    assert status == 1
    assert f"{rules}/acme.yaml:8:9: acme.tag-gone: FAILED: retryable false, expected true" in out
