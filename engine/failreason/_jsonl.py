"""Reading JSON Lines input from a file or standard input, for the commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path


def lines(name: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each non-blank line of ``name`` (``-`` for standard input)."""
    stream = sys.stdin if name == "-" else Path(name).open(encoding="utf-8")  # noqa: SIM115
    try:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin:
            stream.close()
