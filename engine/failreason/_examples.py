"""The examples written next to each rule, run by ``failreason test`` and by pytest alike.

A positive example must be decided by its rule (``rule:``, by default the one it is written
under), and give each of ``type``, ``reason`` and ``retryable`` it states; a near miss
(``not_examples``) must not be decided by its rule, and when it names a rule or type, that must
decide it. When the rule that should decide an example matched but its template failed to
render, the failure says so (in production the rule gives way to the next one without a word);
a failing example also lists any other template that failed to render on it, and carries the
why-not tree of the rule that should have decided it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from failreason._engine import Engine, Explanation
from failreason._errors import FailreasonError
from failreason._example_specs import Example
from failreason._not_examples import NotExample
from failreason._rules import Rule
from failreason._why_not import RuleReport, rule_reports


@dataclass(frozen=True)
class ExampleOutcome:
    rule: Rule
    example: Example | NotExample
    problem: str | None  # None when the example holds
    why_not: RuleReport | None = None  # the rule that should have decided, tried on the input
    render_errors: tuple[str, ...] = ()  # templates that failed on this input, by rule

    @property
    def passed(self) -> bool:
        return self.problem is None

    @property
    def negative(self) -> bool:
        """Whether this is a near miss the rule must leave alone."""
        return isinstance(self.example, NotExample)

    @property
    def file(self) -> str:
        return self.example.location.file

    def __str__(self) -> str:
        verdict = "ok" if self.problem is None else f"FAILED: {self.problem}"
        return f"{self.example.location}: {self.rule.id}: {verdict}"

    def details(self) -> list[str]:
        """The outcome's line, the templates that failed to render, then the why-not tree."""
        tree = self.why_not.lines() if self.why_not is not None else []
        notes = [f"  note: {error}" for error in self.render_errors]
        return [str(self), *notes, *("    " + line for line in tree)]


@dataclass(frozen=True)
class Selection:
    """Which examples to run: all when every filter is empty."""

    paths: Sequence[str | os.PathLike[str]] = ()  # rule files or directories
    rule_ids: Collection[str] = ()
    systems: Collection[str] = ()

    def takes(self, engine: Engine, rule: Rule) -> bool:
        if self.rule_ids and rule.id not in self.rule_ids:
            return False
        if self.systems and not (rule.systems & {s.casefold() for s in self.systems}):
            return False
        if not self.paths:
            return True
        file = engine.rule_path(rule)  # compared on disk: "rules/" may name two directories
        return file is not None and any(_under(file, Path(p)) for p in self.paths)


def _under(file: Path, path: Path) -> bool:
    return file.resolve().is_relative_to(path.resolve())


def run_examples(engine: Engine, selection: Selection | None = None) -> list[ExampleOutcome]:
    """Classify every selected rule's examples, then its near misses, rule by rule."""
    chosen = selection or Selection()
    outcomes: list[ExampleOutcome] = []
    for rule in engine.rules:
        if not chosen.takes(engine, rule):
            continue
        outcomes.extend(_run(engine, rule, example) for example in rule.examples)
        outcomes.extend(_run_near_miss(engine, rule, near) for near in rule.not_examples)
    return outcomes


def _explain(engine: Engine, example: Example | NotExample) -> Explanation | str:
    try:
        return engine.explain(dict(example.input))
    except FailreasonError as exc:
        return f"the input is not a valid raw error: {exc}"


def _render_errors(explanation: Explanation) -> dict[str, str]:
    """Rule id → why its template failed to render on this input."""
    return {step.rule.id: step.error for step in explanation.steps if step.error is not None}


def _failed(
    rule: Rule,
    example: Example | NotExample,
    problems: list[str],
    explanation: Explanation,
    why: RuleReport | None,
) -> ExampleOutcome:
    errors = _render_errors(explanation)
    if why is not None:
        errors.pop(why.rule.id, None)  # its tree's verdict says so already
    notes = tuple(f"the template of rule {r!r} failed to render: {e}" for r, e in errors.items())
    return ExampleOutcome(rule, example, "; ".join(problems), why, notes)


def _run(engine: Engine, rule: Rule, example: Example) -> ExampleOutcome:
    explanation = _explain(engine, example)
    if isinstance(explanation, str):
        return ExampleOutcome(rule, example, explanation)
    expected = example.rule or rule.id
    result = explanation.result
    problems: list[str] = []
    if result.rule_id != expected:
        named = "this one" if expected == rule.id else repr(expected)
        decided = f"{result.rule_id!r} ({result.failure_reason_type})"
        own_error = _render_errors(explanation).get(expected)
        if own_error is not None:
            named = f"{named}, whose template failed to render: {own_error}"
        problems.append(f"decided by rule {decided}, not {named}")
    else:
        stated = (
            ("type", example.type, result.failure_reason_type),
            ("reason", example.reason, result.failure_reason),
            ("retryable", example.retryable, result.retryable),
        )
        problems.extend(
            f"{name} {_shown(got)}, expected {_shown(want)}"
            for name, want, got in stated
            if want is not None and got != want
        )
    if not problems:
        return ExampleOutcome(rule, example, None)
    why = rule_reports(engine, explanation, expected)[0] if result.rule_id != expected else None
    return _failed(rule, example, problems, explanation, why)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _run_near_miss(engine: Engine, rule: Rule, near: NotExample) -> ExampleOutcome:
    explanation = _explain(engine, near)
    if isinstance(explanation, str):
        return ExampleOutcome(rule, near, explanation)
    result = explanation.result
    label = f"not_example {near.number} of rule {rule.id}"
    decided = f"{result.rule_id!r} ({result.failure_reason_type})"
    problems: list[str] = []
    tree_of: str | None = None
    if result.rule_id == rule.id:
        problems.append(f"{label} was decided by it")
        tree_of = rule.id  # why it held, condition by condition
    elif near.rule is not None and result.rule_id != near.rule:
        problems.append(f"{label} was decided by {decided}, not {near.rule!r}")
        tree_of = near.rule
    elif near.type is not None and result.failure_reason_type != near.type:
        problems.append(f"{label} was decided by {decided}, not as {near.type}")
    if not problems:
        return ExampleOutcome(rule, near, None)
    why = rule_reports(engine, explanation, tree_of)[0] if tree_of is not None else None
    return _failed(rule, near, problems, explanation, why)
