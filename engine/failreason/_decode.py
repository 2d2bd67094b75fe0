"""Bytes to text: the declared charset or a BOM, else UTF-8, invalid bytes replaced.

Also decodes the Python ``b'...'`` literal a connector logged instead of the body's text.
Whatever comes out is valid Unicode (a charset such as ``unicode_escape`` can spell lone
surrogates), and nothing here raises for any input.
"""

from __future__ import annotations

import codecs
import re

from failreason._lazy_re import lazy_compile
from failreason._sanitize import valid

_CHARSET = lazy_compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)


def decode(data: bytes, content_type: str | None) -> str:
    # valid(): a declared charset such as unicode_escape can produce lone surrogates.
    return valid(_decode_as_declared(data, content_type))


def _decode_as_declared(data: bytes, content_type: str | None) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    match = _CHARSET.search(content_type or "")
    if match:
        try:
            return data.decode(match.group(1), errors="replace").lstrip("\ufeff")
        except (LookupError, UnicodeError):  # unknown, or not a text encoding ("hex")
            pass
    return data.decode("utf-8", errors="replace")


_BYTE_ESCAPE = lazy_compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "a": b"\a", "b": b"\b", "f": b"\f"}
_SIMPLE_ESCAPES |= {"v": b"\v", "\\": b"\\", "'": b"'", '"': b'"', "\n": b""}


def unrepr_bytes(text: str) -> str:
    """Decode a Python ``b'...'`` literal that a connector logged instead of text.

    Decoded by hand rather than by ``ast.literal_eval``, which warns (to stderr) on escapes
    such as ``\\d``; anything that is not one well-formed literal is left as it was.
    """
    quote, inner = text[1], text[2:-1]
    if not inner.isascii():
        return text
    out = bytearray()
    position = 0
    for match in _BYTE_ESCAPE.finditer(inner):
        chunk = inner[position : match.start()]
        if quote in chunk:
            return text  # the literal ended early: "b'a' + b'c'" is no single literal
        out += chunk.encode("ascii")
        escape = match.group(1)
        if escape[0] == "x":
            out.append(int(escape[1:], 16))
        elif escape[0] in "01234567":
            out.append(int(escape, 8) & 0xFF)
        else:
            out += _SIMPLE_ESCAPES.get(escape, b"\\" + escape.encode("ascii"))
        position = match.end()
    rest = inner[position:]
    if quote in rest or rest.endswith("\\"):
        return text
    out += rest.encode("ascii")
    return decode(bytes(out), None).strip()
