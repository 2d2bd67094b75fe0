"""Shared fixtures: the built-in engine, and a way to write throw-away rule files."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import failreason
from failreason._sandbox_contract import watching
from tests.connectors import describe as describe_connectors

WriteRules = Callable[..., Path]


@pytest.fixture(scope="session")
def engine() -> failreason.Engine:
    """The engine with the built-in rules, loaded once."""
    return failreason.load()


@pytest.fixture
def write_rules(tmp_path: Path) -> WriteRules:
    """Write ``name -> YAML text`` files into a fresh rules directory and return it."""

    def write(directory: str = "rules", **files: str) -> Path:
        folder = tmp_path / directory
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            suffix = ".j2" if directory == "templates" else ".yaml"
            (folder / f"{name}{suffix}").write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write


@pytest.fixture(autouse=True)
def no_configured_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's FAILREASON_RULES or FAILREASON_TEMPLATES must not reach the tests: the
    commands they run would load those rules too. (The repository's own pyproject.toml has
    no [tool.failreason]; tests/test_config.py checks that.)"""
    monkeypatch.delenv("FAILREASON_RULES", raising=False)
    monkeypatch.delenv("FAILREASON_TEMPLATES", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "contract_exempt(reason): the test breaks Pleo's contract on purpose (say why); "
        "its sandboxes are not checked against it",
    )
    # Rule sets loaded by the tests (some while they are collected) and by the commands they
    # run are cached in a directory of this run's own, never in the user's cache.
    _RULE_CACHE.append(tempfile.mkdtemp(prefix="failreason-rule-cache-"))
    os.environ["FAILREASON_CACHE_DIR"] = _RULE_CACHE[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    for directory in _RULE_CACHE:
        shutil.rmtree(directory, ignore_errors=True)
    os.environ.pop("FAILREASON_CACHE_DIR", None)


_RULE_CACHE: list[str] = []


# The one drift the client commits on purpose: it sends the seed's default job type first
# (DOMAIN.md: "send the seed's default, and when Pleo refuses the type, retry once with the
# closest job-level value"). Pleo's enum lacks it; the tests of the fallback pin the rest.
SEED_JOB_TYPE_SENT = (
    'request POST /v3/export-job-events: body.failureReasonType: "accounting_system_validation_'
    'failure" is not one of'
)


@pytest.fixture(autouse=True)
def pleo_contract(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every sandbox a test makes checks each request and answer against Pleo's contract.

    A violation on either side (a client's request or the sandbox's answer) fails the test.
    Tests that send malformed requests on purpose opt out with ``contract_exempt(reason=...)``.
    """
    exempt = request.node.get_closest_marker("contract_exempt")
    if exempt is not None:
        if not exempt.kwargs.get("reason"):
            pytest.fail("contract_exempt needs a reason: say what the test breaks on purpose")
        yield
        return
    with watching() as watch:
        yield
    violations = [v for v in watch.violations if not str(v).startswith(SEED_JOB_TYPE_SENT)]
    if violations:
        shown = "\n".join(f"  {problem}" for problem in violations[:20])
        more = len(violations) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        pytest.fail(f"Pleo's contract was broken:\n{shown}{tail}", pytrace=False)


def pytest_report_header(config: pytest.Config) -> str:
    """Which connector languages the entry-command tests run on this machine."""
    return describe_connectors()
