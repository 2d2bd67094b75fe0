"""``failreason coverage``: which rules a file of unlabelled errors reaches, and what falls through.

Each envelope is classified as ``classify`` would; the tally says how often each rule decided,
which rules never did (grouped by the file they live in), what share of each system's errors
the fallback decided, and which fallback messages come back most often. Messages are counted
by their shape (numbers, ids and quoted values masked), so "Account 4000 not found" and
"Account 4010 not found" count as one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._jsonl import BadLine, json_lines
from failreason._lazy_re import lazy_compile
from failreason._result import Classification
from failreason._signal import Signal

# The built-in catch-all, and the engine's answer when even it could not render.
FALLBACK_RULES = frozenset({"fallback", "failreason.last-resort"})
NO_SYSTEM = "(none)"
NO_MESSAGE = "(no message)"
WILDCARD = "<*>"
TOP_MESSAGES = 20

_QUOTED = lazy_compile(r"""'[^']*'|"[^"]*"|\u2018[^\u2019]*\u2019|\u201c[^\u201d]*\u201d""")
_HAS_DIGIT = lazy_compile(r"\S*\d\S*")


def mask(message: str) -> str:
    """``message`` with its variable parts (quoted values, tokens with digits) as ``<*>``."""
    masked = _HAS_DIGIT.sub(WILDCARD, _QUOTED.sub(WILDCARD, message))
    return " ".join(masked.split())


@dataclass(frozen=True)
class Decided:
    """One envelope as classified: its system (as the engine read it), messages and result."""

    line: int
    envelope: dict[str, Any]
    signal: Signal
    result: Classification

    @property
    def fell_through(self) -> bool:
        return self.result.rule_id in FALLBACK_RULES

    @property
    def system(self) -> str:
        return self.signal.system or NO_SYSTEM

    @property
    def message(self) -> str:
        return "\n".join(self.signal.messages)


def decide_all(engine: Engine, name: str, bad: dict[int, str]) -> Iterator[Decided]:
    """Each envelope of ``name`` classified; a line with no answer goes to ``bad`` instead."""
    for number, value in json_lines(name):
        if isinstance(value, BadLine):
            bad[number] = value.message
        elif not isinstance(value, dict):
            bad[number] = "expected a JSON object (a raw-error envelope)"
        else:
            try:
                yield Decided(number, value, engine.signal(value), engine.classify(value))
            except FailreasonError as exc:
                bad[number] = str(exc)


@dataclass
class Coverage:
    """The tally of one run; ``to_json`` and ``format_coverage`` are its two reporters."""

    errors: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    never_hit: dict[str, list[str]] = field(default_factory=dict)  # file → rule ids
    # file → the systems its rules are for, None when one of them is generic (text view only)
    rule_files: dict[str, frozenset[str] | None] = field(default_factory=dict)
    per_system: dict[str, list[int]] = field(default_factory=dict)  # system → [fallback, all]
    fallback_messages: Counter[str] = field(default_factory=Counter)
    bad_lines: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "errors": self.errors,
            "hits": dict(self.hits.most_common()),
            "never_hit": self.never_hit,
            "fallback_by_system": {
                system: {"fallback": fell, "errors": total, "share": round(fell / total, 4)}
                for system, (fell, total) in sorted(self.per_system.items())
            },
            "fallback_messages": [
                {"message": message, "count": count}
                for message, count in self.fallback_messages.most_common(TOP_MESSAGES)
            ],
            "bad_lines": [{"line": n, "error": why} for n, why in sorted(self.bad_lines.items())],
        }


def coverage(engine: Engine, name: str) -> Coverage:
    """Classify every envelope of ``name`` (``-``: stdin) and tally what decided it."""
    tally = Coverage()
    per_system: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for decided in decide_all(engine, name, tally.bad_lines):
        tally.errors += 1
        tally.hits[decided.result.rule_id] += 1
        counts = per_system[decided.system]
        counts[1] += 1
        if decided.fell_through:
            counts[0] += 1
            tally.fallback_messages[mask(decided.message) or NO_MESSAGE] += 1
    tally.per_system = dict(per_system)
    tally.never_hit = _never_hit(engine, tally.hits)
    tally.rule_files = _rule_files(engine)
    return tally


def _rule_files(engine: Engine) -> dict[str, frozenset[str] | None]:
    files: dict[str, frozenset[str] | None] = {}
    for rule in engine.rules:
        file = rule.location.file
        known = files.get(file, frozenset())
        if not rule.systems or known is None:
            files[file] = None
        else:
            files[file] = known | rule.systems
    return files


def _never_hit(engine: Engine, hits: Counter[str]) -> dict[str, list[str]]:
    by_file: dict[str, list[str]] = defaultdict(list)
    for rule in engine.rules:
        if rule.id not in hits and rule.id not in FALLBACK_RULES:
            by_file[rule.location.file].append(rule.id)
    return dict(sorted(by_file.items()))


def format_coverage(tally: Coverage) -> str:
    """The tally as tables a person reads."""
    lines = [f"{tally.errors} errors classified, {len(tally.bad_lines)} lines unreadable", ""]
    lines += ["hits  rule", *(f"{n:>4}  {rule}" for rule, n in tally.hits.most_common()), ""]
    lines += ["fallback share by system", *_shares(tally.per_system), ""]
    lines.append(f"most frequent fallback messages (top {TOP_MESSAGES}, <*> marks a value)")
    lines += [f"{n:>4}  {m}" for m, n in tally.fallback_messages.most_common(TOP_MESSAGES)]
    if not tally.fallback_messages:
        lines.append("     (none: every error was decided by a rule before the fallback)")
    never = sum(len(ids) for ids in tally.never_hit.values())
    lines += ["", f"rules never hit: {never}"]
    shown = _files_in_play(tally)
    for file, ids in tally.never_hit.items():
        if file in shown:
            lines.append(f"  {file}: {', '.join(ids)}")
    hidden = sum(len(ids) for file, ids in tally.never_hit.items() if file not in shown)
    if hidden:  # a pack for a system the file has no error of: listing it helps nobody
        lines.append(
            f"  and {hidden} more, in packs for systems not in the input (all: --format json)"
        )
    if tally.bad_lines:
        lines += ["", "unreadable lines"]
        lines += [f"  line {n}: {why}" for n, why in sorted(tally.bad_lines.items())]
    return "\n".join(lines) + "\n"


def _files_in_play(tally: Coverage) -> set[str]:
    """Files with a rule that decided, or a rule for no system or a system of the input."""
    return {
        file
        for file, systems in tally.rule_files.items()
        if systems is None or systems & tally.per_system.keys()
    }


def _shares(per_system: dict[str, list[int]]) -> Iterable[str]:
    for system, (fell, total) in sorted(per_system.items()):
        yield f"  {system:<24}{fell:>5}/{total:<5}{100 * fell / total:6.1f}%"
