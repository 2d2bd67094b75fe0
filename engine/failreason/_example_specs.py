"""A rule's positive examples as read from its file, and the check that their ``rule:`` exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from failreason._errors import Location, Problem
from failreason._schema import suggest
from failreason._yaml import DocPath, LocatedDocument


@dataclass(frozen=True)
class Example:
    """A raw error a rule must classify, with what it must give: each field stated is checked.

    ``rule`` is the rule that must decide it; None means the rule it is written under.
    """

    input: Mapping[str, Any]
    reason: str | None
    location: Location
    type: str | None = None
    retryable: bool | None = None
    rule: str | None = None


class _HasExamples(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def examples(self) -> tuple[Example, ...]: ...


def read_examples(doc: LocatedDocument, at: DocPath, data: dict[str, Any]) -> tuple[Example, ...]:
    """The schema-valid ``examples`` of the rule at ``at``, located."""
    return tuple(
        Example(
            e["input"],
            e.get("reason"),
            doc.locate((*at, "examples", i)),
            type=e.get("type"),
            retryable=e.get("retryable"),
            rule=e.get("rule"),
        )
        for i, e in enumerate(data.get("examples", []))
    )


def unknown_example_rules(rules: Mapping[str, _HasExamples]) -> list[Problem]:
    """An example's ``rule:`` names a loaded rule: a misspelt one would fail only at test time."""
    return [
        Problem(
            example.location,
            f"example {number} of rule {rule.id!r}: no rule {example.rule!r}",
            hint=suggest(example.rule, rules),
        )
        for rule in rules.values()
        for number, example in enumerate(rule.examples, 1)
        if example.rule is not None and example.rule not in rules
    ]
