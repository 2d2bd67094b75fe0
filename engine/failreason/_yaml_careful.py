"""The careful way to read a rule file: counted as it is composed, and every problem located.

``_yaml.load_yaml`` comes here for whatever the one-pass reader (``_yaml_events``) gives up
on: a file with aliases, an odd key or tag, a syntax error, or one near a limit. It is kept
apart so that a process whose rule set comes from the cache never imports PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml

from failreason._errors import Location, Problem
from failreason._yaml import MAX_DEPTH, MAX_VALUES, DocPath, LocatedDocument, format_path


def load(text: str, file: str, fast: yaml.SafeLoader | None) -> LocatedDocument | Problem:
    """Compose ``text`` with ``fast`` (libyaml's loader) or else the bounded loader."""
    loader: yaml.SafeLoader = fast or _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LocatedDocument(file, None)
        document = LocatedDocument(file, None)
        data = _build(loader, node, (), document)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        return Problem(Location(file, line, column), f"invalid YAML: {reason}")
    except _LimitError as exc:
        where = Location(file, exc.mark.line + 1, exc.mark.column + 1)
        return Problem(where, exc.message)
    except _DuplicateKeyError as dup:
        return Problem(dup.location, dup.message, dup.path)
    finally:
        loader.dispose()
    return LocatedDocument(file, data, document.values, document.keys)


def fast_loader(text: str) -> yaml.SafeLoader | None:
    """libyaml's loader, for a document it can compose well within the limits.

    Composing in C is several times faster than PyYAML's Python scanner, which dominated
    loading the rules. A flat pass over libyaml's events (no recursion) checks first that the
    document stays within MAX_VALUES and MAX_DEPTH with its aliases expanded, knowing each
    anchor's expanded size and height from the events between its start and end. Anything
    else (near a limit, an alias inside its own anchor, a syntax error) goes to
    ``_BoundedLoader``, which counts and locates it.
    """
    if not yaml.__with_libyaml__:
        return None
    try:
        within = _within_limits(yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return None
    if not within:
        return None
    loader: yaml.SafeLoader = yaml.CSafeLoader(text)  # type: ignore[assignment]
    return loader


def _within_limits(events: Any) -> bool:
    """Whether the document these events spell stays below both limits, aliases expanded.

    ``open_`` holds, per collection being read, its anchor, the expanded count before it and
    its level, and the deepest level reached inside it so far; closing it gives an anchored
    collection's expanded size and height for the aliases that follow.
    """
    expanded = 0
    open_: list[list[Any]] = []  # [anchor, expanded before it, its level, deepest level inside]
    anchored: dict[str, tuple[int, int]] = {}  # anchor → (values, height) once expanded
    for event in events:
        level = len(open_)  # collections around this node
        if isinstance(event, yaml.AliasEvent):
            if any(frame[0] == event.anchor for frame in open_) or event.anchor not in anchored:
                return False  # recursive (or unknown): the bounded loader locates it
            size, height = anchored[event.anchor]
            expanded, reach = expanded + size, level + height
        elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            expanded, reach = expanded + 1, level + 1
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                anchored[event.anchor] = (1, 1)
            if isinstance(event, yaml.CollectionStartEvent):
                open_.append([event.anchor, expanded - 1, level + 1, level + 1])
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before, own_level, deepest = open_.pop()
            if anchor is not None:
                anchored[anchor] = (expanded - before, deepest - own_level + 1)
            reach = deepest
        else:
            continue
        if open_:
            open_[-1][3] = max(open_[-1][3], reach)
        if expanded >= MAX_VALUES or reach >= MAX_DEPTH:  # near a limit: let it judge
            return False
    return True


class _LimitError(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting what each node expands to as the document is composed.

    An alias is a reference to an anchored node, so a document of a few lines can stand for
    billions of values; PyYAML's composer keeps it as a graph, and this counts the tree it
    would become (values and depth) before anything walks it.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._size: dict[int, int] = {}  # id(node) → values in its expanded tree
        self._height: dict[int, int] = {}  # id(node) → levels in its expanded tree
        self._open_anchors: set[str] = set()  # anchors whose node is still being composed
        self._depth = 0
        self._expanded = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open_anchors:
                raise _LimitError(
                    event.start_mark,
                    f"alias *{event.anchor} refers to its own anchor: "
                    "a recursive alias cannot be expanded",
                )
            node = super().compose_node(parent, index)
            if node is None:
                return None
            self._count(event.start_mark, self._size[id(node)], self._height[id(node)], alias=True)
            return node
        self._count(event.start_mark, 1, 1, alias=False)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open_anchors.discard(anchor or "")
        if node is None:
            return None
        children = _children(node)
        self._size[id(node)] = 1 + sum(self._size[id(child)] for child in children)
        self._height[id(node)] = 1 + max((self._height[id(c)] for c in children), default=0)
        return node

    def _count(self, mark: Any, values: int, height: int, *, alias: bool) -> None:
        self._expanded += values
        if self._expanded > MAX_VALUES:
            what = "aliases expand to" if alias or self.anchors else "the file holds"
            raise _LimitError(
                mark, f"{what} more than {MAX_VALUES:,} values; a rule file may hold at most that"
            )
        if self._depth + height > MAX_DEPTH:
            message = f"values nest more than {MAX_DEPTH} levels deep (aliases expanded)"
            raise _LimitError(mark, f"{message}; a rule file may nest at most that")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _DuplicateKeyError(Exception):
    def __init__(self, location: Location, message: str, path: str) -> None:
        super().__init__(message)
        self.location, self.message, self.path = location, message, path


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: DocPath, doc: LocatedDocument) -> Any:
    doc.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<) the way PyYAML does
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = key if isinstance(key, str | int) else str(key)
            if key in result:
                where = Location(
                    doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1
                )
                raise _DuplicateKeyError(where, f"duplicate key {key!r}", format_path(path))
            doc.keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _build(loader, value_node, (*path, key), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, index), doc) for index, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
