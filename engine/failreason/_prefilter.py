"""Many RE2 patterns searched in one pass: which of them occur in a text, not where.

A rule's ``regex`` and ``contains`` parts each need one of their patterns to occur in the
message text or its words (see ``_match``). One ``re2.Set`` over such patterns reads the
text once and names the patterns found; only rules with a pattern among them can match,
and only those are tried (``_index``).

RE2 answers "no match" when its DFA runs out of memory. An empty pattern, which occurs in
every text, is added first: an answer without it is such a failure, and the caller treats
every pattern as found. A set RE2 cannot compile (too large for its memory budget) fails
every search the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import re2

_ALWAYS = ""  # occurs in every text: its absence from an answer means the search failed
# The set's DFA cache; more than one regex's, as it follows every pattern at once.
_SET_MEMORY = 64 << 20


def _options() -> Any:
    """The options of ``_regex`` (case-insensitive), with room for many patterns."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = _SET_MEMORY
    return options


def literal_pattern(needle: str) -> str:
    """An RE2 pattern for a folded ``contains`` text (matching at least where ``in`` does)."""
    return str(re2.escape(needle))


class PatternSet:
    """Folded RE2 patterns compiled into one ``re2.Set``."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._set: Any = re2.Set.SearchSet(_options())
        self._usable = True
        try:
            for pattern in (_ALWAYS, *patterns):
                self._set.Add(pattern)
            self._set.Compile()
        except re2.error:
            self._usable = False  # every search reports a failure: the caller tries all

    def found(self, texts: Iterable[bytes]) -> set[int] | None:
        """The positions in ``patterns`` of those that occur in any of ``texts`` (UTF-8,
        folded), or None when RE2 could not tell: then any pattern may occur."""
        if not self._usable:
            return None
        hits: set[int] = set()
        for text in texts:
            answer = self._set.Match(text)
            if not answer:  # not even the empty pattern: the DFA gave up
                return None
            hits.update(answer)
        hits.discard(0)
        return {index - 1 for index in hits}
