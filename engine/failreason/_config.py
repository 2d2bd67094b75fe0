"""Where the command line finds the user's rules when not told: the environment, then
``[tool.failreason]`` in ``pyproject.toml``.

Discovery follows ruff's (docs/configuration.md, "Config file discovery"): from the current
directory upward, the closest ``pyproject.toml`` that has a ``[tool.failreason]`` table is
used; one without the table is passed over, as ruff passes over one without ``[tool.ruff]``.
Only that file is read (no merging with files further up), and the paths in it are relative
to the directory holding it::

    [tool.failreason]
    rules = ["rules", "vendor/acme-rules"]   # or one path; tried in this order
    templates = "templates"                  # default: a templates/ folder beside each
    strict = true                            # as --strict

Each setting is taken from the first place that gives it: the command line, then
``FAILREASON_RULES`` (paths separated by ``os.pathsep``) and ``FAILREASON_TEMPLATES``, then
the file. A level that gives ``rules`` replaces the lower levels' rules, as ruff's
``--select`` replaces the configured selection; it does not add to them. ``--isolated``
(ruff's name) ignores the environment and the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from failreason._errors import FailreasonError
from failreason._lazy_re import lazy_compile
from failreason._schema import suggest

ENV_RULES = "FAILREASON_RULES"
ENV_TEMPLATES = "FAILREASON_TEMPLATES"
PYPROJECT = "pyproject.toml"
_TABLE = "[tool.failreason]"
_KEYS = ("rules", "templates", "strict")
_COMMAND_LINE = "the command line"
_TOML_POSITION = lazy_compile(r"\s*\(at line (\d+), column (\d+)\)$")


class ConfigError(FailreasonError):
    """``[tool.failreason]`` or a ``FAILREASON_*`` variable that cannot be used as written."""


@dataclass(frozen=True)
class Settings:
    """The rules and templates a command uses, and where each setting came from."""

    rules: tuple[str, ...] = ()  # user rule directories, highest precedence first
    templates: str | None = None  # None: a templates/ folder beside each rules directory
    strict: bool = False
    config_file: Path | None = None  # the pyproject.toml read, if any
    sources: Mapping[str, str] = field(default_factory=dict)  # setting -> where it came from

    def describe(self) -> list[str]:
        """What is in force, one line per setting given anywhere, for ``failreason rules``."""
        lines = [f"configuration: {self.config_file}"] if self.config_file else []
        if self.rules:
            lines.append(f"rules: {', '.join(self.rules)} (from {self.sources['rules']})")
        if self.templates is not None:
            lines.append(f"templates: {self.templates} (from {self.sources['templates']})")
        if self.strict:
            lines.append(f"strict: on (from {self.sources['strict']})")
        return lines


def resolve(
    rules: Sequence[str] | None = None,
    templates: str | None = None,
    strict: bool | None = None,
    *,
    isolated: bool = False,
    start: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings in force: the command line's values (None: not given), then the
    environment, then the closest ``[tool.failreason]`` above ``start`` (the current
    directory). Raises ConfigError naming the file or variable that is wrong."""
    given = {"rules": tuple(rules) if rules else None, "templates": templates, "strict": strict}
    levels = [{key: (value, _COMMAND_LINE) for key, value in given.items() if value is not None}]
    config_file = None
    if not isolated:
        levels.append(_from_environment(os.environ if environ is None else environ))
        config_file = find_config(Path.cwd() if start is None else start)
        if config_file is not None:
            levels.append({k: (v, str(config_file)) for k, v in read_config(config_file).items()})
    chosen: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for level in levels:
        for key, (value, where) in level.items():
            if key not in chosen:
                chosen[key], sources[key] = value, where
    return Settings(
        rules=chosen.get("rules", ()),
        templates=chosen.get("templates"),
        strict=chosen.get("strict", False),
        config_file=config_file,
        sources=sources,
    )


def _from_environment(environ: Mapping[str, str]) -> dict[str, tuple[Any, str]]:
    """FAILREASON_RULES and FAILREASON_TEMPLATES; an empty variable counts as unset."""
    values: dict[str, tuple[Any, str]] = {}
    rules = [part for part in environ.get(ENV_RULES, "").split(os.pathsep) if part]
    if rules:
        values["rules"] = (tuple(_existing(p, ENV_RULES, "rules") for p in rules), ENV_RULES)
    if environ.get(ENV_TEMPLATES):
        templates = _existing(environ[ENV_TEMPLATES], ENV_TEMPLATES, "templates")
        values["templates"] = (templates, ENV_TEMPLATES)
    return values


def find_config(start: Path) -> Path | None:
    """The closest ``pyproject.toml`` at or above ``start`` with a ``[tool.failreason]`` table."""
    for directory in (start.resolve(), *start.resolve().parents):
        candidate = directory / PYPROJECT
        if candidate.is_file() and _table(_parse(candidate)) is not None:
            return candidate
    return None


def _table(document: dict[str, Any]) -> Any:
    tool = document.get("tool")
    return tool.get("failreason") if isinstance(tool, dict) else None


def read_config(path: Path) -> dict[str, Any]:
    """The settings of ``path``'s ``[tool.failreason]``, checked, paths made usable from here."""
    table = _table(_parse(path))
    where = f"{path}: {_TABLE}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of settings, got {_kind(table)}")
    for key in table:
        if key not in _KEYS:
            hint = suggest(key, _KEYS) or f"the settings are {', '.join(_KEYS)}"
            raise ConfigError(f"{where}: unknown setting {key!r}; {hint}")
    values: dict[str, Any] = {}
    if "rules" in table:
        paths = _paths(table["rules"], f"{where} rules")
        values["rules"] = tuple(_existing(p, f"{where} rules", "rules", path.parent) for p in paths)
    if "templates" in table:
        value = table["templates"]
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} templates: expected a path, got {_kind(value)}")
        values["templates"] = _existing(value, f"{where} templates", "templates", path.parent)
    if "strict" in table:
        if not isinstance(table["strict"], bool):
            got = _kind(table["strict"])
            raise ConfigError(f"{where} strict: expected true or false, got {got}")
        values["strict"] = table["strict"]
    return values


def _parse(path: Path) -> dict[str, Any]:
    import tomllib  # here: most runs find no config file, and a classify must start fast

    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        where = f"{path}:{position[1]}:{position[2]}" if position else str(path)
        detail = message[: position.start()] if position else message
        raise ConfigError(f"{where}: not valid TOML: {detail}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _paths(value: Any, where: str) -> list[str]:
    """A path or a non-empty list of paths, as written."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise ConfigError(f"{where}: expected a path or a list of paths, got {_kind(value)}")


def _existing(value: str, where: str, what: str, base: Path | None = None) -> str:
    """``value`` (relative to ``base``, else to here) as shown from here; it must be a folder."""
    path = Path(value) if base is None else base / value
    if not path.is_dir():
        state = "is not a directory" if path.exists() else "does not exist"
        resolved = f" ({path})" if base is not None else ""
        raise ConfigError(f"{where}: the {what} directory {value!r}{resolved} {state}")
    return value if base is None else _shown(path)


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when inside it, else absolute: what a
    user can paste, and what locations in the rule files are shown through."""
    absolute, here = path.resolve(), Path.cwd().resolve()
    return absolute.relative_to(here).as_posix() if absolute.is_relative_to(here) else str(absolute)


_KINDS = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


def _kind(value: Any) -> str:
    if isinstance(value, str) and not value:
        return "an empty string"
    if isinstance(value, list):
        return "an empty list" if not value else "a list with a value that is not a path"
    if isinstance(value, dict):
        return "a table"
    return _KINDS.get(type(value), type(value).__name__)
