"""Find the built-in rules and templates, and build engines from them and the user's."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from failreason._engine import Engine
from failreason._rules import Layer, load_rule_set

_PACKAGE = Path(__file__).resolve().parent


def builtin_dir(name: str) -> Path:
    """``rules`` or ``templates`` as shipped: inside an installed wheel, or in a source checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the built-in {name}/ directory is missing from this installation")


PathName = str | os.PathLike[str]


def load(
    rules_dir: PathName | Sequence[PathName] | None = None,
    templates_dir: PathName | None = None,
    *,
    strict: bool = False,
    cache_size: int | None = None,
) -> Engine:
    """An engine with the built-in rules, plus the user's rules and templates when given.

    ``rules_dir`` is one directory or several, tried in the order given and all before the
    built-in ones. A rule with the id of one in a later directory (or a built-in's) replaces
    it: the first directory wins. A user template replaces the built-in one of the same
    name; ``templates_dir`` is searched before any other. Raises
    RuleFileError listing every problem in the files, or its RulesDirectoryError when a
    directory given does not exist.

    ``strict``: an ambiguous or misspelt system id or validation code in an envelope is an
    EnvelopeError instead of a warning on the Classification (see ``Engine.strict``).

    ``cache_size``: how many results of repeated envelopes to remember (0: none); by default
    $FAILREASON_CACHE_SIZE, else 4,096 (see ``Engine.cache_info``).
    """
    directories = _directories(rules_dir)
    templates = [templates_dir] + [None] * (len(directories) - 1)
    return engine_of(directories, templates, strict=strict, cache_size=cache_size)


def engine_of(
    rules_dirs: Sequence[PathName | None],
    templates_dirs: Sequence[PathName | None],
    *,
    strict: bool = False,
    cache_size: int | None = None,
) -> Engine:
    """An engine with one user layer per pair of directories (highest precedence first), then
    the built-in rules; a pair of two Nones is left out."""
    layers = [
        _user_layer(rules, templates)
        for rules, templates in zip(rules_dirs, templates_dirs, strict=True)
        if rules is not None or templates is not None
    ]
    layers.append(Layer(builtin_dir("rules"), builtin_dir("templates"), "rules", "templates"))
    return Engine(load_rule_set(layers), layers, strict=strict, cache_size=cache_size)


def _directories(rules_dir: PathName | Sequence[PathName] | None) -> list[PathName | None]:
    """One entry at least (None: no user rules), so the templates have a layer to go in."""
    if rules_dir is None:
        return [None]
    if isinstance(rules_dir, str | os.PathLike):
        return [rules_dir]
    return list(rules_dir) or [None]


def _user_layer(rules_dir: PathName | None, templates_dir: PathName | None) -> Layer:
    return Layer(
        Path(rules_dir) if rules_dir is not None else None,
        Path(templates_dir) if templates_dir is not None else None,
        os.fspath(rules_dir) if rules_dir is not None else "",
        os.fspath(templates_dir) if templates_dir is not None else "",
    )
