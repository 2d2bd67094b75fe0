"""Shared fixtures: the built-in engine, and a way to write throw-away rule files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import failreason

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
