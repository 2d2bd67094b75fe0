"""Turn a raw error body into a parsed tree plus readable text.

Accounting systems and the SDKs in front of them hand over errors in every
shape: JSON values, JSON or XML text, HTML error pages, form encoding, plain
text, or text with a document inside ("... resulted in a `400 Bad Request`
response: {...}", "with body: [<?xml ...>]"). Such documents are often cut off
by the logging that captured them, so broken JSON is repaired where that is
cheap (closing open strings and brackets, dropping "..." elisions) and broken
XML keeps the elements read before the break.

`parse_body` takes a body as the envelope left it (bytes and text cut to the
bounds in `_bounds`, text valid Unicode, JSON values copied and bounded), raises
nothing for any such body, and stays linear in its size: the only regular
expressions are fixed, linear patterns, and documents are looked for at a bounded
number of places. Only the exceptions a parser is documented to raise are caught,
where they arise, so a bug here fails loudly instead of passing as a text body.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from failreason._bounds import MAX_DEPTH, MAX_NODES, MAX_NUMBER_BITS
from failreason._clean import html_text
from failreason._decode import decode, unrepr_bytes
from failreason._lazy_re import lazy_compile
from failreason._paths import JSON
from failreason._redact import REDACTED, redact_markup, redact_tree
from failreason._sanitize import collapse, unescape, valid

Kind = Literal["empty", "json", "xml", "html", "form", "text"]

__all__ = ["EMPTY", "MAX_DEPTH", "ParsedBody", "parse_body"]

_MAX_CANDIDATES = 8  # places in a text where an embedded document is tried
_MAX_REPAIRS = 2  # broken JSON documents repaired per body
_XML_SLICE = 1 << 16


@dataclass(frozen=True)
class ParsedBody:
    """A body's format, its tree (if any) and its readable text."""

    kind: Kind
    tree: JSON | None
    text: str
    summary: str = ""  # HTML only: title, headings and paragraphs, deduplicated
    # False when a parser decoded the entities already (XML, HTML): not to be decoded again
    escaped: bool = True


EMPTY = ParsedBody("empty", None, "")


def parse_body(body: object, content_type: str | None = None) -> ParsedBody:
    """Parse ``body``: None, bytes, text or a JSON value (as the envelope checked it)."""
    if body is None:
        return EMPTY
    if isinstance(body, bytes | bytearray | memoryview):
        return _from_text(decode(bytes(body), content_type), _media_type(content_type))
    if isinstance(body, str):
        return _from_text(body, _media_type(content_type))
    if isinstance(body, dict | list | tuple | int | float):
        tree = redact_tree(_expand(list(body) if isinstance(body, tuple) else body, 0, [MAX_NODES]))
        return ParsedBody("json", tree, _render(tree))
    raise TypeError(f"a body is None, bytes, text or a JSON value, not {type(body).__name__}")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


# --- choosing the format -------------------------------------------------------

_HTML_START = lazy_compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_HTML_ANY = lazy_compile(r"<!doctype\s+html|<(?:html|head|body)[\s>]", re.IGNORECASE)
_BYTES_REPR = lazy_compile(r"b(['\"]).*\1", re.DOTALL)
_FORM = lazy_compile(r"[A-Za-z_][\w.%\[\]-]*=[^&\s]*(?:&[A-Za-z_][\w.%\[\]-]*=[^&\s]*)*")


def _from_text(text: str, media: str, depth: int = 0) -> ParsedBody:
    stripped = text.strip().lstrip("\ufeff").strip()
    if not stripped:
        return EMPTY
    if depth == 0 and _BYTES_REPR.fullmatch(stripped):
        stripped = unrepr_bytes(stripped)
        if not stripped:
            return EMPTY
    preferred = _by_media_type(stripped, media, depth)
    return preferred or _sniff(stripped, depth)


def _by_media_type(text: str, media: str, depth: int) -> ParsedBody | None:
    # Servers mislabel bodies, so a type that does not parse falls back to sniffing.
    if "html" in media:
        return _as_html(text)
    if "json" in media:
        return _document_at_start(text, "json", depth)
    if "xml" in media:
        return _document_at_start(text, "xml", depth)
    if "x-www-form-urlencoded" in media:
        return _as_form(text)
    return None


def _sniff(text: str, depth: int) -> ParsedBody:
    first = text[0]
    if first == "<" and _HTML_START.match(text):
        return _as_html(text)
    if first in '{["<':
        parsed = _document_at_start(text, "xml" if first == "<" else "json", depth)
        if parsed is not None:
            return parsed
    if _HTML_ANY.search(text):
        return _as_html(text)
    return _as_form(text) or _as_text(text)


def _document_at_start(text: str, kind: Kind, depth: int) -> ParsedBody | None:
    if kind == "xml":
        tree = _xml_at(text, 0)
        return None if tree is None else ParsedBody("xml", tree, _markup_text(text), escaped=False)
    found = _json_at(text, 0, [_MAX_REPAIRS])
    if found is None or text[found[1] :].strip():
        return None  # "[401] Client error: ... {...}" is text that embeds a document
    tree = found[0]
    if isinstance(tree, str):  # a JSON string: double-encoded JSON is decoded once more
        if depth < 2:
            inner = _from_text(tree, "", depth + 1)
            if inner.tree is not None and inner.kind in ("json", "xml"):
                return inner
        return ParsedBody("json", tree, collapse(tree))
    return ParsedBody("json", tree, _render(tree))


def _as_text(text: str) -> ParsedBody:
    budget = [_MAX_REPAIRS]
    for match in itertools.islice(_DOCUMENT_START.finditer(text), _MAX_CANDIDATES):
        start = match.start()
        if text[start] == "<":
            tree = _xml_at(text, start)
            if tree is not None:
                return ParsedBody("text", tree, _markup_text(text), escaped=False)
            continue
        found = _json_at(text, start, budget)
        if found is not None:
            tree, end = found
            readable = _collapse(text[:start], _render(tree), text[end:])
            return ParsedBody("text", tree, readable)
    return ParsedBody("text", None, _collapse(text))


_DOCUMENT_START = lazy_compile(r"[{\[](?=\s*(?:\"|\\\"|\{))|<(?=\?xml|[A-Za-z_])")


def _collapse(*parts: str) -> str:
    return collapse(" ".join(parts))


# --- JSON ------------------------------------------------------------------------

_DECODER = json.JSONDecoder()


def _json_at(text: str, start: int, budget: list[int]) -> tuple[JSON, int] | None:
    """The JSON document starting at ``start`` and where it ends, repaired if cut off."""
    if text.startswith(_ESCAPED_STARTS, start):  # JSON logged inside a JSON string
        value, end = _load(_unescape(text[start:]), 0, budget)[0], len(text)
    else:
        value, end = _load(text, start, budget)
    # Inside text only a non-empty object or array counts; a whole body may also be
    # an empty one, or a JSON string (which may hold a document itself).
    whole = start == 0
    if isinstance(value, dict | list) and (whole or value):
        return redact_tree(_expand(value, 0, [MAX_NODES])), end
    # a JSON escape such as "\ud800" decodes to a lone surrogate: made valid here
    return (valid(value), end) if whole and isinstance(value, str) else None


_ESCAPED_STARTS = ('{\\"', '[\\"', '[{\\"')


def _load(text: str, start: int, budget: list[int]) -> tuple[JSON, int]:
    cut = _node_bound(text, start)
    if cut is not None:  # read only the part within the node bound, as if cut off there
        return _repaired(text[start:cut], budget), len(text)
    try:
        return _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return _repaired(text[start:], budget), len(text)


_STRUCTURE = lazy_compile(r"[\[{,]")


def _node_bound(text: str, start: int) -> int | None:
    """Where a document starting at ``start`` passes ``MAX_NODES`` values, if it does.

    The json module builds the whole tree before anything can be dropped: a megabyte of
    "{}," would cost 25 MiB. Every value but the first follows a "[", "{" or ",", so the
    position of the MAX_NODES-th of those (counting any inside strings too) is a safe cut.
    """
    if len(text) - start <= MAX_NODES:
        return None  # fewer characters than the bound: fewer values too
    past = itertools.islice(_STRUCTURE.finditer(text, start), MAX_NODES, None)
    match = next(past, None)
    return None if match is None else match.start()


def _unescape(text: str) -> str:
    try:
        decoded = json.loads(f'"{text}"')
    except (ValueError, RecursionError):
        return text.replace('\\"', '"').replace("\\\\", "\\")
    return decoded if isinstance(decoded, str) else text


_FAILED = object()
_TRUNCATION_MARKS = ("(truncated...)", "(truncated)", "...", "…")


def _repaired(text: str, budget: list[int]) -> JSON:
    """Parse JSON cut off by a log line (or by the body bound): close what is open, else
    drop the last member. Linear in the text: plain runs and strings are copied whole."""
    if budget[0] <= 0:
        return _FAILED
    budget[0] -= 1
    for mark in _TRUNCATION_MARKS:  # what the logging added when it cut the body
        text = text.rstrip().removesuffix(mark)
    closed, last_comma = _close_json(text)
    candidates = [closed]
    if last_comma > 0:
        candidates.append(_close_json(text[:last_comma])[0])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return _FAILED


def _close_json(text: str) -> tuple[str, int]:
    """Close open strings and brackets, drop "..." elisions and trailing commas.

    Returns the closed text and the position of the last comma outside strings.
    """
    out: list[str] = []
    closers: list[str] = []
    last_comma = -1
    index, length = 0, len(text)
    while index < length:
        plain = _PLAIN_RUN.match(text, index)  # copied in one step, not a character at a time
        if plain:
            out.append(plain.group(0))
            index = plain.end()
            continue
        char = text[index]
        if char == '"':
            index = _copy_string(text, index, out)
            continue
        index += 1
        if char in "{[":
            closers.append("}" if char == "{" else "]")
        elif char in "}]":
            _drop_trailing_comma(out)
            if not closers or closers.pop() != char:
                return "", last_comma
        elif char == ",":
            last_comma = index - 1
        elif char == "…" or text.startswith("...", index - 1):
            index += 0 if char == "…" else 2
            continue
        out.append(char)
    _drop_trailing_comma(out)
    tail = "".join(out).rstrip()
    if tail.endswith(":"):
        tail += "null"
    return tail + "".join(reversed(closers)), last_comma


_STRING = lazy_compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_PLAIN_RUN = lazy_compile(r'[^"{}\[\],.…]+')


def _copy_string(text: str, index: int, out: list[str]) -> int:
    """Copy the string literal at ``index``; close it with "…" if the text ends inside."""
    match = _STRING.match(text, index)
    if match:
        out.append(match.group(0))
        return match.end()
    body = text[index:]
    if (len(body) - len(body.rstrip("\\"))) % 2:
        body = body[:-1]  # an escape cut in half
    out.append(body + '…"')
    return len(text)


def _drop_trailing_comma(out: list[str]) -> None:
    index = len(out) - 1
    while index >= 0 and out[index].isspace():
        index -= 1
    if index >= 0 and out[index] == ",":
        del out[index:]


def _expand(value: JSON, depth: int, budget: list[int]) -> JSON:
    """Copy the tree, decoding string values that hold a JSON object or array.

    Strings are made valid on the way: JSON escapes ("\\ud800") can spell lone surrogates.
    The first ``MAX_NODES`` values in document order are kept (``budget`` counts down).
    """
    if depth > MAX_DEPTH or budget[0] <= 0:
        return None
    budget[0] -= 1
    if isinstance(value, dict):
        items = itertools.islice(value.items(), budget[0])
        return {valid(str(key)): _expand(item, depth + 1, budget) for key, item in items}
    if isinstance(value, list | tuple):
        return [_expand(item, depth + 1, budget) for item in value[: budget[0]]]
    if isinstance(value, str):
        if value[:2] in ('{"', "[{", '["'):
            try:
                inner = json.loads(value)
            except (ValueError, RecursionError):  # not JSON after all, or nested too deep
                return valid(value)
            if isinstance(inner, dict | list):
                return _expand(inner, depth + 1, budget)
        return valid(value)
    if isinstance(value, int) and value.bit_length() > MAX_NUMBER_BITS:
        return None  # str() of a number past 4,300 digits raises
    return value


def _render(tree: JSON) -> str:
    """Readable text for a tree: its leaves joined by "; ".

    Strings speak for themselves; numbers and booleans get their key ("ErrorCode: 4032").
    """
    parts: list[str] = []
    _render_into(tree, "", parts, 0)
    return collapse("; ".join(parts))


def _render_into(value: JSON, key: str, parts: list[str], depth: int) -> None:
    # A redacted value says nothing to a bookkeeper: "invalid_grant", not "invalid_grant;
    # [redacted]". Rules still see it in the tree.
    if depth > MAX_DEPTH or value is None or value in ("", REDACTED):
        return
    if isinstance(value, dict):
        for child_key, child in value.items():
            _render_into(child, str(child_key), parts, depth + 1)
    elif isinstance(value, list):
        for child in value:
            _render_into(child, key, parts, depth + 1)
    elif isinstance(value, str):
        parts.append(value)
    else:
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        parts.append(f"{key}: {text}" if key else text)


# --- XML -------------------------------------------------------------------------

_DTD = lazy_compile(r"<!(?:doctype|entity)", re.IGNORECASE)
_MARKUP = lazy_compile(r"<[!?/]?[A-Za-z_][^<>]*>|<!\[CDATA\[|\]\]>|<!--|-->")


def _xml_at(text: str, start: int) -> JSON | None:
    """The XML element starting at ``start`` as a tree, keeping what precedes a break."""
    if _DTD.search(text):  # a body with a DTD is never parsed: no entity expansion
        return None
    import xml.etree.ElementTree as ET  # only for an XML body: most are JSON

    target = _TreeTarget()
    parser: ET.XMLParser[JSON] = ET.XMLParser(target=target)  # noqa: S314 -- DTDs refused above
    try:
        # Fed in slices, so that a document past the bounds (thousands of levels, which
        # expat itself would track, or too many elements) stops being read.
        for offset in range(start, len(text), _XML_SLICE):
            parser.feed(text[offset : offset + _XML_SLICE])
            if target.is_full():
                break
        parser.close()
    except ET.ParseError:
        pass  # cut off, followed by other text or no longer read: keep what was read
    complete = bool(target.root)
    tree = target.finish()
    if not isinstance(tree, dict) or _local(target.root_name).lower() == "html":
        return None
    tree = redact_tree(tree)
    root_value = next(iter(tree.values()))
    return tree if isinstance(root_value, dict) or (complete and start == 0) else None


def _local(name: str) -> str:
    return name.rpartition("}")[2]


class _TreeTarget:
    """Builds the tree straight from parser events, so a document that breaks off keeps
    all it read, including the text of the element left open."""

    def __init__(self) -> None:
        self.open: list[tuple[str, dict[str, JSON], list[str]]] = []
        self.root: dict[str, JSON] = {}
        self.root_name = ""
        self.ignored = 0  # open elements below MAX_DEPTH, or past MAX_NODES
        self.elements = 0

    def is_full(self) -> bool:
        return self.ignored > MAX_DEPTH or self.elements >= MAX_NODES

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.elements += 1
        if self.ignored or len(self.open) >= MAX_DEPTH or self.elements > MAX_NODES:
            self.ignored += 1
            return
        self.root_name = self.root_name or tag
        node: dict[str, JSON] = {"@" + _local(key): value for key, value in attrib.items()}
        self.open.append((_local(tag), node, []))

    def end(self, tag: str) -> None:  # the parser itself checks that tags nest
        if self.ignored:
            self.ignored -= 1
        elif self.open:
            self._close()

    def data(self, data: str) -> None:
        if self.open and not self.ignored:
            self.open[-1][2].append(data)

    def finish(self) -> JSON:
        while self.open:
            self._close()
        return self.root or None

    def _close(self) -> None:
        name, node, texts = self.open.pop()
        value: JSON = "".join(texts).strip()
        if node:
            if value:
                node["#text"] = collapse(value)
            value = node
        if not self.open:
            self.root = {name: value}
            return
        parent, parent_texts = self.open[-1][1], self.open[-1][2]
        parent_texts.append(" ")  # text on either side of a child stays apart
        if name not in parent:
            parent[name] = value
        elif isinstance(parent[name], list):
            parent[name].append(value)
        else:
            parent[name] = [parent[name], value]


def _markup_text(text: str) -> str:
    return collapse(unescape(_MARKUP.sub(" ", redact_markup(text))))


# --- form encoding and HTML -----------------------------------------------------------------


def _as_html(text: str) -> ParsedBody:
    readable, summary = html_text(text)
    return ParsedBody("html", None, readable, summary, escaped=False)


def _as_form(text: str) -> ParsedBody | None:
    if not _FORM.fullmatch(text):
        return None
    tree: dict[str, str] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        tree.setdefault(key, value)
    if not tree:
        return None
    tree = redact_tree(tree)
    return ParsedBody("form", tree, _render(tree))
