"""Module-level regexes compiled the first time they are used, not when their module loads.

Python's ``re`` compiles a pattern in Python code: the hundred-odd patterns the cleaning,
redaction and body modules keep cost a one-line ``failreason classify`` process a large
share of its start-up, though a simple classification uses few of them. ``lazy_compile``
stands in for ``re.compile`` at module level: the first attribute asked of the stand-in
compiles the pattern and copies its methods onto the stand-in, so every later call is one
attribute lookup, as on the compiled pattern itself.
"""

from __future__ import annotations

import re
from typing import Any, cast

# What callers use of a compiled pattern; copied onto the stand-in once it is compiled.
_COPIED = (
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_source":  # copy, pickle and repr probes
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for attribute in _COPIED:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]!r})"


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, done on first use (a bad pattern raises there)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
