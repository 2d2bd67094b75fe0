"""Clean, join, truncate and redact message text; read the text of HTML pages.

Everything here runs on untrusted text, so each regular expression is written to
run in linear time: no nested quantifiers, bounded repeats where a match could
otherwise scan far, and token patterns that can only start at a token boundary.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence

ELLIPSIS = "…"
REDACTED = "[redacted]"

# A well-formed start/end tag. Quoted attribute values may not hold < or >, so a
# failed match never scans past the next tag and the pattern stays linear.
_TAG = re.compile(
    r"</?[A-Za-z][\w:.-]*"
    r"(?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=]+))?)*"
    r"\s*/?>"
)
_LITERAL_ESCAPES = re.compile(r"\\[rnt]")
_JSON_OPEN = re.compile(r"(?<![{\[])[{\[]+\s*(?=\")")  # only from the start of a run
_JSON_CLOSE = re.compile(r"(?<=\")\s*[}\]]+")
_LEADING_NOISE = " ,;:}]"
_TRAILING_NOISE = " ,;:{["
# ideographic full stop and fullwidth ! and ? end sentences too
_TERMINAL = frozenset(".!?:;" + ELLIPSIS + "\u3002\uff01\uff1f")


def clean_text(text: str) -> str:
    """Strip markup and JSON punctuation, unescape entities, collapse whitespace."""
    text = _TAG.sub(" ", text)
    text = _LITERAL_ESCAPES.sub(" ", text).replace('\\"', '"')
    text = _JSON_OPEN.sub("", text)
    text = _JSON_CLOSE.sub("", text)
    text = " ".join(html.unescape(text).split())
    text = text.lstrip(_LEADING_NOISE).rstrip(_TRAILING_NOISE)
    return _unwrap_quotes(text)


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


def truncate(text: str, limit: int = 500) -> str:
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


# --- redaction ---------------------------------------------------------------

_RUN_CHARS = "A-Za-z0-9_+/-"  # characters of a long random run
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,2048})")
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]{1,4096}\.[\w-]{1,8192}\.[\w-]{0,4096}")
_SENSITIVE_KEYS = (
    r"api[_-]?key|x-api-key|client[_-]?secret|access[_-]?token|refresh[_-]?token"
    r"|auth[_-]?token|id[_-]?token|password|passwd|secret|token|authorization"
)
_KEY_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9])([\"']?)(" + _SENSITIVE_KEYS + r")\1(\s*[:=]\s*)"
    r"(?:\"([^\"\n]{0,1024})\"|'([^'\n]{0,1024})'"
    r"|((?:(?:bearer|basic)\s+)?[^\s\"',;&<>}\]]{1,1024}))"
)
_LONG_TOKEN = re.compile(rf"(?<![{_RUN_CHARS}])[{_RUN_CHARS}]{{32,}}={{0,2}}")


def redact(text: str) -> str:
    """Replace credentials and secret-looking tokens with "[redacted]"."""
    text = _SCHEME.sub(_redact_scheme, text)
    text = _JWT.sub(REDACTED, text)
    text = _KEY_VALUE.sub(_redact_key_value, text)
    return _LONG_TOKEN.sub(_redact_long_token, text)


def _redact_scheme(match: re.Match[str]) -> str:
    scheme, space, credential = match.groups()
    bare = credential.rstrip(".")  # a full stop ending the sentence
    if not _looks_secret(bare):
        return match.group(0)
    return f"{scheme}{space}{REDACTED}{credential[len(bare) :]}"


def _looks_secret(credential: str) -> bool:
    # "Bearer token" or "Basic authentication" are words, not credentials.
    has_digit_or_symbol = any(not char.isalpha() for char in credential)
    has_inner_upper = any(char.isupper() for char in credential[1:])
    return len(credential) >= 8 and (has_digit_or_symbol or has_inner_upper)


def _redact_key_value(match: re.Match[str]) -> str:
    quote, key, separator, double, single, bare = match.groups()
    if double is not None:
        value, wrap = double, '"'
    elif single is not None:
        value, wrap = single, "'"
    else:
        value, wrap = bare, ""
    credential = value.split()[-1] if value.strip() else ""
    if not credential or credential.startswith(REDACTED[:-1]):
        return match.group(0)  # nothing there, or a scheme already redacted
    return f"{quote}{key}{quote}{separator}{wrap}{REDACTED}{wrap}"


def _redact_long_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return REDACTED if _looks_random(token) else token


def _looks_random(token: str) -> bool:
    """Mixed upper, lower and digits that switch class often, unlike words and paths."""
    classes = [_char_class(char) for char in token if char.isalnum()]
    if not {"upper", "lower", "digit"} <= set(classes):
        return False
    switches = sum(1 for left, right in itertools.pairwise(classes) if left != right)
    return switches * 4 >= len(classes)


def _char_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    return "upper" if char.isupper() else "lower"


# --- HTML pages ----------------------------------------------------------------

_HTML_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>|<!--|<[!?][^<>]*>")
_RAW_TEXT_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}
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
        chunk = html.unescape(page[position : match.start() if match else len(page)])
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
    return " ".join(" ".join(pieces).split()), join_messages(summary[:_MAX_SUMMARY_PARTS])


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
    text = " ".join(" ".join(chunks).split())
    if text and text.casefold() not in (part.casefold() for part in summary):
        summary.append(text)
