"""Shadowing and overlap between rules, read from their examples and their match blocks.

- FR101 unreachable rule: a rule with examples of its own (written under it without
  ``rule:``, or naming it with ``rule:``) that decides none of them. The finding names the
  rules that take them. When a rule of an earlier layer takes them, FR102 says so instead.
- FR102 a rule that takes examples of the rules of a later layer (a user rule taking the
  built-ins' examples): the count, and the ids of the rules whose examples it decides.
- FR103 order decides: an example its own rule A decides is also matched by a rule B tried
  after A, where A and B are of the same layer, both system-specific for a system they share
  or both generic, of the same ``priority``, in different files, and give different types; B
  is no catch-all. Which of them decides rests only on how the two files' names sort, so
  renaming a file changes the answer. Rules of one file are ordered as written, and a
  ``priority`` orders them on purpose: neither is a finding. One finding per pair, at the
  first such example.
- FR105 catch-all not last: a rule whose ``match`` names nothing but ``stage`` and
  ``system`` (``match: {}``, like the built-in fallback) matches every error of its scope
  (its systems, its stages); a rule tried after it whose scope lies inside that scope can
  never decide. The finding names the rules it hides.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

from failreason._findings import (
    CATCH_ALL_NOT_LAST,
    ORDER_DECIDES,
    TAKES_BUILT_IN_EXAMPLES,
    UNREACHABLE_RULE,
    Finding,
)
from failreason._lint_examples import ExampleRun
from failreason._rules import Rule
from failreason._stage_scope import required_stages, shown_stages

_SHOWN_IDS = 5  # rule ids named in one message before "and N more"


def _ids(counted: Iterable[tuple[str, int]]) -> str:
    parts = [f"{rule_id} ({count})" if count > 1 else rule_id for rule_id, count in counted]
    more = len(parts) - _SHOWN_IDS
    return ", ".join(parts[:_SHOWN_IDS]) + (f" and {more} more" if more > 0 else "")


def unreachable(rules: Sequence[Rule], runs: Sequence[ExampleRun]) -> Iterator[Finding]:
    """FR101, for each rule whose own examples all go to other rules of its layer or later."""
    by_id = {rule.id: rule for rule in rules}
    order = {rule.id: index for index, rule in enumerate(rules)}
    own: dict[str, list[ExampleRun]] = defaultdict(list)
    for run in runs:
        own[run.expected].append(run)
    for rule_id, mine in own.items():
        rule = by_id.get(rule_id)
        if rule is None or any(run.decided_by == rule_id for run in mine):
            continue
        takers = Counter(run.decided_by for run in mine)
        if any(_layer(by_id, taker) < rule.layer for taker in takers):
            continue  # an earlier layer's rule took them: FR102, at that rule
        taken = ", ".join(f"{t!r} takes {n}" for t, n in takers.most_common())
        none = "does not decide its only example" if len(mine) == 1 else "decides none of its"
        count = "" if len(mine) == 1 else f" {len(mine)} examples"
        message = f"rule {rule_id!r} {none}{count}: {taken}"
        before = any(order.get(taker, len(rules)) < order[rule_id] for taker in takers)
        hint = (
            "a rule tried before it takes them: narrow that rule, or give this one a higher "
            "priority"
            if before
            else f"its match holds on none of them: `failreason explain --rule {rule_id}` shows why"
        )
        yield Finding(UNREACHABLE_RULE, "warning", rule.location, message, hint)


def _layer(by_id: Mapping[str, Rule], rule_id: str) -> int:
    rule = by_id.get(rule_id)
    return rule.layer if rule is not None else 1 << 30  # the engine's last resort: no layer


def takes_later_examples(
    rules: Sequence[Rule], runs: Sequence[ExampleRun], built_in_layer: int
) -> Iterator[Finding]:
    """FR102, at each rule that decides examples of rules of a later layer."""
    by_id = {rule.id: rule for rule in rules}
    taken: dict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        owner, taker = by_id.get(run.expected), by_id.get(run.decided_by)
        if owner is not None and taker is not None and taker.layer < owner.layer:
            taken[taker.id][owner.id] += 1
    for taker_id, owners in taken.items():
        taker = by_id[taker_id]
        count = sum(owners.values())
        built_in = all(by_id[o].layer == built_in_layer for o in owners)
        whose = "built-in rules" if built_in else "rules of a later rules directory"
        message = (
            f"rule {taker_id!r} takes {count} example{'s' * (count > 1)} of {whose}: "
            f"{_ids(owners.most_common())}"
        )
        hint = (
            "narrow its match (system, status, code, wording) so those rules keep deciding "
            "their errors; `failreason test` lists the examples"
        )
        yield Finding(TAKES_BUILT_IN_EXAMPLES, "warning", taker.location, message, hint)


def is_catch_all(rule: Rule) -> bool:
    """Whether the rule's match names nothing but stage and system: all errors of its scope."""
    return set(rule.match_data) <= {"stage", "system"}


def order_decides(rules: Sequence[Rule], runs: Sequence[ExampleRun]) -> Iterator[Finding]:
    """FR103, once per pair of rules, at the first example of the earlier one."""
    peers: dict[tuple[int, bool, int], list[tuple[int, Rule]]] = defaultdict(list)
    for index, rule in enumerate(rules):
        if not is_catch_all(rule):
            peers[(rule.layer, rule.specific, rule.priority)].append((index, rule))
    order = {rule.id: index for index, rule in enumerate(rules)}
    seen: set[tuple[str, str]] = set()
    for run in runs:
        first = run.rule if run.expected == run.rule.id else None
        if first is None or run.decided_by != first.id:
            continue
        for index, other in peers.get((first.layer, first.specific, first.priority), []):
            if (first.id, other.id) in seen or not _rivals(first, other, order[first.id], index):
                continue
            if other.matcher.match(run.signal) is not None:
                seen.add((first.id, other.id))
                yield _order_finding(run, other)


def _rivals(first: Rule, other: Rule, first_index: int, other_index: int) -> bool:
    return (
        other_index > first_index
        and other.type != first.type
        and other.location.file != first.location.file
        and (not first.specific or bool(first.systems & other.systems))
    )


def _order_finding(run: ExampleRun, other: Rule) -> Finding:
    first = run.rule
    number = first.examples.index(run.example) + 1
    message = (
        f"example {number} of rule {first.id!r} ({first.type}) is also matched by rule "
        f"{other.id!r} ({other.type}) at {other.location}, of the same priority in another "
        "file: only the order of the file names decides which type it gets"
    )
    hint = f"give one of them a priority, or narrow the match of {other.id!r}"
    return Finding(ORDER_DECIDES, "warning", run.example.location, message, hint)


def catch_alls_not_last(rules: Sequence[Rule]) -> Iterator[Finding]:
    """FR105, at each catch-all with rules after it that it leaves nothing to decide."""
    for index, rule in enumerate(rules):
        if not is_catch_all(rule):
            continue
        hidden = [later.id for later in rules[index + 1 :] if _inside(later, rule)]
        if not hidden:
            continue
        systems = ", ".join(sorted(rule.systems)) or "every system"
        stages = _stages(rule)
        scope = f"{systems}, {'every stage' if stages is None else 'at ' + shown_stages(stages)}"
        count = len(hidden)
        message = (
            f"rule {rule.id!r} matches every error of its scope ({scope}) but is not the last "
            f"rule tried there: it hides {count} rule{'s' * (count > 1)}: "
            f"{_ids((rule_id, 1) for rule_id in hidden)}"
        )
        hint = "add conditions to its match, or a priority below theirs (the fallback has -1000)"
        yield Finding(CATCH_ALL_NOT_LAST, "warning", rule.location, message, hint)


def _stages(rule: Rule) -> frozenset[str] | None:
    """The stages a rule can decide at: its stage scope and its match's own ``stage``."""
    needed = required_stages(rule.match_data)
    if rule.stages is None:
        return needed
    return rule.stages if needed is None else rule.stages & needed


def _inside(later: Rule, catch_all: Rule) -> bool:
    """Whether every error ``later`` could match, ``catch_all`` matches: systems and stages."""
    if catch_all.systems and not (later.systems and later.systems <= catch_all.systems):
        return False
    wide, narrow = _stages(catch_all), _stages(later)
    return wide is None or (narrow is not None and narrow <= wide)
