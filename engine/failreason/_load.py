"""Find the built-in rules and templates, and build engines from them and the user's."""

from __future__ import annotations

import os
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


def load(
    rules_dir: str | os.PathLike[str] | None = None,
    templates_dir: str | os.PathLike[str] | None = None,
    *,
    strict: bool = False,
    cache_size: int | None = None,
) -> Engine:
    """An engine with the built-in rules, plus the user's rules and templates when given.

    The user's rules are tried before the built-in ones, and a user rule with a built-in's id
    replaces it; a user template replaces the built-in one of the same name. Raises
    RuleFileError listing every problem in the files, or its RulesDirectoryError when a
    directory given does not exist.

    ``strict``: an ambiguous or misspelt system id or validation code in an envelope is an
    EnvelopeError instead of a warning on the Classification (see ``Engine.strict``).

    ``cache_size``: how many results of repeated envelopes to remember (0: none); by default
    $FAILREASON_CACHE_SIZE, else 4,096 (see ``Engine.cache_info``).
    """
    layers: list[Layer] = []
    if rules_dir is not None or templates_dir is not None:
        layers.append(_user_layer(rules_dir, templates_dir))
    layers.append(Layer(builtin_dir("rules"), builtin_dir("templates"), "rules", "templates"))
    return Engine(load_rule_set(layers), layers, strict=strict, cache_size=cache_size)


def _user_layer(
    rules_dir: str | os.PathLike[str] | None, templates_dir: str | os.PathLike[str] | None
) -> Layer:
    return Layer(
        Path(rules_dir) if rules_dir is not None else None,
        Path(templates_dir) if templates_dir is not None else None,
        os.fspath(rules_dir) if rules_dir is not None else "",
        os.fspath(templates_dir) if templates_dir is not None else "",
    )
