"""A rule file read in one pass over libyaml's events: its values and the place of each.

Parsing in C and building in one Python pass is what keeps loading the rules cheap: composing a
node graph and walking it again cost twice as much. The pass counts values and levels as it
goes, and gives up (returns None) on anything it does not read the plain way: an alias (whose
expansion must be counted before it is built), a value near a limit, a duplicate, complex or
merge key, an explicit collection tag, several documents or a syntax error. ``_yaml`` then
reads the file the careful way, and says where any problem is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

DocPath = tuple[str | int, ...]
Mark = tuple[int, int]

_RESOLVER = yaml.resolver.Resolver()
# Scalar constructors keep no state between calls, so one instance serves every file.
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_PLAIN_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _UnusualError(Exception):
    """The file needs the careful reader."""


@dataclass
class _Frame:
    container: dict[Any, Any] | list[Any]
    path: DocPath
    key: Any = None
    has_key: bool = False


@dataclass
class _Pass:
    max_values: int
    max_depth: int
    root: Any = None
    values: dict[DocPath, Mark] = field(default_factory=dict)
    keys: dict[DocPath, Mark] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    count: int = 0
    documents: int = 0

    def run(self, events: Any) -> None:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                self._place(_construct(event), event)
            elif isinstance(event, yaml.CollectionStartEvent):
                self._start(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                if self.stack.pop().has_key:
                    raise _UnusualError
            elif isinstance(event, yaml.AliasEvent):
                raise _UnusualError
            elif isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise _UnusualError

    def _start(self, event: yaml.CollectionStartEvent) -> None:
        if event.tag not in _PLAIN_TAGS:
            raise _UnusualError  # !!omap, !!set, ...: PyYAML's to construct
        container: dict[Any, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        path = self._place(container, event)
        if path is None:
            raise _UnusualError  # a collection as a key
        self.stack.append(_Frame(container, path))

    def _place(self, value: Any, event: Any) -> DocPath | None:
        """Put ``value`` where the document has it; None when it is a mapping's key."""
        self.count += 1
        if self.count >= self.max_values or len(self.stack) + 1 >= self.max_depth:
            raise _UnusualError  # near a limit: the careful reader judges and locates it
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        if not self.stack:
            self.root = value
            self.values[()] = mark
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            path: DocPath = (*frame.path, len(frame.container))
            frame.container.append(value)
        elif not frame.has_key:
            if not isinstance(value, str | int) or isinstance(value, bool) or value == "<<":
                raise _UnusualError  # a complex, boolean or merge key: PyYAML decides
            if value in frame.container:
                raise _UnusualError  # a duplicate key is a located problem
            frame.key, frame.has_key = value, True
            self.keys[(*frame.path, value)] = mark
            return None
        else:
            path = (*frame.path, frame.key)
            frame.container[frame.key] = value
            frame.has_key = False
        self.values[path] = mark
        return path


def _construct(event: yaml.ScalarEvent) -> Any:
    if event.tag in (None, "!") and not event.implicit[0]:
        return event.value  # quoted or block text: a string
    tag = event.tag
    if tag in (None, "!"):
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None:
        raise _UnusualError  # an unknown tag: the careful reader names it
    return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, event.value, style=event.style))


def read(
    text: str, *, max_values: int, max_depth: int
) -> tuple[Any, dict[DocPath, Mark], dict[DocPath, Mark]] | None:
    """The data, the place of each value and of each key; None: read it the careful way."""
    if not yaml.__with_libyaml__:
        return None
    reader = _Pass(max_values, max_depth)
    try:
        reader.run(yaml.parse(text, Loader=yaml.CSafeLoader))
    except (_UnusualError, yaml.YAMLError):
        return None
    return reader.root, reader.values, reader.keys
