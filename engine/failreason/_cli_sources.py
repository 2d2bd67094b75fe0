"""Which rules and templates a command reads: ``--rules``, file names, sibling templates, and
what ``_config`` finds in the environment and ``pyproject.toml`` when the command line is silent.

``--rules DIR`` may be given more than once: each directory is a layer, tried in the order
given, all before the built-in rules; it replaces the configured directories.

Templates next to rules are found by one convention, the project's own layout: rules in
``DIR`` and their templates in the folder ``templates`` beside it (``DIR/../templates``).
``--templates`` overrides it; a sibling folder that does not exist is simply not used.

``lint`` also takes rule file names, as pre-commit passes them. A rule file is not linted
alone (its concept words, system ids and templates live beside it): each file names the
directory that holds it, and every such directory is checked whole, in the order first named.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from failreason._config import Settings, resolve
from failreason._engine import Engine
from failreason._errors import FailreasonError, Location, Problem, RulesDirectoryError
from failreason._load import builtin_dir, engine_of

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


def engine_options(parser: argparse.ArgumentParser, *, strict: bool = False) -> None:
    """``--rules`` (repeatable), ``--templates`` and ``--isolated``; ``--strict`` when asked."""
    parser.add_argument(
        "--rules",
        action="append",
        metavar="DIR",
        help="your rule files, tried before built-ins; repeat for several directories, tried "
        "in order (replaces FAILREASON_RULES and [tool.failreason] rules)",
    )
    parser.add_argument(
        "--templates", metavar="DIR", help="your templates, found first (default DIR/../templates)"
    )
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore FAILREASON_RULES, FAILREASON_TEMPLATES and [tool.failreason]",
    )
    if strict:
        parser.add_argument(
            "--strict",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="an ambiguous or misspelt system id or validation code fails its line",
        )


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings a command's shared options leave in force (see ``_config``)."""
    return resolve(
        args.rules, args.templates, getattr(args, "strict", None), isolated=args.isolated
    )


def engine_for(settings: Settings) -> Engine:
    """An engine of ``settings``' rule directories, each with its templates, then built-ins.

    A templates directory set anywhere goes with the first rules directory (searched first);
    otherwise each rules directory brings the templates folder beside it, if there is one.
    """
    directories: list[str | None] = list(settings.rules) or [None]
    if settings.templates is not None:
        templates = [settings.templates] + [None] * (len(directories) - 1)
    else:
        templates = [sibling_templates(directory) for directory in directories]
    return engine_of(directories, templates, strict=settings.strict)


def lint_engine(args: argparse.Namespace) -> Engine:
    """The engine ``lint`` checks: the files' own directories when they lie outside the
    configured ones (as --rules would), else every configured directory, whole."""
    if args.files and args.rules is not None:
        raise FailreasonError("give rule files or --rules DIR, not both")
    settings = settings_of(args)
    if _own_directories(args, settings) is not None:
        return engine_for_files(args.files, settings.templates, strict=settings.strict)
    return engine_for(settings)


def lint_directories(args: argparse.Namespace) -> list[str]:
    """The user rule directories ``lint_engine`` reads, in precedence order."""
    settings = settings_of(args)
    own = _own_directories(args, settings)
    if own is not None:
        return [d for d in own if not _is_builtin(d, "rules")]
    return list(settings.rules)


def _own_directories(args: argparse.Namespace, settings: Settings) -> list[str] | None:
    """The directories of the files lint was given, when they lie outside the configured
    ones (lint then reads them in their place); None when it reads the configured ones."""
    if not args.files:
        return None
    directories = rule_directories(args.files)
    return None if within(directories, settings.rules) else directories


def within(paths: Sequence[str], directories: Sequence[str]) -> bool:
    """Whether every one of ``paths`` lies in one of ``directories``."""
    roots = [Path(directory).resolve() for directory in directories]
    return bool(roots) and all(
        any(Path(path).resolve().is_relative_to(root) for root in roots) for path in paths
    )


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
    directories = [d for d in rule_directories(files) if not _is_builtin(d, "rules")]
    templates = [templates_for(directory, templates_dir) for directory in directories]
    return engine_of(directories, templates, strict=strict)


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
