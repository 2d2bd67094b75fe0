"""The examples written next to each rule, run by ``failreason test`` and by pytest alike."""

from __future__ import annotations

from dataclasses import dataclass

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._rules import Example, Rule


@dataclass(frozen=True)
class ExampleOutcome:
    rule: Rule
    example: Example
    problem: str | None  # None when the example holds

    @property
    def passed(self) -> bool:
        return self.problem is None

    def __str__(self) -> str:
        verdict = "ok" if self.problem is None else f"FAILED: {self.problem}"
        return f"{self.example.location}: {self.rule.id}: {verdict}"


def run_examples(engine: Engine) -> list[ExampleOutcome]:
    """Classify every rule's examples; each must be decided by its own rule, with its reason."""
    return [_run(engine, rule, example) for rule in engine.rules for example in rule.examples]


def _run(engine: Engine, rule: Rule, example: Example) -> ExampleOutcome:
    try:
        result = engine.classify(dict(example.input))
    except FailreasonError as exc:
        return ExampleOutcome(rule, example, f"the input is not a valid raw error: {exc}")
    if result.rule_id != rule.id:
        problem = f"decided by rule {result.rule_id!r} ({result.failure_reason_type}), not this one"
        return ExampleOutcome(rule, example, problem)
    if example.reason is not None and result.failure_reason != example.reason:
        problem = f"reason {result.failure_reason!r}, expected {example.reason!r}"
        return ExampleOutcome(rule, example, problem)
    return ExampleOutcome(rule, example, None)
