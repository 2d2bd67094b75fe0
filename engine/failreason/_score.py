"""Score the engine on labelled errors: how often the type given is one a reader would accept.

A labelled line is ``{"id": ..., "input": <envelope>, "expected": TYPE, "accept": [TYPE, ...]}``
(``accept`` defaults to ``[expected]``; one TYPE alone is read as a list of one), the format
of the shared error corpus. An optional ``"captures": {name: value}`` labels the identifiers
the error is about; those the error's own text names are checked against the reason, since a
bookkeeper can only fix "Account 4010" if the reason says 4010.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from failreason._engine import Engine
from failreason._errors import FailreasonError


@dataclass(frozen=True)
class Named:
    """A labelled identifier the error's text names, and whether the reason names it too."""

    name: str
    value: str
    in_reason: bool


@dataclass(frozen=True)
class Scored:
    id: str
    system: str
    accept: tuple[str, ...]
    got: str
    rule_id: str
    reason: str
    named: tuple[Named, ...] = field(default=())

    @property
    def hit(self) -> bool:
        return self.got in self.accept


@dataclass(frozen=True)
class Score:
    entries: tuple[Scored, ...]

    @property
    def hits(self) -> int:
        return sum(entry.hit for entry in self.entries)

    @property
    def ratio(self) -> float:
        return self.hits / len(self.entries) if self.entries else 1.0

    def by_system(self) -> dict[str, tuple[int, int]]:
        """System → (hits, entries), systems sorted by name."""
        table: dict[str, tuple[int, int]] = {}
        for entry in sorted(self.entries, key=lambda e: e.system):
            hits, total = table.get(entry.system, (0, 0))
            table[entry.system] = (hits + entry.hit, total + 1)
        return table

    def misses(self) -> list[Scored]:
        return [entry for entry in self.entries if not entry.hit]

    def identifiers(self) -> tuple[int, int]:
        """(named in the reason, named in the error) over the labelled captures."""
        named = [n for entry in self.entries for n in entry.named]
        return sum(n.in_reason for n in named), len(named)

    def dropped(self) -> list[tuple[Scored, Named]]:
        """Identifiers the error named and the reason left out."""
        return [(e, n) for e in self.entries for n in e.named if not n.in_reason]

    def to_json(self) -> dict[str, Any]:
        """The summary ``failreason score --format json`` prints."""
        return {
            "accepted": self.hits,
            "total": len(self.entries),
            "bySystem": {
                system: {"accepted": hits, "total": total}
                for system, (hits, total) in self.by_system().items()
            },
            "misses": [
                {
                    "id": m.id,
                    "system": m.system,
                    "got": m.got,
                    "rule": m.rule_id,
                    "accept": m.accept,
                }
                for m in self.misses()
            ],
            "identifiers": {
                "named": self.identifiers()[0],
                "total": self.identifiers()[1],
                "dropped": [
                    {"id": e.id, "capture": n.name, "value": n.value, "rule": e.rule_id}
                    for e, n in self.dropped()
                ],
            },
        }


def row_problem(row: object) -> str | None:
    """Why ``row`` is not a labelled error, or None when it is one."""
    if not isinstance(row, Mapping):
        return 'expected a labelled error: {"input": {...}, "accept": [TYPE, ...]}'
    accept, expected = row.get("accept"), row.get("expected")
    if accept is None and expected is None:
        return "give the accepted types: 'accept' (a list) or 'expected' (one type)"
    if accept is not None and not (
        isinstance(accept, str)
        or (isinstance(accept, list) and all(isinstance(t, str) for t in accept))
    ):
        return "'accept' must be a list of failureReasonType names"
    if expected is not None and not isinstance(expected, str):
        return "'expected' must be one failureReasonType name"
    return None


def _accepted(row: Mapping[str, Any]) -> tuple[str, ...]:
    accept = row.get("accept")
    if isinstance(accept, str):
        return (accept,)
    return tuple(accept or [row.get("expected", "")])


def score(engine: Engine, labelled: Iterable[Mapping[str, Any]]) -> Score:
    """Classify each labelled entry; an entry whose input is malformed counts as a miss.

    Raises FailreasonError for an entry that is not a labelled error (``row_problem``).
    """
    entries = []
    for number, row in enumerate(labelled, start=1):
        problem = row_problem(row)
        if problem:
            raise FailreasonError(f"entry {number}: {problem}")
        envelope = row.get("input", {})
        accept = _accepted(row)
        system = str(envelope.get("system") or "(none)") if isinstance(envelope, dict) else "?"
        try:
            result = engine.classify(envelope)
            got, rule_id, reason = result.failure_reason_type, result.rule_id, result.failure_reason
        except FailreasonError as exc:
            got, rule_id, reason = "(error)", "-", str(exc)
        named = _named(row.get("captures"), envelope, reason)
        entries.append(
            Scored(str(row.get("id", number)), system, accept, got, rule_id, reason, named)
        )
    return Score(tuple(entries))


def _named(captures: object, envelope: object, reason: str) -> tuple[Named, ...]:
    """The labelled captures the error's text names, each checked against the reason.

    A capture labelled from the request rather than the answer (the error never says it)
    is not counted: no reason can name what the error did not.
    """
    if not isinstance(captures, Mapping) or not isinstance(envelope, Mapping):
        return ()
    said = {k: v for k, v in envelope.items() if k not in ("system", "stage", "status")}
    error_text = json.dumps(said, ensure_ascii=False, default=str).casefold()
    found = []
    for name, value in captures.items():
        text = str(value).strip()
        if text and text.casefold() in error_text:
            found.append(Named(str(name), text, text.casefold() in reason.casefold()))
    return tuple(found)


def format_score(result: Score) -> str:
    """A per-system table, the misses, and the total, for people."""
    lines = [f"{'system':<22} {'accepted':>9}"]
    for system, (hits, total) in result.by_system().items():
        lines.append(f"{system:<22} {hits:>4}/{total:<4} {100 * hits / total:5.1f}%")
    for miss in result.misses():
        lines.append(
            f"MISS {miss.id} ({miss.system}): got {miss.got} by {miss.rule_id}; "
            f"accepted {', '.join(miss.accept)} | {miss.reason[:120]}"
        )
    for entry, named in result.dropped():
        lines.append(
            f"DROPPED {entry.id} ({entry.system}): the error names {named.name} "
            f"{named.value!r}, the reason by {entry.rule_id} does not"
        )
    total = len(result.entries)
    lines.append(f"total: {result.hits}/{total} accepted ({100 * result.ratio:.1f}%)")
    kept, named_total = result.identifiers()
    if named_total:
        lines.append(
            f"identifiers: {kept}/{named_total} named by the error are named in the reason "
            f"({100 * kept / named_total:.1f}%)"
        )
    return "\n".join(lines) + "\n"
