"""A tiny path language for finding values in parsed error bodies.

Profiles say where an accounting system puts its message, e.g.
``Fault.Error[].Message`` or ``"o:errorDetails"[].detail``:

- segments are separated by ``.``; a segment is a key;
- ``[]`` means every element of the list here, or the value itself when it is
  not a list (XML, and some APIs, send one object where others send a list);
- ``[N]`` is an index (negative counts from the end; ``[0]`` of a non-list is
  the value itself);
- keys holding ``.``, ``[``, ``]``, ``"`` or whitespace are double-quoted, with
  ``\\`` escaping the next character;
- ``""`` and ``$`` are the root; a leading ``$.`` is allowed and ignored.

Keys match exactly first, then case-insensitively, because QuickBooks sends
both ``Fault`` and ``fault``. A path that does not resolve finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = Any  # a JSON-like value: dict, list, str, int, float, bool or None

_MISSING = object()  # a dict lookup that found nothing (None is a real value)

# A compiled step: a key (str), an index (int), or every element (None).
Step = str | int | None


class PathSyntaxError(ValueError):
    """A profile path that cannot be compiled; ``offset`` points at the fault."""

    def __init__(self, message: str, text: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset} in path {text!r}")
        self.offset = offset
        self.text = text


@dataclass(frozen=True, repr=False)
class Path:
    """A compiled path; ``find`` returns every value it reaches, in document order."""

    text: str
    _steps: tuple[Step, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_steps", _compile(self.text))

    def __repr__(self) -> str:
        return f"Path({self.text!r})"

    @property
    def is_root(self) -> bool:
        """True for the empty path, which finds the tree itself."""
        return not self._steps

    def find(self, tree: JSON) -> list[JSON]:
        """Return every value this path reaches in ``tree``."""
        current: list[JSON] = [tree]
        for step in self._steps:
            reached: list[JSON] = []
            for value in current:
                _apply(step, value, reached)
            current = reached
            if not current:
                break
        return current


def compile_path(text: str) -> Path:
    """Compile ``text`` into a `Path`; raise `PathSyntaxError` when malformed."""
    return Path(text)


def _apply(step: Step, value: JSON, out: list[JSON]) -> None:
    if isinstance(step, str):
        if isinstance(value, dict):
            found = _lookup(value, step)
            if found is not _MISSING:
                out.append(found)
    elif step is None:
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    elif isinstance(value, list):
        if -len(value) <= step < len(value):
            out.append(value[step])
    elif step == 0:
        out.append(value)


def _lookup(mapping: dict[Any, JSON], key: str) -> JSON:
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.casefold() == folded:
            return value
    return _MISSING


# --- compiling ---------------------------------------------------------------

_SPECIAL = frozenset('.[]"')


def _compile(text: str) -> tuple[Step, ...]:
    start = 0
    if text == "$":
        return ()
    if text.startswith(("$.", "$[")):
        start = 2 if text[1] == "." else 1
    if start == len(text):
        return ()
    return _Compiler(text, start).run()


class _Compiler:
    """A single left-to-right pass over the path text."""

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos
        self.steps: list[Step] = []

    def fail(self, message: str, offset: int | None = None) -> PathSyntaxError:
        return PathSyntaxError(message, self.text, self.pos if offset is None else offset)

    def run(self) -> tuple[Step, ...]:
        text = self.text
        if self.pos < len(text) and text[self.pos] != "[":
            self.key()
        self.brackets()
        while self.pos < len(text):
            if text[self.pos] != ".":
                raise self.fail(f"expected '.' or '[' but found {text[self.pos]!r}")
            self.pos += 1
            self.key()
            self.brackets()
        return tuple(self.steps)

    def key(self) -> None:
        text = self.text
        if self.pos >= len(text):
            raise self.fail("expected a key after '.'")
        if text[self.pos] == '"':
            self.steps.append(self.quoted())
            return
        begin = self.pos
        while self.pos < len(text) and text[self.pos] not in _SPECIAL:
            if text[self.pos].isspace():
                raise self.fail("keys containing spaces must be double-quoted")
            self.pos += 1
        if self.pos == begin:
            raise self.fail(f"expected a key but found {text[self.pos]!r}")
        self.steps.append(text[begin : self.pos])

    def quoted(self) -> str:
        text = self.text
        begin = self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(chars)
            if char == "\\":
                self.pos += 1
                if self.pos == len(text):
                    break
                char = text[self.pos]
            chars.append(char)
            self.pos += 1
        raise self.fail("unterminated quoted key", begin)

    def brackets(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] == "[":
            close = text.find("]", self.pos)
            if close < 0:
                raise self.fail("unclosed '['")
            inner = text[self.pos + 1 : close]
            if inner == "":
                self.steps.append(None)
            elif _is_index(inner):
                self.steps.append(int(inner))
            else:
                raise self.fail(f"expected '[]' or '[N]' but found [{inner}]")
            self.pos = close + 1


def _is_index(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit()
