"""YAML documents that remember where each value and key stands, for located error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from failreason._errors import Location, Problem

if TYPE_CHECKING:
    import yaml

DocPath = tuple[str | int, ...]


@dataclass(frozen=True)
class LocatedDocument:
    """A parsed YAML file plus the line and column of every value and mapping key in it."""

    file: str
    data: Any
    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: DocPath, *, key: bool = False) -> Location:
        """Where ``path`` stands (its key when ``key``), else its nearest located ancestor."""
        table = self.keys if key else self.values
        if key and path not in table:
            table = self.values
        probe = tuple(path)
        while probe and probe not in table:
            probe = probe[:-1]
        line, column = table.get(probe, (1, 1))
        return Location(self.file, line, column)


def format_path(path: DocPath) -> str:
    """``("rules", 3, "match")`` as ``rules[3].match``, the way rule authors think of it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# A rule file is a few hundred values nested a dozen deep (the largest built-in: 1,315 values,
# depth 12). These caps stop an alias bomb or a runaway nesting before anything is built.
MAX_VALUES = 100_000
MAX_DEPTH = 64


def load_yaml(text: str, file: str) -> LocatedDocument | Problem:
    """Parse one YAML document; a syntax error or a limit passed comes back as a located Problem.

    Aliases are allowed, but what they expand to is counted as it is composed, so a document
    whose aliases would expand to more than MAX_VALUES values, or nest deeper than MAX_DEPTH,
    is refused before it is built, and an alias inside its own anchor is refused where it stands.
    Most files are read in one pass over libyaml's events (``_yaml_events``); the others, and
    every file with a problem, by libyaml's composer or the bounded loader (``_yaml_careful``),
    which locate it. PyYAML is imported on the first call, not with this module.
    """
    fast = read_events(text, max_values=MAX_VALUES, max_depth=MAX_DEPTH)
    if fast is not None:
        data, values, keys = fast
        return LocatedDocument(file, data, values, keys)
    from failreason import _yaml_careful

    return _yaml_careful.load(text, file, _fast_loader(text))


def read_events(
    text: str, *, max_values: int, max_depth: int
) -> tuple[Any, dict[DocPath, tuple[int, int]], dict[DocPath, tuple[int, int]]] | None:
    """``_yaml_events.read``: the data and places in one pass, or None to read it carefully."""
    from failreason._yaml_events import read

    return read(text, max_values=max_values, max_depth=max_depth)


def _fast_loader(text: str) -> yaml.SafeLoader | None:
    """``_yaml_careful.fast_loader``: libyaml's composer when the file is well within limits."""
    from failreason._yaml_careful import fast_loader

    return fast_loader(text)
