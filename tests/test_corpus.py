"""The built-in rules on the labelled corpus of real errors, and the isolation of system packs."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

import failreason
from failreason._score import score
from tests.corpus import corpus

# The bar for the built-in packs: at least this share of corpus entries gets an accepted type.
REQUIRED_SHARE = 0.95
ENGINE = failreason.load()
UNKNOWN_SYSTEM = "some_other_system"


def test_corpus_accuracy_meets_the_bar() -> None:
    """At least 95% of the labelled real errors get a type a reader would accept."""
    result = score(ENGINE, corpus().values())
    misses = "\n".join(f"{m.id} {m.system}: {m.got} by {m.rule_id}" for m in result.misses())
    assert result.ratio >= REQUIRED_SHARE, misses


@cache
def every_input() -> tuple[dict[str, Any], ...]:
    """The corpus and every rule example: the errors we know."""
    inputs = [row["input"] for row in corpus().values()]
    inputs += [dict(example.input) for rule in ENGINE.rules for example in rule.examples]
    return tuple(inputs)


@cache
def signals_as_unknown_system() -> tuple[failreason.Signal, ...]:
    """Every known error as if an unpacked system had sent it."""
    return tuple(ENGINE.signal({**raw, "system": UNKNOWN_SYSTEM}) for raw in every_input())


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.id) for r in ENGINE.rules if r.specific])
def test_system_rule_never_fires_for_another_system(rule: failreason.Rule) -> None:
    """A pack's rule ignores every other system's errors, even when the words are the same."""
    assert UNKNOWN_SYSTEM not in rule.systems
    fired = [s.messages for s in signals_as_unknown_system() if rule.matcher.match(s) is not None]
    assert fired == []
