"""JSON Lines in and out, for the commands.

Input is read as bytes and decoded one line at a time, so a line that is not UTF-8 (a
Latin-1 export, a stray binary file) is an error for that line and the stream goes on. A
UTF-8 byte order mark at the start of a line is skipped. A line over ``MAX_LINE_BYTES`` is
read past without being kept, and is an error for that line. A line whose JSON Python cannot
hold (a number past Python's digit limit, nesting past its recursion limit) or that is not
JSON at all (``NaN``, ``Infinity``) is an error for that line, never a traceback.

Output is UTF-8 JSON with every string valid: an unpaired surrogate becomes U+FFFD, so a
strict reader in any language can parse every line written.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from failreason._sanitize import valid

BOM = b"\xef\xbb\xbf"
MAX_LINE_BYTES = 16 * 1024 * 1024  # far above any error body; memory stays bounded


@dataclass(frozen=True)
class BadLine:
    """A non-blank line that holds no JSON value, and why (one sentence, no input echoed)."""

    message: str


def json_lines(name: str) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank line of ``name`` (``-``: standard input).

    ``value`` is the parsed JSON, or a ``BadLine`` saying why there is none. Raises OSError
    when the file cannot be opened.
    """
    for number, line in _raw_lines(name):
        if line is None:
            yield number, BadLine(f"the line is longer than {MAX_LINE_BYTES} bytes")
            continue
        raw = line.removeprefix(BOM)
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, BadLine(f"not UTF-8: byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}")
            continue
        yield number, parse(text)


def parse(text: str) -> Any:
    """The JSON value of ``text``, or a ``BadLine``."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return BadLine(f"invalid JSON: {exc.msg} at column {exc.colno}")
    except _NotJsonError as exc:
        return BadLine(f"invalid JSON: {exc}")
    except RecursionError:
        return BadLine("invalid JSON: nested too deeply to read")
    except ValueError:  # the only other one json raises: an integer past Python's digit limit
        return BadLine(f"invalid JSON: a number longer than {sys.get_int_max_str_digits()} digits")


class _NotJsonError(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJsonError(f"{name} is not a JSON value")


def _raw_lines(name: str) -> Iterator[tuple[int, bytes | None]]:
    if name != "-":
        with Path(name).open("rb") as stream:
            yield from enumerate(_bounded(stream), start=1)
        return
    binary = getattr(sys.stdin, "buffer", None)
    if binary is not None:
        yield from enumerate(_bounded(binary), start=1)
        return
    # A text stream put in place of stdin (embedding, tests): back to bytes, as it came.
    for number, text in enumerate(sys.stdin, start=1):
        yield number, text.encode("utf-8", "surrogatepass")


def _bounded(stream: IO[bytes]) -> Iterator[bytes | None]:
    """Each line of ``stream``; None for one over ``MAX_LINE_BYTES``, which is read past."""
    limit = MAX_LINE_BYTES + 1  # room for the line break
    while line := stream.readline(limit):
        if len(line) < limit or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(limit)
        yield None


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text that encodes to valid UTF-8, unpaired surrogates replaced."""
    return valid(json.dumps(value, ensure_ascii=False, indent=indent))


def use_utf8(out: IO[str]) -> None:
    """Make ``out`` write UTF-8 whatever the locale says, when it is a real text stream."""
    if isinstance(out, io.TextIOWrapper) and out.encoding.lower().replace("-", "") != "utf8":
        out.reconfigure(encoding="utf-8")
