"""Linear-time regular expressions (RE2), the only kind a rule may use on untrusted text.

A backtracking engine can take exponential time on a crafted error message; RE2 cannot.
This module is the typed boundary around the untyped ``re2`` package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import re2

from failreason._normalize import FoldedText, fold_pattern


class RegexError(ValueError):
    """A pattern RE2 cannot compile; the message is RE2's reason."""


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a bad pattern is reported to the rule author, not to stderr
    options.max_mem = 8 << 20
    return options


_UNANCHORED = re2._Anchor.UNANCHORED  # the wrapper's own name for RE2's enum
_NO_SPAN = (-1, -1)


@dataclass(frozen=True)
class Regex:
    """A compiled, folded pattern; ``search`` returns named captures from the original text."""

    pattern: str
    _compiled: Any = field(repr=False, compare=False)
    group_names: tuple[str, ...] = field(default=(), compare=False)
    _groups: tuple[tuple[str, int], ...] = field(default=(), repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A compiled RE2 object cannot be pickled: a cached rule set keeps the pattern, and
        # the regex compiles again the first time it is used (see ``__getattr__``).
        return (_uncompiled, (self.pattern, self.group_names, self._groups))

    if not TYPE_CHECKING:  # kept from mypy, so a misspelt attribute stays a type error

        def __getattr__(self, name: str) -> Any:
            """Only ever reached for ``_compiled`` of a regex read back from a cached rule set."""
            if name != "_compiled":
                raise AttributeError(name)
            compiled = _compile(self.pattern)
            object.__setattr__(self, "_compiled", compiled)
            return compiled

    @property
    def folded_pattern(self) -> str:
        """The pattern as RE2 compiled it (accents folded), for a set searched at once."""
        return str(self._compiled.pattern)

    def search(self, text: FoldedText) -> dict[str, str] | None:
        """Captures of the first match (groups that took part only), or None without a match.

        RE2 reads the text's UTF-8 bytes, encoded once per text rather than once per search
        (as the wrapper's ``search`` does); byte offsets are turned back into characters.
        """
        encoded = text.encoded
        spans = self._compiled._regexp.Match(_UNANCHORED, encoded, 0, len(encoded))
        if spans[0] == _NO_SPAN:
            return None
        captures: dict[str, str] = {}
        if not self._groups:
            return captures
        ascii_only = len(encoded) == len(text.folded)
        for name, index in self._groups:
            start, end = spans[index]
            if start < 0:
                continue
            if not ascii_only:
                start, end = _characters(encoded, start), _characters(encoded, end)
            value = text.original_span(start, end).strip()
            if value:
                captures[name] = value
        return captures


def _characters(encoded: bytes, offset: int) -> int:
    """How many characters the first ``offset`` bytes of ``encoded`` hold."""
    return len(encoded[:offset].decode("utf-8"))


def compile_regex(pattern: str) -> Regex:
    """Compile ``pattern`` for case- and accent-insensitive search; raises RegexError."""
    compiled = _compile(pattern)
    groups = tuple(compiled.groupindex.items())
    return Regex(pattern, compiled, tuple(name for name, _ in groups), groups)


def _compile(pattern: str) -> Any:
    try:
        return re2.compile(fold_pattern(pattern), _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(str(reason)) from exc


def _uncompiled(
    pattern: str, group_names: tuple[str, ...], groups: tuple[tuple[str, int], ...]
) -> Regex:
    """A regex that compiles on first use: its pattern compiled before it was cached."""
    regex = object.__new__(Regex)
    object.__setattr__(regex, "pattern", pattern)
    object.__setattr__(regex, "group_names", group_names)
    object.__setattr__(regex, "_groups", groups)
    return regex
