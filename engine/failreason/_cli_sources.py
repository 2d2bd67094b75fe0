"""Which rules and templates a command reads: ``--rules``, file names, and sibling templates.

Templates next to rules are found by one convention, the project's own layout: rules in
``DIR`` and their templates in the folder ``templates`` beside it (``DIR/../templates``).
``--templates`` overrides it; a sibling folder that does not exist is simply not used.

``lint`` also takes rule file names, as pre-commit passes them. A rule file is not linted
alone (its concept words, system ids and templates live beside it): each file names the
directory that holds it, and every such directory is checked whole, in the order first named.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from failreason._engine import Engine
from failreason._errors import Location, Problem, RulesDirectoryError
from failreason._load import builtin_dir
from failreason._rules import Layer, load_rule_set

RULE_SUFFIXES = (".yaml", ".yml")


def sibling_templates(rules_dir: str | None) -> str | None:
    """``rules_dir/../templates`` when it is a folder other than the built-in templates."""
    if rules_dir is None:
        return None
    # normpath, not resolve: shown as the user would write it ("templates", "../templates")
    candidate = os.path.normpath(Path(rules_dir) / os.pardir / "templates")
    if not Path(candidate).is_dir() or _is_builtin(candidate, "templates"):
        return None
    return candidate


def templates_for(rules_dir: str | None, templates_dir: str | None) -> str | None:
    """``--templates`` when given, else the templates folder beside the rules, if any."""
    return templates_dir if templates_dir is not None else sibling_templates(rules_dir)


def rule_directories(files: Sequence[str]) -> list[str]:
    """The directories holding ``files``, each once, in the order first named.

    A name that is not a readable ``.yaml``/``.yml`` file stops the command (an OSError or a
    RulesDirectoryError, exit status 2): pre-commit passes names that exist.
    """
    directories: list[str] = []
    for name in files:
        _require_rule_file(name)
        directory = str(Path(name).parent)  # "." for a bare name
        if directory not in directories:
            directories.append(directory)
    return directories


def engine_for_files(
    files: Sequence[str], templates_dir: str | None, *, strict: bool = False
) -> Engine:
    """An engine of the built-in rules and every user directory that holds one of ``files``.

    Directories named first take precedence. The built-in rules directory itself (a file of
    the project's own ``rules/``) is loaded once, as the built-ins.
    """
    layers = [
        Layer(
            Path(directory),
            Path(templates) if templates is not None else None,
            directory,
            templates or "",
        )
        for directory in rule_directories(files)
        if not _is_builtin(directory, "rules")
        for templates in [templates_for(directory, templates_dir)]
    ]
    layers.append(Layer(builtin_dir("rules"), builtin_dir("templates"), "rules", "templates"))
    return Engine(load_rule_set(layers), layers, strict=strict)


def _require_rule_file(name: str) -> None:
    path = Path(name)
    if path.suffix not in RULE_SUFFIXES or not path.is_file():
        what = "is not a .yaml rule file" if path.exists() else "does not exist"
        hint = "pass rule files (*.yaml) or --rules DIR"
        raise RulesDirectoryError(Problem(Location(name), f"the path {what}", hint=hint))
    with path.open("rb"):  # unreadable: an OSError, which the command reports as status 2
        pass


def _is_builtin(directory: str, name: str) -> bool:
    try:
        return Path(directory).samefile(builtin_dir(name))
    except OSError:
        return False
