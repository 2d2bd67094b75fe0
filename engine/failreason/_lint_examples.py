"""Every rule example classified once, for the lint checks that reason about who decides what.

``failreason test`` says whether each example holds; lint asks what the examples say about
the rules together: which rule takes each one (FR101, FR102), which other rules match it too
(FR103), and what the bodies of a system's examples look like (FR106).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failreason._engine import Engine
from failreason._errors import FailreasonError, Location
from failreason._example_specs import Example
from failreason._rules import Rule
from failreason._signal import Signal


@dataclass(frozen=True)
class ExampleRun:
    """A positive example, the rule that should decide it, and the rule that did."""

    rule: Rule  # the rule it is written under
    example: Example
    signal: Signal
    decided_by: str

    @property
    def expected(self) -> str:
        return self.example.rule or self.rule.id


@dataclass(frozen=True)
class Sample:
    """The signal of one example or near miss, and where it is written."""

    signal: Signal
    location: Location


@dataclass(frozen=True)
class ExampleRuns:
    runs: list[ExampleRun]
    samples: list[Sample]  # every example and near miss that is a valid raw error


def run_all(engine: Engine) -> ExampleRuns:
    """Classify each example (and read each near miss's signal) of every rule, once."""
    runs: list[ExampleRun] = []
    samples: list[Sample] = []
    for rule in engine.rules:
        for example in rule.examples:
            try:
                explanation = engine.explain(dict(example.input))
            except FailreasonError:
                continue  # `failreason test` reports an input that is no raw error
            samples.append(Sample(explanation.signal, example.location))
            runs.append(ExampleRun(rule, example, explanation.signal, explanation.result.rule_id))
        for near in rule.not_examples:
            signal = _signal(engine, near.input)
            if signal is not None:
                samples.append(Sample(signal, near.location))
    return ExampleRuns(runs, samples)


def _signal(engine: Engine, raw: Mapping[str, Any]) -> Signal | None:
    try:
        return engine.signal(dict(raw))
    except FailreasonError:
        return None
