"""Identifier-shaped text read as words: ``DocumentTooLarge`` → "document too large".

Many accounting systems answer with an enum-like code as the whole message, or only with a
code: ``ACCESS_DENIED``, ``invalid_grant``, ``Internal_RecordNotFound``,
``error.account.notFound``. Rules are written in words, so ``contains`` and ``regex`` also
look at these identifiers split into words. The split keeps a map back to the identifier's
characters, so a value captured from the words is the identifier's own spelling.

How a token splits:

- ``_``, ``-`` and ``.`` separate words (``ledger_account_missing``, ``invalid-client``);
- a capital after a small letter starts a word (``TooLarge``), and the last capital of a run
  of capitals starts one when small letters follow (``HTTPTimeout`` → "http timeout"), unless
  only an ``s`` follows (``InvalidIDs`` → "invalid ids");
- digits stay with the letters before them and a capital after digits starts a word
  (``VAT25NotFound`` → "vat25 not found"), so ``S25``, ``4010`` and ``UJPP0002`` stay whole;
- a lone small letter that opens the token joins the next word (``oAuthTokenExpired`` →
  "oauth token expired", ``eInvoice`` → "einvoice").

Only a token is split: no whitespace, only letters, digits and those separators, at most
``MAX_IDENTIFIER_CHARS`` long, with a letter and at least one word boundary. Sentences and
ordinary words are left alone: they are matched as they are already.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from failreason._lazy_re import lazy_compile
from failreason._normalize import FoldedText, fold

MAX_IDENTIFIER_CHARS = 120
"""Longer tokens (hashes, encoded blobs, paths) are never read as identifiers."""

_SEPARATORS = frozenset("_-.")
_QUOTES = "\"'`"
# Only separators, letters and digits, with at least one letter (ASCII only).
_ASCII_TOKEN = lazy_compile(r"[-_.0-9]*[A-Za-z][-_.A-Za-z0-9]*")


@dataclass(frozen=True)
class SplitWords:
    """``words[i]`` came from ``token[origin[i]]``; a space that was inserted points at the
    first character of the word it opens."""

    token: str
    words: str
    origin: tuple[int, ...]


def _kind(char: str) -> str:
    if char in _SEPARATORS:
        return "sep"
    if char.isdigit():
        return "digit"
    if char.isupper():
        return "upper"
    if char.isalpha():
        return "lower"  # small letters and letters without case
    return "other"


def _is_token(token: str) -> bool:
    if token.isascii():  # the same test as below, in one regex scan
        return len(token) <= MAX_IDENTIFIER_CHARS and _ASCII_TOKEN.fullmatch(token) is not None
    return (
        0 < len(token) <= MAX_IDENTIFIER_CHARS
        and all(_kind(c) != "other" for c in token)
        and any(c.isalpha() for c in token)
    )


def _starts_word(kinds: list[str], token: str, i: int) -> bool:
    """Whether ``token[i]`` (not a separator, not the first character) opens a new word."""
    if kinds[i] != "upper":
        return False
    before = kinds[i - 1]
    if before in ("lower", "digit"):
        return True
    if before == "upper" and i + 1 < len(token) and kinds[i + 1] == "lower":
        # "HTTPTimeout": T opens "Timeout"; "IDs" and "IDsFound" keep their plural s.
        plural_s = token[i + 1] == "s" and (i + 2 == len(token) or kinds[i + 2] != "lower")
        return not plural_s
    return False


def split_identifier(text: str, *, single_word: bool = False) -> SplitWords | None:
    """The words of an identifier-shaped ``text``, or None when it is not one.

    Surrounding whitespace and quotes are ignored. A token without a word boundary is one
    only with ``single_word`` (an error code such as ``TIMEOUT``). Linear in ``len(text)``.
    """
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    if len(stripped) >= 2 and stripped[0] in _QUOTES and stripped[-1] == stripped[0]:
        stripped, offset = stripped[1:-1], offset + 1
    if not _is_token(stripped):
        return None
    kinds = [_kind(c) for c in stripped]
    words: list[str] = []
    origin: list[int] = []
    in_word = False
    boundary = False  # a space went between two words
    for i, char in enumerate(stripped):
        if kinds[i] == "sep":
            in_word = False
            continue
        opens = in_word and _starts_word(kinds, stripped, i)
        lone_small_opener = opens and len(words) == 1 and _kind(words[0]) == "lower"
        if not in_word or (opens and not lone_small_opener):
            if words:
                words.append(" ")
                origin.append(offset + i)
                boundary = True
            in_word = True
        words.append(char)
        origin.append(offset + i)
    if not (boundary or single_word):
        return None
    return SplitWords(stripped, "".join(words), tuple(origin))


def words_text(messages: Iterable[str], codes: Iterable[str]) -> FoldedText:
    """Identifier-shaped messages and every word-shaped code as words, one per line, folded.

    ``original`` is those identifiers joined by newlines and ``origin`` points into it, so a
    capture from the words is cut from the identifier as it was written.
    """
    originals: list[str] = []
    folded: list[str] = []
    origin: list[int] = []
    start = 0
    texts = [(m, False) for m in messages] + [(c, True) for c in codes]
    for text, single_word in texts:
        split = split_identifier(text, single_word=single_word)
        if split is None or text in originals:  # a code often repeats the message
            continue
        if originals:
            folded.append("\n")
            origin.append(start - 1)  # the newline that joined the originals
        words = fold(split.words)
        folded.append(words.folded)
        origin.extend(start + split.origin[i] for i in words.origin)
        originals.append(text)
        start += len(text) + 1
    return FoldedText("\n".join(originals), "".join(folded), tuple(origin))
