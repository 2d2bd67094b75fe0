"""Near misses (`not_examples`) run through the shared harness, and are checked when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import failreason
from failreason._cli import main
from failreason._examples import ExampleOutcome, run_examples
from tests.conftest import WriteRules
from tests.test_rule_files import problems_of

RULES_DIR = Path(__file__).parent.parent / "rules"

ACME = """\
rules:
  - id: acme.rate
    match: {system: acme, regex: 'rate'}
    type: accounting_system_rate_limit
    template: rate_limit
    examples:
      - input: {system: acme, body: "rate limit"}
    not_examples:
NEAR
"""


def acme_outcomes(rules: Path) -> list[ExampleOutcome]:
    return [o for o in run_examples(failreason.load(rules)) if o.rule.id == "acme.rate"]


def near_miss(rules: Path) -> ExampleOutcome:
    [outcome] = [o for o in acme_outcomes(rules) if o.negative]
    return outcome


def test_a_near_miss_the_rule_decides_is_reported(write_rules: WriteRules) -> None:
    """The harness names the near miss by number and its rule."""
    rules = write_rules(
        acme=ACME.replace("NEAR", '      - input: {system: acme, body: "Tax rate 25% is invalid"}')
    )
    assert near_miss(rules).problem == "not_example 1 of rule acme.rate was decided by it"


def test_a_near_miss_left_alone_holds(write_rules: WriteRules) -> None:
    """A near miss another rule decides, with nothing more asked, passes."""
    rules = write_rules(
        acme=ACME.replace("NEAR", '      - input: {system: acme, body: "Konto 4000 saknas"}')
    )
    assert near_miss(rules).passed


def test_a_near_miss_names_the_rule_that_must_decide_it(write_rules: WriteRules) -> None:
    """With `rule:`, another rule deciding is not enough: it must be that one."""
    line = '      - {input: {system: acme, status: 504, body: "x"}, rule: generic.unreachable}'
    rules = write_rules(acme=ACME.replace("NEAR", line))
    assert near_miss(rules).problem == (
        "not_example 1 of rule acme.rate was decided by 'generic.timeout' "
        "(accounting_system_timeout), not 'generic.unreachable'"
    )


def test_a_near_miss_names_the_type_it_must_get(write_rules: WriteRules) -> None:
    """With `type:`, the deciding rule must give that failureReasonType."""
    line = (
        '      - {input: {system: acme, status: 504, body: "x"}, '
        "type: accounting_system_unreachable}"
    )
    rules = write_rules(acme=ACME.replace("NEAR", line))
    assert near_miss(rules).problem == (
        "not_example 1 of rule acme.rate was decided by 'generic.timeout' "
        "(accounting_system_timeout), not as accounting_system_unreachable"
    )


def test_a_near_miss_naming_an_unknown_rule_is_a_load_problem(write_rules: WriteRules) -> None:
    """A misspelt rule id in `rule:` is located, with a "did you mean"."""
    line = "      - {input: {status: 504}, rule: generic.timout}"
    rules = write_rules(acme=ACME.replace("NEAR", line))
    [problem] = problems_of(rules)
    assert problem == (
        f"{rules}/acme.yaml:9:9: not_example 1 of rule 'acme.rate': no rule 'generic.timout'; "
        "did you mean 'generic.timeout'?"
    )


def test_a_near_miss_naming_its_own_rule_is_a_load_problem(write_rules: WriteRules) -> None:
    """A near miss that must be decided by the rule it is a near miss of contradicts itself."""
    rules = write_rules(
        acme=ACME.replace("NEAR", "      - {input: {status: 504}, rule: acme.rate}")
    )
    [problem] = problems_of(rules)
    assert "not_example 1 of rule 'acme.rate' names the rule itself" in problem


def test_a_near_miss_with_an_unknown_type_suggests_one(write_rules: WriteRules) -> None:
    """`type:` is one of Pleo's item types, checked by the schema."""
    line = "      - {input: {status: 504}, type: accounting_system_timeuot}"
    rules = write_rules(acme=ACME.replace("NEAR", line))
    [problem] = problems_of(rules)
    assert "unknown failureReasonType 'accounting_system_timeuot'" in problem
    assert "did you mean 'accounting_system_timeout'?" in problem


def test_the_test_command_reports_a_near_miss(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """`failreason test` prints the failed near miss with its place and counts it."""
    rules = write_rules(
        acme=ACME.replace("NEAR", '      - input: {system: acme, body: "Interest rate 4%"}')
    )
    status = main(["test", "--rules", str(rules)])
    out = capsys.readouterr().out
    assert status != 0
    assert f"{rules}/acme.yaml:9:9: acme.rate: FAILED: not_example 1 of rule acme.rate" in out
    assert out.splitlines()[-1].endswith(" passed, 1 failed")


@pytest.mark.parametrize("name", ["generic", "common", "generic_objects", "validation"])
def test_every_generic_rule_has_three_near_misses(name: str) -> None:
    """The generic layer decides for systems without a pack: each rule says what it leaves alone."""
    data = yaml.safe_load((RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    few = {rule["id"]: len(rule.get("not_examples", [])) for rule in data["rules"]}
    assert {rule: count for rule, count in few.items() if count < 3} == {}
