"""Clean, join and truncate message text; read the text of HTML pages.

Everything here runs on untrusted text, so each regular expression is written to
run in linear time: no nested quantifiers, bounded repeats where a match could
otherwise scan far, and token patterns that can only start at a token boundary.
Each message is cut to ``MAX_MESSAGE_CHARS`` before it is cleaned.

HTML entities are decoded exactly once: by the parser for XML and HTML bodies (their
messages come here with ``escaped=False``), here for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from failreason._bounds import MAX_MESSAGE_CHARS
from failreason._lazy_re import lazy_compile
from failreason._redact import redact_markup
from failreason._sanitize import (
    collapse,
    neutralise_markup,
    neutralise_tags,
    printable,
    unescape,
    visible,
)
from failreason._vocabulary import MAX_REASON_LENGTH

ELLIPSIS = "…"

# A well-formed start/end tag. Quoted attribute values may not hold < or >, so a
# failed match never scans past the next tag and the pattern stays linear.
_TAG = lazy_compile(
    r"</?[A-Za-z][\w:.-]*"
    r"(?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=]+))?)*"
    r"\s*/?>"
)
_LITERAL_ESCAPES = lazy_compile(r"\\[rnt]")
_JSON_OPEN = lazy_compile(r"(?<![{\[])[{\[]+\s*(?=\")")  # only from the start of a run
_JSON_CLOSE = lazy_compile(r"(?<=\")\s*[}\]]+")
_LEADING_NOISE = " ,;:}]"
_TRAILING_NOISE = " ,;:{["
# ideographic full stop and fullwidth ! and ? end sentences too
_TERMINAL = frozenset(".!?:;" + ELLIPSIS + "\u3002\uff01\uff1f")


def clean_text(text: str, *, escaped: bool = True) -> str:
    """Strip markup and JSON punctuation, unescape entities, collapse whitespace.

    ``escaped=False`` says a parser decoded the entities already: the text is not decoded
    again, and tags in it, which can only have come from decoding, are neutralised.
    """
    # <password> must not leave its text behind; invisible characters go first, so they
    # cannot hide a secret's name from redaction.
    text = redact_markup(visible(text[:MAX_MESSAGE_CHARS]))
    # Each pattern below starts with a character checked for first: most messages have none.
    if escaped and "<" in text:
        text = _TAG.sub(" ", text)
    if "\\" in text:
        text = _LITERAL_ESCAPES.sub(" ", text).replace('\\"', '"')
    if "{" in text or "[" in text:
        text = _JSON_OPEN.sub("", text)
    if "}" in text or "]" in text:
        text = _JSON_CLOSE.sub("", text)
    if escaped:
        # A "<" still here opens no tag the source meant; NUL (removed by visible above, and
        # never produced by decoding) keeps it apart from the ones decoding makes.
        decoded = unescape(text.replace("<", "\0"))
        text = visible(neutralise_markup(decoded).replace("\0", "<"))
    else:
        text = neutralise_markup(text)
    text = " ".join(text.split())
    text = text.lstrip(_LEADING_NOISE).rstrip(_TRAILING_NOISE)
    return _unwrap_quotes(text)


def final_reason(text: str) -> str:
    """What a reason may be: printable, no live markup, whitespace collapsed, at most 500
    characters. Every Classification's reason passes here; "" when nothing is left."""
    return truncate(neutralise_tags(printable(text[: 4 * MAX_REASON_LENGTH])))


def _unwrap_quotes(text: str) -> str:
    # Only a quote pair wrapping the whole message, never quotes inside it.
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        inner = text[1:-1]
        if text[0] not in inner:
            return inner.strip()
    return text


def join_messages(messages: Sequence[str]) -> str:
    """Join messages: after terminal punctuation with a space, otherwise with "; "."""
    joined = ""
    for raw in messages:
        message = raw.strip()
        if not message:
            continue
        if not joined:
            joined = message
        else:
            joined += (" " if joined[-1] in _TERMINAL else "; ") + message
    return joined


def truncate(text: str, limit: int = MAX_REASON_LENGTH) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ellipsis included."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    head = text[: limit - 1]
    if not text[limit - 1].isspace():
        head = _cut_at_word(head)
    head = head.rstrip(" ,;:-")
    return (head or text[: limit - 1]) + ELLIPSIS


def _cut_at_word(head: str) -> str:
    # Back off to the last space, unless that would throw away most of the text.
    floor = len(head) // 2
    for index in range(len(head) - 1, floor, -1):
        if head[index].isspace():
            return head[:index]
    return head


# --- HTML pages ----------------------------------------------------------------

_HTML_TOKEN = lazy_compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>|<!--|<[!?][^<>]*>")
_RAW_TEXT_END = {
    name: lazy_compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")
}
_MAX_SUMMARY_PARTS = 8
_SUMMARY_TAGS = frozenset({"title", "h1", "h2", "h3", "h4", "h5", "h6", "p"})


def html_text(page: str) -> tuple[str, str]:
    """An HTML page's visible text, and its title, headings and paragraphs joined."""
    pieces: list[str] = []
    summary: list[str] = []
    capture: list[str] | None = None
    position = 0
    while position < len(page):
        match = _HTML_TOKEN.search(page, position)
        chunk = unescape(page[position : match.start() if match else len(page)])
        pieces.append(chunk)
        if capture is not None:
            capture.append(chunk)
        if match is None:
            break
        position = _skip_html_token(page, match)
        name = match.group(2)
        if name and name.lower() in _SUMMARY_TAGS:
            if capture is not None:
                _add_summary(summary, capture)
            capture = None if match.group(1) else []
    if capture is not None:
        _add_summary(summary, capture)
    return collapse(" ".join(pieces)), join_messages(summary)


def _skip_html_token(text: str, match: re.Match[str]) -> int:
    """Where to continue after a token: past comments and script/style bodies."""
    if match.group(0) == "<!--":
        end = text.find("-->", match.end())
        return len(text) if end < 0 else end + 3
    name = (match.group(2) or "").lower()
    if name in _RAW_TEXT_END and not match.group(1):
        closing = _RAW_TEXT_END[name].search(text, match.end())
        return len(text) if closing is None else closing.end()
    return match.end()


def _add_summary(summary: list[str], chunks: list[str]) -> None:
    # Only the first few distinct parts are kept, so the duplicate check stays constant-time
    # however many paragraphs a page has (it used to compare each with all before it).
    if len(summary) >= _MAX_SUMMARY_PARTS:
        return
    text = " ".join(" ".join(chunks).split())
    if text and text.casefold() not in (part.casefold() for part in summary):
        summary.append(text)
