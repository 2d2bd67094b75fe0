"""Matchers: small frozen objects compiled once from a rule's ``match`` block.

Each ``match`` returns the values it captured (possibly none) when it holds, else None.
Their reprs read like the YAML they came from, so ``failreason explain`` can print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from failreason._normalize import fold, fold_literal
from failreason._paths import Path
from failreason._regex import Regex
from failreason._signal import Signal

Captures = dict[str, str]


class Matcher(Protocol):
    def match(self, signal: Signal) -> Captures | None: ...

    def capture_names(self) -> frozenset[str]: ...


def scalar_text(value: Any) -> str:
    """How a JSON scalar compares and renders: JSON spelling for null and booleans."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class OneOf:
    """``system``, ``stage`` or ``code``: the signal's value (or one of its codes) is listed."""

    key: str
    values: frozenset[str]

    def match(self, signal: Signal) -> Captures | None:
        if self.key == "code":
            have: tuple[str | None, ...] = signal.codes
        else:
            have = (signal.system if self.key == "system" else signal.stage,)
        return {} if any(v is not None and v.casefold() in self.values for v in have) else None

    def capture_names(self) -> frozenset[str]:
        return frozenset()

    def __repr__(self) -> str:
        return f"{self.key} in {sorted(self.values)}"


@dataclass(frozen=True)
class StatusRange:
    """An inclusive range of HTTP statuses, kept with the text the rule author wrote."""

    low: int
    high: int
    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class StatusIn:
    ranges: tuple[StatusRange, ...]

    def match(self, signal: Signal) -> Captures | None:
        status = signal.status
        if status is None:
            return None
        return {} if any(r.low <= status <= r.high for r in self.ranges) else None

    def capture_names(self) -> frozenset[str]:
        return frozenset()

    def __repr__(self) -> str:
        return f"status in {list(self.ranges)}"


@dataclass(frozen=True)
class Contains:
    """The message text, or the words of an identifier-shaped message or of a code, contains
    one of the needles (folded: case and accents ignored)."""

    needles: tuple[str, ...]

    def match(self, signal: Signal) -> Captures | None:
        text, words = signal.text.folded, signal.words.folded
        return {} if any(n in text or n in words for n in self.needles) else None

    def capture_names(self) -> frozenset[str]:
        return frozenset()

    def __repr__(self) -> str:
        return f"contains {list(self.needles)}"


@dataclass(frozen=True)
class Matches:
    """The message text matches one of the regexes; the first that matches gives captures.

    Only when none matches the text are they tried, in order, on the words of the
    identifier-shaped messages and codes: a rule that matched the text before still captures
    what it captured. A value captured from the words is the identifier's own spelling.
    """

    regexes: tuple[Regex, ...]

    def match(self, signal: Signal) -> Captures | None:
        texts = (signal.text, signal.words) if signal.words.folded else (signal.text,)
        for text in texts:
            for regex in self.regexes:
                captures = regex.search(text)
                if captures is not None:
                    return captures
        return None

    def capture_names(self) -> frozenset[str]:
        return frozenset(name for regex in self.regexes for name in regex.group_names)

    def __repr__(self) -> str:
        return f"regex {[r.pattern for r in self.regexes]}"


@dataclass(frozen=True)
class Condition:
    """A test on one value of the body, the params or the headers."""

    equals: frozenset[str] | None = None
    contains: tuple[str, ...] = ()
    regexes: tuple[Regex, ...] = ()
    exists: bool = True
    capture: str | None = None
    optional: bool = False

    def test(self, value: Any) -> Captures | None:
        if isinstance(value, dict | list):
            text = ""
            if self.equals is not None or self.contains or self.regexes:
                return None  # only `exists` and `capture` apply to objects and lists
        else:
            text = scalar_text(value)
        captures: Captures = {}
        if self.equals is not None and fold_literal(text) not in self.equals:
            return None
        if self.contains and not any(n in fold_literal(text) for n in self.contains):
            return None
        if self.regexes:
            found = next(
                (c for c in (r.search(fold(text)) for r in self.regexes) if c is not None), None
            )
            if found is None:
                return None
            captures.update(found)
        if self.capture and text.strip():
            captures[self.capture] = text.strip()
        return captures

    def capture_names(self) -> frozenset[str]:
        names = {name for regex in self.regexes for name in regex.group_names}
        return frozenset(names | ({self.capture} if self.capture else set()))


@dataclass(frozen=True)
class FieldTest:
    """``fields``, ``params`` or ``headers``: the value at a path passes a Condition."""

    source: str
    path: Path
    condition: Condition

    def match(self, signal: Signal) -> Captures | None:
        values = self._values(signal)
        if not self.condition.exists:
            return None if values else {}
        for value in values:
            captures = self.condition.test(value)
            if captures is not None:
                return captures
        return {} if self.condition.optional else None

    def _values(self, signal: Signal) -> list[Any]:
        if self.source == "headers":
            value = signal.headers.get(self.path.text.lower())
            return [] if value is None else [value]
        root: Any = signal.params if self.source == "params" else signal.tree
        return [v for v in self.path.find(root) if v is not None] if root is not None else []

    def capture_names(self) -> frozenset[str]:
        return self.condition.capture_names()

    def __repr__(self) -> str:
        return f"{self.source}[{self.path.text!r}] {self.condition}"


@dataclass(frozen=True)
class All:
    parts: tuple[Matcher, ...]

    def match(self, signal: Signal) -> Captures | None:
        captures: Captures = {}
        for part in self.parts:
            found = part.match(signal)
            if found is None:
                return None
            captures.update(found)
        return captures

    def capture_names(self) -> frozenset[str]:
        return frozenset().union(*(p.capture_names() for p in self.parts))

    def __repr__(self) -> str:
        return "all(" + ", ".join(map(repr, self.parts)) + ")"


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Matcher, ...]

    def match(self, signal: Signal) -> Captures | None:
        return next((c for c in (p.match(signal) for p in self.parts) if c is not None), None)

    def capture_names(self) -> frozenset[str]:
        return frozenset().union(*(p.capture_names() for p in self.parts))

    def __repr__(self) -> str:
        return "any(" + ", ".join(map(repr, self.parts)) + ")"


@dataclass(frozen=True)
class Not:
    part: Matcher

    def match(self, signal: Signal) -> Captures | None:
        return {} if self.part.match(signal) is None else None

    def capture_names(self) -> frozenset[str]:
        return frozenset()  # what a failed match would have captured never reaches a template

    def __repr__(self) -> str:
        return f"not({self.part!r})"
