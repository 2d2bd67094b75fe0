"""YAML documents that remember where each value and key stands, for located error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from failreason._errors import Location, Problem

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


def load_yaml(text: str, file: str) -> LocatedDocument | Problem:
    """Parse one YAML document; a syntax error comes back as a located Problem."""
    loader = yaml.SafeLoader(text)
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
    except _DuplicateKeyError as dup:
        return Problem(dup.location, dup.message, dup.path)
    finally:
        loader.dispose()
    return LocatedDocument(file, data, document.values, document.keys)


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
