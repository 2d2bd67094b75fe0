"""Every example written next to a built-in rule holds: the rule decides it, with its reason."""

from __future__ import annotations

import pytest

import failreason
from failreason._examples import ExampleOutcome, run_examples
from tests.conftest import WriteRules

ENGINE = failreason.load()
OUTCOMES = run_examples(ENGINE)


def test_every_built_in_rule_has_an_example() -> None:
    """A rule without an example is a rule nobody has seen work."""
    assert [rule.id for rule in ENGINE.rules if not rule.examples] == []


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(o, id=f"{o.rule.id}-{'not-' if o.negative else ''}{i}")
        for i, o in enumerate(OUTCOMES)
    ],
)
def test_rule_example(outcome: ExampleOutcome) -> None:
    """An example is decided by its own rule, with its reason; a near miss is not."""
    assert outcome.problem is None, str(outcome)


def test_a_wrong_example_is_reported(write_rules: WriteRules) -> None:
    """The harness catches an example that another rule decides."""
    rules = write_rules(
        acme="""\
rules:
  - id: acme.never
    match: {code: never-sent}
    type: unexpected_failure
    message: never
    examples:
      - input: {status: 429}
"""
    )
    [outcome] = [o for o in run_examples(failreason.load(rules)) if o.rule.id == "acme.never"]
    assert (
        outcome.problem
        == "decided by rule 'generic.rate-limit' (accounting_system_rate_limit), not this one"
    )
