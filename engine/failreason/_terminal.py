"""Text for a terminal: whatever an error held, shown, never obeyed.

Messages, codes and captures come from accounting systems, rule files and Pleo; printed raw,
an escape sequence in them would move the cursor, recolour or retitle the user's terminal,
and a bidi override would reorder what they read. ``escaped`` writes every control, format
and unpaired surrogate character as a visible Python escape (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import re
import unicodedata

from failreason._lazy_re import lazy_compile

_MAYBE_UNSAFE = lazy_compile(r"[^ -~]")  # anything but printable ASCII needs a closer look
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def escaped(text: str) -> str:
    """``text`` with control and invisible characters written as visible escapes."""
    return _MAYBE_UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    if unicodedata.category(char) not in _UNSAFE_CATEGORIES:
        return char
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def escaped_lines(text: str) -> str:
    """``text`` escaped line by line: its own line breaks kept, every other control shown."""
    return "\n".join(escaped(line) for line in text.split("\n"))
