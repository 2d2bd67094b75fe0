"""The rule index: of an ordered rule set, only the rules that can decide a signal, in order.

First match wins, so skipping a rule that cannot match changes nothing, as long as the
rules left keep their order. What a rule cannot do without is read from its matcher once:

- **key tests**, which every top-level part of a rule needs: ``system``, ``stage`` and
  ``status`` (the file's ``system:`` and the stage scope are such parts too). The signal's
  system, stage and status class (statuses between the same range bounds) form a key; each
  key's rules are listed once, on first sight, in rule order.
- **a gate**, one condition the rule cannot hold without, written as atoms of which one
  must fire: a ``regex`` or ``contains`` pattern found in the message text or its words by
  the key's pattern set (``_prefilter``), a ``code`` among the signal's codes, or a key
  test (inside ``any``). A rule without one is tried on every signal of its key. A
  ``concept`` gates on its object words alone: its whole pattern (every state word, in
  every language, between Unicode word edges) takes RE2 ten times longer to compile into
  a set than all the other patterns together.

``candidates`` yields a key's ungated rules merged, in rule order, with its gated rules
whose gate fired; each is then tried with its own matcher, which confirms and captures.
A key's pattern set is compiled the first time the key is seen, from its gated rules'
patterns only (keys with the same patterns share one).
``Engine(indexed=False)`` tries every rule instead: the reference this must agree with
(tests/test_index_agrees.py).
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from failreason._concepts import Concept
from failreason._match import All, AnyOf, Captures, Contains, Matcher, Matches, OneOf, StatusIn
from failreason._prefilter import PatternSet, literal_pattern
from failreason._signal import Signal

if TYPE_CHECKING:
    from failreason._rules import Rule

KeyTest = tuple[str, Any]  # ("system" | "stage", frozenset[str]) or ("status", ranges)
Atom = tuple[str, Any]  # ("pattern", id), ("code", folded code) or ("key", KeyTest)
Gate = frozenset[Atom]
Key = tuple[str | None, str | None, int | None]  # system, stage, status (None: none known)

WARM_UP = 32
"""Classifications walked rule by rule before the index is built. Building it (pattern sets
compiled by RE2, about 0.1 ms a pattern) costs the built-in rules ~40 ms, the time of some
60 plain walks: a command that classifies one error should not pay it."""


@dataclass(frozen=True)
class _Needs:
    """What a matcher cannot hold without: every key test, and each gate."""

    keys: tuple[KeyTest, ...]
    gates: tuple[Gate, ...]


@dataclass(frozen=True)
class _Entry:
    keys: tuple[KeyTest, ...]
    gate: Gate | None  # None: tried whatever the text and codes say
    checks: tuple[Matcher, ...]  # the top-level parts left once the keys hold, in order


@dataclass(frozen=True)
class _Plan:
    """One key's rules, by position: those always tried and those a fired gate lets in."""

    always: tuple[int, ...]
    every: tuple[int, ...]  # gated ones too, in order: for when the pattern set cannot answer
    patterns: PatternSet | None  # the gated rules' patterns
    by_pattern: tuple[tuple[int, ...], ...]  # a pattern's place in the set → rules it lets in
    by_code: Mapping[str, tuple[int, ...]]  # a folded code → rules it lets in


class RuleIndex:
    """The index of ``rules`` (in first-match order); built on first use.

    It pickles as its rules alone and builds again after unpickling: compiled pattern sets
    are RE2's and cannot be pickled.
    """

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self._rules = rules
        self._lock = threading.Lock()
        self._built = False
        self._calls = 0  # calls of matches() before the index was built
        self._plans: dict[tuple[str | None, str | None, int], _Plan] = {}
        self._sets: dict[tuple[int, ...], PatternSet] = {}  # keys with the same patterns share

    def __reduce__(self) -> tuple[type[RuleIndex], tuple[tuple[Rule, ...]]]:
        return RuleIndex, (self._rules,)

    def candidates(self, signal: Signal) -> Iterator[Rule]:
        """The rules that may match ``signal``, in order; every rule that matches is among them."""
        rules = self._rules
        for position in self._positions(signal):
            yield rules[position]

    def matches(self, signal: Signal, *, now: bool = False) -> Iterator[tuple[Rule, Captures]]:
        """The rules that match ``signal``, in order, each with what it captured.

        Each candidate is checked with its matcher's top-level parts but those its key
        already settled (system, stage, status), which capture nothing. The first
        ``WARM_UP`` calls walk every rule instead, unless ``now``: see ``WARM_UP``.
        """
        if not self._built and not now:
            self._calls += 1
            if self._calls <= WARM_UP:
                return self._walk(signal)
        return self._indexed_matches(signal)

    def _walk(self, signal: Signal) -> Iterator[tuple[Rule, Captures]]:
        for rule in self._rules:
            captures = rule.matcher.match(signal)
            if captures is not None:
                yield rule, captures

    def _indexed_matches(self, signal: Signal) -> Iterator[tuple[Rule, Captures]]:
        positions = self._positions(signal)  # builds the index on first use
        rules, entries = self._rules, self._entries
        for position in positions:
            captures: Captures = {}
            for part in entries[position].checks:
                found = part.match(signal)
                if found is None:
                    break
                if found:
                    captures.update(found)
            else:
                yield rules[position], captures

    def _positions(self, signal: Signal) -> Iterable[int]:
        plan = self._plan(signal)
        if plan.every is plan.always:
            return plan.always
        fired = self._fired(signal, plan)
        if fired is None:
            return plan.every
        if not plan.always or not fired:
            return fired or plan.always
        return heapq.merge(plan.always, fired)

    def _build(self) -> None:
        self._patterns: dict[str, int] = {}
        self._entries = tuple(_entry(rule.matcher, self._patterns) for rule in self._rules)
        self._pattern_texts = tuple(self._patterns)  # id → pattern
        named: dict[str, set[Any]] = {"system": set(), "stage": set(), "status": set()}
        for entry in self._entries:
            gate_tests = (value for kind, value in entry.gate or () if kind == "key")
            for kind, value in (*entry.keys, *gate_tests):
                named[kind].update(value)
        self._systems = frozenset(named["system"])
        self._stages = frozenset(named["stage"])
        edges = {edge for r in named["status"] for edge in (r.low, r.high + 1)}
        self._bounds = tuple(sorted(edges))
        self._built = True

    def _plan(self, signal: Signal) -> _Plan:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._build()
        system = signal.system.casefold() if signal.system is not None else None
        stage = signal.stage.casefold() if signal.stage is not None else None
        status = signal.status
        # Values no rule names behave like none; statuses between two bounds behave alike.
        memo = (
            system if system in self._systems else None,
            stage if stage in self._stages else None,
            -1 if status is None else bisect_right(self._bounds, status),
        )
        plan = self._plans.get(memo)
        if plan is None:
            with self._lock:
                plan = self._plans[memo] = self._new_plan((memo[0], memo[1], status))
        return plan

    def _new_plan(self, key: Key) -> _Plan:
        always: list[int] = []
        by_pattern: dict[int, list[int]] = {}
        by_code: dict[str, list[int]] = {}
        for position, entry in enumerate(self._entries):
            if not all(_holds(test, key) for test in entry.keys):
                continue
            gate = entry.gate
            if gate is None or any(k == "key" and _holds(v, key) for k, v in gate):
                always.append(position)
                continue
            # Key atoms that do not hold drop out: a gate of those alone never opens.
            for kind, value in gate:
                if kind != "key":
                    lists = by_pattern if kind == "pattern" else by_code
                    lists.setdefault(value, []).append(position)
        gated = {p for positions in (*by_pattern.values(), *by_code.values()) for p in positions}
        if not gated:
            return _Plan(tuple(always), tuple(always), None, (), {})
        ids = tuple(sorted(by_pattern))
        return _Plan(
            tuple(always),
            tuple(sorted({*always, *gated})),
            self._pattern_set(ids) if ids else None,
            tuple(tuple(by_pattern[i]) for i in ids),
            {code: tuple(positions) for code, positions in by_code.items()},
        )

    def _pattern_set(self, ids: tuple[int, ...]) -> PatternSet:
        found = self._sets.get(ids)
        if found is None:
            found = self._sets[ids] = PatternSet([self._pattern_texts[i] for i in ids])
        return found

    def _fired(self, signal: Signal, plan: _Plan) -> list[int] | None:
        """The gated rules of ``plan`` whose gate fired, in order; None: any may have."""
        positions: set[int] = set()
        if plan.patterns is not None:
            texts = (signal.text.encoded, signal.words.encoded)
            found = plan.patterns.found(texts if signal.words.folded else texts[:1])
            if found is None:
                return None
            for place in found:
                positions.update(plan.by_pattern[place])
        for code in signal.codes:
            positions.update(plan.by_code.get(code.casefold(), ()))
        return sorted(positions)


def _holds(test: KeyTest, key: Key) -> bool:
    kind, value = test
    if kind == "status":
        status = key[2]
        return status is not None and any(r.low <= status <= r.high for r in value)
    return (key[0] if kind == "system" else key[1]) in value


def _entry(matcher: Matcher, patterns: dict[str, int]) -> _Entry:
    needs = _needs(matcher, patterns)
    checks = tuple(part for part in _conjuncts(matcher) if not _key_test(part))
    return _Entry(needs.keys, _best(needs.gates) if needs.gates else None, checks)


def _key_test(part: Matcher) -> bool:
    return isinstance(part, StatusIn) or (isinstance(part, OneOf) and part.key != "code")


def _conjuncts(matcher: Matcher) -> Iterator[Matcher]:
    if isinstance(matcher, All):
        for part in matcher.parts:
            yield from _conjuncts(part)
    else:
        yield matcher


def _needs(matcher: Matcher, patterns: dict[str, int]) -> _Needs:
    """The key tests and gates of ``matcher``'s top-level parts (``not`` and fields give none)."""
    keys: list[KeyTest] = []
    gates: list[Gate | None] = []
    for part in _conjuncts(matcher):
        if isinstance(part, OneOf) and part.key == "code":
            gates.append(frozenset(("code", value) for value in part.values))
        elif isinstance(part, OneOf):
            keys.append((part.key, part.values))
        elif isinstance(part, StatusIn):
            keys.append(("status", part.ranges))
        elif isinstance(part, Matches):
            gates.append(_pattern_gate((r.folded_pattern for r in part.regexes), patterns))
        elif isinstance(part, Contains):
            gates.append(_pattern_gate(map(literal_pattern, part.needles), patterns))
        elif isinstance(part, Concept) and part.object_words:
            gates.append(_pattern_gate([part.object_words], patterns))
        elif isinstance(part, AnyOf):
            gates.append(_any_gate(part, patterns))
    return _Needs(tuple(keys), tuple(gate for gate in gates if gate is not None))


def _pattern_gate(folded: Iterable[str], patterns: dict[str, int]) -> Gate:
    """Any of the patterns, each given an id in ``patterns`` (one per distinct pattern)."""
    return frozenset(("pattern", patterns.setdefault(p, len(patterns))) for p in folded)


def _any_gate(matcher: AnyOf, patterns: dict[str, int]) -> Gate | None:
    """One necessary condition of each alternative, any of which must hold."""
    atoms: set[Atom] = set()
    for alternative in matcher.parts:
        needs = _needs(alternative, patterns)
        if needs.gates:
            atoms |= _best(needs.gates)
        elif needs.keys:
            atoms.add(("key", needs.keys[0]))
        else:
            return None
    return frozenset(atoms)


def _best(gates: tuple[Gate, ...]) -> Gate:
    """The gate that lets fewest rules through: codes before patterns, key tests last."""

    def cost(gate: Gate) -> tuple[int, int, int]:
        kinds = {kind for kind, _ in gate}
        return ("key" in kinds, "pattern" in kinds, len(gate))

    return min(gates, key=cost)
