"""Near misses written next to a rule (``not_examples``): inputs the rule must leave alone.

Each may say what must decide it instead, a rule id (``rule``) or a type (``type``); the shared
harness in ``_examples`` runs them with the positive examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from failreason._errors import Location, Problem
from failreason._schema import suggest
from failreason._yaml import DocPath, LocatedDocument


@dataclass(frozen=True)
class NotExample:
    """A near miss the rule must leave alone, with the rule id or type that must decide it."""

    input: Mapping[str, Any]
    rule: str | None
    type: str | None
    location: Location
    number: int  # 1-based, as shown to rule authors


class _HasNearMisses(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def not_examples(self) -> tuple[NotExample, ...]: ...


def read_not_examples(
    doc: LocatedDocument, at: DocPath, data: dict[str, Any]
) -> tuple[NotExample, ...]:
    """The schema-valid ``not_examples`` of the rule at ``at``, located."""
    return tuple(
        NotExample(
            e["input"], e.get("rule"), e.get("type"), doc.locate((*at, "not_examples", i)), i + 1
        )
        for i, e in enumerate(data.get("not_examples", []))
    )


def unknown_rule_problems(rules: Mapping[str, _HasNearMisses]) -> Iterable[Problem]:
    """A near miss's ``rule:`` names a loaded rule, and not the rule it is a near miss of."""
    for rule in rules.values():
        for near in rule.not_examples:
            if near.rule is None:
                continue
            if near.rule == rule.id:
                message = f"not_example {near.number} of rule {rule.id!r} names the rule itself"
                yield Problem(near.location, message, hint="name the rule that must decide it")
            elif near.rule not in rules:
                message = f"not_example {near.number} of rule {rule.id!r}: no rule {near.rule!r}"
                yield Problem(near.location, message, hint=suggest(near.rule, rules))
