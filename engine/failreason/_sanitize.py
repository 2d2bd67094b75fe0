"""Text as it crosses the boundary: decoded, valid Unicode, nothing a bookkeeper cannot see.

Everything failreason reads from outside (envelope strings, bodies, files, lines on stdin)
may hold lone surrogates (JavaScript cuts strings inside an emoji), control characters
(terminal escapes, NUL, C1 codes) or invisible format characters (bidi overrides, zero-width
spaces). ``valid`` makes a string encodable and is applied once, where text enters;
``visible`` also drops what no reader should get, and runs on every message and capture;
``unescape`` decodes HTML entities without the cost of absurd numeric references; and
``neutralise_markup`` makes markup that only appeared by unescaping inert.
"""

from __future__ import annotations

import html
import re

from failreason._lazy_re import lazy_compile

_UNPAIRED = lazy_compile(r"[\ud800-\udfff]")
# Every control (Cc), format (Cf: bidi embeddings, overrides and isolates, zero-width
# characters, soft hyphen, tag characters) and private-use (Co) character, as of Unicode 15,
# plus fillers that render as nothing. Tabs and line breaks become spaces rather than vanish.
_INVISIBLE = lazy_compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u034f\u0600-\u0605\u061c\u06dd"
    "\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ue000-\uf8ff\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001-\U000e01ef\U000f0000-\U0010ffff]"
)
_BREAKS = lazy_compile("[\t\n\r\x85\u2028\u2029]")
# Terminal escape sequences (CSI such as "ESC[31m", OSC such as a title or hyperlink) go whole,
# so no "[31m" is left behind when their ESC is dropped.
_ESCAPE_SEQUENCE = lazy_compile(
    "(?:\x1b\\[|\x9b)[0-?]{0,32}[ -/]{0,8}[@-~]|(?:\x1b\\]|\x9d)[^\x07\x1b\x9c]{0,1024}"
    "(?:\x07|\x1b\\\\|\x9c)?"
)
REPLACEMENT = "\ufffd"


def valid(text: str) -> str:
    """``text`` with unpaired surrogates replaced, so it can be encoded and matched."""
    if not _UNPAIRED.search(text):
        return text
    # Through UTF-16 a pair that was split into two code points joins up again.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def visible(text: str) -> str:
    """Valid text without control or invisible format characters; line breaks as spaces."""
    if text.isascii() and text.isprintable():
        return text  # no surrogate, control character, break or escape to take out
    text = valid(text)
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ESCAPE_SEQUENCE.sub("", text)
    return _INVISIBLE.sub("", _BREAKS.sub(" ", text))


# html.unescape converts numeric references with int(), which refuses more than 4,300
# digits (ValueError). No code point needs more than 7 decimal or 6 hex digits after the
# leading zeros, so longer references are replaced before html.unescape sees them.
_LEADING_ZEROS = lazy_compile(r"&#(?:0+(?=[0-9])|([xX])0+(?=[0-9a-fA-F]))")
_HUGE_REFERENCE = lazy_compile(r"&#(?:[0-9]{8,}|[xX][0-9a-fA-F]{7,});?")


def unescape(text: str) -> str:
    """HTML entities decoded (once: the caller decides where); never raises."""
    if "&" not in text:
        return valid(text)
    if "&#" in text:
        text = _LEADING_ZEROS.sub(lambda m: "&#" + (m.group(1) or ""), text)
        text = _HUGE_REFERENCE.sub(REPLACEMENT, text)
    return valid(html.unescape(text))


# Markup in the source is stripped as formatting before entities are decoded (`_clean`).
# Markup that only appears by decoding (``&lt;script&gt;``) was text the system meant to
# show, so it is kept readable but made inert: each "<" that could open a tag becomes U+2039
# (a single angle quotation mark) and the ">" closing it U+203A. In final reasons and
# captures, anything still shaped like a well-formed tag is made inert the same way. A raw
# "<" that opens no well-formed tag, such as Odoo's "<Fault 2: 'Record does not exist'>",
# stays as the system wrote it. Unquoted values exclude "/" so that no text splits two ways.
_TAG_OPENER = lazy_compile(r"<([/!?]?[A-Za-z][^<>]{0,200})>|<(?=[/!?A-Za-z])")
_WELL_FORMED_TAG = lazy_compile(
    r"<(/?[A-Za-z][\w:.-]{0,64}"
    r"(?:[\s/]+[\w:.-]{1,64}(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`/]+))?){0,64}"
    r"[\s/]*)>|<(![^<>]{0,200})>"
)


INERT_OPEN = "\u2039"
INERT_CLOSE = "\u203a"


def _inert(match: re.Match[str]) -> str:
    inner = next((group for group in match.groups() if group is not None), None)
    return INERT_OPEN if inner is None else f"{INERT_OPEN}{inner}{INERT_CLOSE}"


def neutralise_markup(text: str) -> str:
    """``text`` with every "<" that could open a tag turned into a harmless look-alike."""
    return _TAG_OPENER.sub(_inert, text) if "<" in text else text


def neutralise_tags(text: str) -> str:
    """``text`` with every well-formed tag (and comment or declaration) made inert."""
    return _WELL_FORMED_TAG.sub(_inert, text) if "<" in text else text


_WHITESPACE = lazy_compile(r"\s+")


def collapse(text: str) -> str:
    """Whitespace runs as single spaces, none at the ends: ``" ".join(text.split())``, but
    in slices, because both that and one ``re.sub`` build a list of every word (on a megabyte
    of short words, ten times the text)."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # printable text has no whitespace but " ": nothing to collapse
    pieces: list[str] = []
    after_space = True  # so that leading whitespace goes
    for start in range(0, len(text), _SLICE):
        piece = _WHITESPACE.sub(" ", text[start : start + _SLICE])
        if after_space and piece.startswith(" "):
            piece = piece[1:]
        if piece:
            pieces.append(piece)
            after_space = piece.endswith(" ")
    return "".join(pieces).rstrip(" ")


_SLICE = 1 << 16


def printable(text: str) -> str:
    """Only characters ``str.isprintable`` accepts, whitespace as single spaces."""
    text = visible(text)
    if not text.isprintable():  # unassigned code points; spaces other than " " go below
        text = "".join(char for char in text if char.isprintable() or char.isspace())
    return collapse(text)
