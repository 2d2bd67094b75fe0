"""A wrong ``[tool.failreason]`` setting or ``FAILREASON_*`` variable: named with its file (and
line, for TOML that does not parse) or variable, with a "did you mean" where one fits; status
2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from failreason._cli import main
from failreason._cli_help import TEXTS
from tests.test_config import pyproject, rules_dir


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with checks/rules, the current directory inside it."""
    rules_dir(tmp_path, "checks", "acme.configured")
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    return tmp_path


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'rule = "checks/rules"\n',
            "{file}: [tool.failreason]: unknown setting 'rule'; did you mean 'rules'?",
        ),
        (
            'colour = "red"\n',
            "{file}: [tool.failreason]: unknown setting 'colour'; "
            "the settings are rules, templates, strict",
        ),
        (
            "rules = 3\n",
            "{file}: [tool.failreason] rules: expected a path or a list of paths, got an integer",
        ),
        (
            'rules = ["checks/rules", 1]\n',
            "{file}: [tool.failreason] rules: expected a path "
            "or a list of paths, got a list with a value that is not a path",
        ),
        (
            'strict = "yes"\n',
            "{file}: [tool.failreason] strict: expected true or false, got a string",
        ),
        (
            "templates = false\n",
            "{file}: [tool.failreason] templates: expected a path, got a boolean",
        ),
        (
            'rules = "nope"\n',
            "{file}: [tool.failreason] rules: the rules directory 'nope' "
            "({root}/nope) does not exist",
        ),
        (
            'rules = "checks/rules/acme.configured.yaml"\n',
            "{file}: [tool.failreason] rules: "
            "the rules directory 'checks/rules/acme.configured.yaml' ({root}/checks/rules/"
            "acme.configured.yaml) is not a directory",
        ),
        ('rules = "checks/rules"\nstrict = \n', "{file}:6:10: not valid TOML: Invalid value"),
        (
            "strict = true\n[tool.failreason]\n",
            "{file}:6:17: not valid TOML: Cannot declare ('tool', 'failreason') twice",
        ),
    ],
    ids=[
        "misspelt-key",
        "unknown-key",
        "rules-type",
        "rules-item",
        "strict-type",
        "templates-type",
        "missing-dir",
        "not-a-dir",
        "malformed",
        "declared-twice",
    ],
)
def test_a_wrong_setting_is_named_with_its_file_and_stops_with_status_2(
    project: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    config = pyproject(project, table)
    assert main(["rules"]) == 2
    err = capsys.readouterr().err
    assert err == "failreason: " + message.format(file=config, root=project) + "\n"


@pytest.mark.parametrize("variable", ["FAILREASON_RULES", "FAILREASON_TEMPLATES"])
def test_a_missing_directory_in_the_environment_is_named_with_its_variable(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, "gone")
    assert main(["test"]) == 2
    what = variable.removeprefix("FAILREASON_").lower()
    assert capsys.readouterr().err == (
        f"failreason: {variable}: the {what} directory 'gone' does not exist\n"
    )


@pytest.mark.parametrize("name", ["classify", "explain", "lint", "test", "rules", "coverage"])
def test_the_help_names_the_environment_and_the_pyproject(name: str) -> None:
    text = " ".join(TEXTS[name].input.split())
    assert "FAILREASON_RULES" in text
    assert "[tool.failreason]" in text
