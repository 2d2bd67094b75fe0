"""Copy a JSON-like Python value passed to ``classify``, bounded and without recursion.

The copy is what the engine reads, so a caller's object is never changed and never read
twice. Strings become exact, valid ``str`` (lone surrogates replaced); subclasses (enums,
``str`` subclasses) become their plain values without calling their overridable methods.
Bounds, from `_bounds`: containers below ``MAX_DEPTH`` become None; after the first
``MAX_NODES`` values in document order, or ``MAX_BODY_CHARS`` characters of strings (keys
included), nothing more is copied (what is left is None, or not there);
integers wider than ``MAX_NUMBER_BITS`` become None. A value that contains itself cannot be
JSON and is refused, as is any value that is not JSON-like (``NotJsonError``), with a problem
that names types and depths, never a value.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from failreason._bounds import MAX_BODY_CHARS, MAX_DEPTH, MAX_NODES, MAX_NUMBER_BITS
from failreason._sanitize import valid

_EXIT = object()  # a stack marker: the container below it has been copied


class NotJsonError(ValueError):
    """The value cannot be a JSON value; ``problem`` says where and why, without values."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Budget:
    """Values and characters left to copy, spent in document order."""

    def __init__(self) -> None:
        self.nodes = MAX_NODES
        self.chars = MAX_BODY_CHARS

    def text(self, value: str) -> str:
        kept = str.__str__(value)[: max(self.chars, 0)]
        self.chars -= len(kept)
        return valid(kept)


def copy_json(value: Any) -> Any:
    """A bounded, valid copy of ``value``; raises NotJsonError for what no JSON can hold."""
    budget = _Budget()
    root: list[Any] = [None]
    # (source, depth, target container, slot in it) or (_EXIT, id of a finished container)
    stack: list[tuple[Any, Any, Any, Any]] = [(value, 0, root, 0)]
    ancestors: set[int] = set()
    while stack and budget.nodes > 0 and budget.chars > 0:
        source, depth, target, slot = stack.pop()
        if source is _EXIT:
            ancestors.discard(depth)
            continue
        budget.nodes -= 1
        if not _is_container(source):
            target[slot] = _scalar(source, budget, depth)
            continue
        if id(source) in ancestors:
            raise NotJsonError(f"it contains itself (at depth {depth}); JSON cannot hold a cycle")
        if depth >= MAX_DEPTH:
            continue  # too deep: left as None
        # Slots past the budget would stay empty: they are not even made.
        children = _children(source, depth, limit=budget.nodes)
        ancestors.add(id(source))
        stack.append((_EXIT, id(source), None, None))
        copy: dict[str, Any] | list[Any]
        if type(source) is dict or isinstance(source, Mapping):
            copy = {}
            pending: list[tuple[Any, Any, Any, Any]] = []
            for key, child in children:
                name = budget.text(key)
                copy[name] = None
                pending.append((child, depth + 1, copy, name))
        else:
            copy = [None] * len(children)
            pending = [(child, depth + 1, copy, index) for index, child in enumerate(children)]
        stack.extend(reversed(pending))  # popped in document order, which the budget follows
        target[slot] = copy
    return root[0]


_PLAIN_CONTAINERS = frozenset({dict, list, tuple})
_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_container(value: Any) -> bool:
    kind = type(value)  # what json.loads makes is decided without the ABC check
    if kind in _PLAIN_CONTAINERS:
        return True
    return kind not in _PLAIN_SCALARS and isinstance(value, Mapping | list | tuple)


def _children(source: Any, depth: int, limit: int) -> list[Any]:
    if isinstance(source, list | tuple):
        return list(source[:limit])
    try:
        items = list(itertools.islice(source.items(), limit))
    except Exception:  # foreign code failing is reported as such, not re-raised
        raise NotJsonError(f"a mapping at depth {depth} could not be read") from None
    for key, _ in items:
        if not isinstance(key, str):
            raise NotJsonError(f"a mapping at depth {depth} has a key of type {_type_name(key)}")
    return items


def _scalar(value: Any, budget: _Budget, depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return budget.text(value)
    if isinstance(value, int):
        return int.__int__(value) if value.bit_length() <= MAX_NUMBER_BITS else None
    if isinstance(value, float):
        return float.__float__(value)
    raise NotJsonError(f"found a value of type {_type_name(value)} at depth {depth}")


def _type_name(value: object) -> str:
    name = str(type(value).__name__)[:40]
    return name if name.isprintable() else "(unprintable)"
