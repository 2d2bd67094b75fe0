"""A pytest plugin: the examples of your rules directory as tests, one per example.

Registered as the ``failreason`` pytest plugin. It does nothing until told where your rules
are, in ``pyproject.toml``::

    [tool.pytest.ini_options]
    failreason_rules = "rules"           # your rule files (*.yaml), checked with the built-ins
    failreason_templates = "templates"   # optional; else a templates/ folder beside the rules

or on the command line (``pytest --failreason-rules rules``). When neither names a rules
directory, it takes what the ``failreason`` command would: ``FAILREASON_RULES`` and
``FAILREASON_TEMPLATES``, else ``[tool.failreason]`` in the closest ``pyproject.toml`` above
pytest's rootdir (every rules directory listed there, its templates and strict mode).

Each example and near miss of a rule in those directories becomes a test named
``<file>::<rule id>[example N]``; a failure shows what the rule gave and why it did not
decide, as ``failreason test`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from failreason._cli_sources import engine_for, templates_for
from failreason._config import ConfigError, Settings, resolve
from failreason._engine import Engine
from failreason._examples import ExampleOutcome, Selection, run_examples


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("failreason_rules", "your rules directory, whose examples become tests")
    parser.addini("failreason_templates", "your templates directory (default: beside rules)")
    parser.addoption(
        "--failreason-rules", metavar="DIR", help="run the examples of this rules directory"
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    rules = _settings(parent.config).rules
    if not any(file_path.resolve().is_relative_to(Path(d).resolve()) for d in rules):
        return None
    return RuleFile.from_parent(parent, path=file_path)


def _settings(config: pytest.Config) -> Settings:
    """The pytest options when they name a rules directory, else failreason's own settings."""
    given = config.getoption("--failreason-rules", default=None) or config.getini(
        "failreason_rules"
    )
    if not given:
        return _configured(config.rootpath)
    rules = str((config.rootpath / str(given)).resolve())
    ini_templates = config.getini("failreason_templates")
    templates = (
        str((config.rootpath / str(ini_templates)).resolve())
        if ini_templates
        else templates_for(rules, None)
    )
    return Settings(rules=(rules,), templates=templates)


@cache
def _configured(rootpath: Path) -> Settings:
    """Read once a session, not once a file; a wrong setting stops the run, named."""
    try:
        return resolve(start=rootpath)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


@cache
def _engine(rules: tuple[str, ...], templates: str | None, strict: bool) -> Engine:
    """One engine per set of rules for the whole session: loading is the costly part."""
    return engine_for(Settings(rules=rules, templates=templates, strict=strict))


class RuleFile(pytest.File):
    """A rule file: one test per example and near miss of the rules written in it."""

    def collect(self) -> Iterator[pytest.Item]:
        settings = _settings(self.config)
        engine = _engine(settings.rules, settings.templates, settings.strict)
        counts: dict[tuple[str, bool], int] = {}
        for outcome in run_examples(engine, Selection(paths=[self.path])):
            key = (outcome.rule.id, outcome.negative)
            counts[key] = counts.get(key, 0) + 1
            kind = "near miss" if outcome.negative else "example"
            name = f"{outcome.rule.id}[{kind} {counts[key]}]"
            yield ExampleItem.from_parent(self, name=name, outcome=outcome)


class ExampleFailedError(Exception):
    """An example its rule does not give as written."""


class ExampleItem(pytest.Item):
    def __init__(self, *, outcome: ExampleOutcome, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.outcome = outcome

    def runtest(self) -> None:
        if not self.outcome.passed:
            raise ExampleFailedError("\n".join(self.outcome.details()))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, ExampleFailedError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(0, self.outcome.example.location.line - 1), self.name
