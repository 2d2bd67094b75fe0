"""The examples written next to each rule, run by ``failreason test`` and by pytest alike.

A positive example must be decided by its own rule, with its reason; a near miss
(``not_examples``) must not be, and when it names a rule or type, that must decide it.
"""

from __future__ import annotations

from dataclasses import dataclass

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._not_examples import NotExample
from failreason._result import Classification
from failreason._rules import Example, Rule


@dataclass(frozen=True)
class ExampleOutcome:
    rule: Rule
    example: Example | NotExample
    problem: str | None  # None when the example holds

    @property
    def passed(self) -> bool:
        return self.problem is None

    @property
    def negative(self) -> bool:
        """Whether this is a near miss the rule must leave alone."""
        return isinstance(self.example, NotExample)

    def __str__(self) -> str:
        verdict = "ok" if self.problem is None else f"FAILED: {self.problem}"
        return f"{self.example.location}: {self.rule.id}: {verdict}"


def run_examples(engine: Engine) -> list[ExampleOutcome]:
    """Classify every rule's examples, then its near misses, rule by rule."""
    outcomes: list[ExampleOutcome] = []
    for rule in engine.rules:
        outcomes.extend(_run(engine, rule, example) for example in rule.examples)
        outcomes.extend(_run_near_miss(engine, rule, near) for near in rule.not_examples)
    return outcomes


def _classify(engine: Engine, example: Example | NotExample) -> Classification | str:
    try:
        return engine.classify(dict(example.input))
    except FailreasonError as exc:
        return f"the input is not a valid raw error: {exc}"


def _run(engine: Engine, rule: Rule, example: Example) -> ExampleOutcome:
    result = _classify(engine, example)
    if isinstance(result, str):
        return ExampleOutcome(rule, example, result)
    if result.rule_id != rule.id:
        problem = f"decided by rule {result.rule_id!r} ({result.failure_reason_type}), not this one"
        return ExampleOutcome(rule, example, problem)
    if example.reason is not None and result.failure_reason != example.reason:
        problem = f"reason {result.failure_reason!r}, expected {example.reason!r}"
        return ExampleOutcome(rule, example, problem)
    return ExampleOutcome(rule, example, None)


def _run_near_miss(engine: Engine, rule: Rule, near: NotExample) -> ExampleOutcome:
    result = _classify(engine, near)
    if isinstance(result, str):
        return ExampleOutcome(rule, near, result)
    label = f"not_example {near.number} of rule {rule.id}"
    decided = f"{result.rule_id!r} ({result.failure_reason_type})"
    if result.rule_id == rule.id:
        return ExampleOutcome(rule, near, f"{label} was decided by it")
    if near.rule is not None and result.rule_id != near.rule:
        return ExampleOutcome(rule, near, f"{label} was decided by {decided}, not {near.rule!r}")
    if near.type is not None and result.failure_reason_type != near.type:
        problem = f"{label} was decided by {decided}, not as {near.type}"
        return ExampleOutcome(rule, near, problem)
    return ExampleOutcome(rule, near, None)
