"""``failreason --version`` names the package version, the one ``pyproject.toml`` declares."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import failreason
from failreason._cli import main

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"


def test_version_prints_the_package_version_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`failreason --version` prints `failreason X.Y.Z` on stdout and exits 0."""
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"failreason {failreason.__version__}\n"


def test_the_package_version_is_the_declared_one() -> None:
    """``__version__`` and ``pyproject.toml`` cannot drift apart."""
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    assert failreason.__version__ == declared
