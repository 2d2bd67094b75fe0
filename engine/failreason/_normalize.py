"""Case- and accent-insensitive text, with a map back to the original characters.

Matching runs on the folded text so "Kontot", "KONTOT" and "Kontöt" meet one pattern; captures
are cut from the original text through the index map, so identifiers keep their spelling.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache


@dataclass(frozen=True)
class FoldedText:
    """``folded[i]`` came from ``original[origin[i]]``.

    ``origin`` is a ``range`` for ASCII text (no memory per character) and a compact array
    otherwise: a tuple of ints cost about 36 bytes per character of the text.
    """

    original: str
    folded: str
    origin: Sequence[int]

    @cached_property
    def encoded(self) -> bytes:
        """``folded`` in UTF-8, encoded once for every RE2 search of this text."""
        return self.folded.encode("utf-8")

    def original_span(self, start: int, end: int) -> str:
        """The original text behind ``folded[start:end]``, without whitespace at its ends.

        The ends are trimmed on the folded side first: a space that was put between the
        words of an identifier (see ``_words``) stands for no character of the original.
        """
        while start < end and self.folded[start].isspace():
            start += 1
        while end > start and self.folded[end - 1].isspace():
            end -= 1
        if start >= end:
            return ""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def fold(text: str) -> FoldedText:
    """Fold ``text`` for matching: compatibility-decomposed, accents dropped, case-folded."""
    if text.isascii():
        return FoldedText(text, text.lower(), range(len(text)))
    pieces: list[str] = []
    origin = array("L")
    for index, char in enumerate(text):
        folded = _fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return FoldedText(text, "".join(pieces), origin)


def fold_pattern(pattern: str) -> str:
    """Fold a literal or a regex the way ``fold`` folds text, keeping escapes and group names.

    Case is left to the regex engine's case-insensitive mode: lower-casing a pattern would turn
    ``\\D`` into ``\\d``. Only accents and compatibility forms are folded here, plus the few
    characters whose case folding changes length (ß → ss), which no flag can express.
    """
    decomposed = unicodedata.normalize("NFKD", pattern)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("ß", "ss").replace("ẞ", "ss")


def fold_literal(text: str) -> str:
    """Fold a plain substring for ``contains``: the same as folding text."""
    return fold(text).folded
