"""Where the user's rules come from when the command line does not say: ``FAILREASON_RULES``
and ``FAILREASON_TEMPLATES``, then ``[tool.failreason]`` in the closest ``pyproject.toml``
(ruff's discovery); and ``--rules`` given more than once.

A throwaway project in tmp_path: ``pyproject.toml`` naming ``checks/rules``, whose template
lives in ``checks/templates`` (beside the rules, found as ``--rules`` finds it).
"""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason._cli import main
from failreason._config import find_config
from tests.test_plugin_and_hooks import plugin_args, run
from tests.test_plugin_and_hooks import project as plugin_project

ROOT = Path(__file__).resolve().parent.parent
ENVELOPE = {"code": "X1"}
MISSPELT = {"system": "zero", "status": 429}  # 'xero': a warning, or an error when strict


def rule_file(rule_id: str, reason: str) -> str:
    """One rule deciding ENVELOPE, rendered by a template of its own id."""
    return textwrap.dedent(f"""\
        rules:
          - id: {rule_id}
            match: {{code: X1}}
            type: tag_unknown
            template: {rule_id.replace(".", "_").replace("-", "_")}
            examples:
              - input: {{code: X1}}
                reason: {reason}
        """)


def rules_dir(root: Path, name: str, rule_id: str, *, templates: str = "templates") -> Path:
    """``root/name/rules/<id>.yaml`` and its template in ``root/name/<templates>``."""
    folder = root / name / "rules"
    folder.mkdir(parents=True)
    reason = f"decided by {rule_id}"
    (folder / f"{rule_id}.yaml").write_text(rule_file(rule_id, reason), encoding="utf-8")
    template_dir = root / name / templates
    template_dir.mkdir(exist_ok=True)
    stem = rule_id.replace(".", "_").replace("-", "_")
    (template_dir / f"{stem}.j2").write_text(reason, encoding="utf-8")
    return folder


def pyproject(root: Path, table: str) -> Path:
    path = root / "pyproject.toml"
    path.write_text(f'[project]\nname = "demo"\n\n[tool.failreason]\n{table}', encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project root, with the current directory two levels inside it."""
    rules_dir(tmp_path, "checks", "acme.configured")
    pyproject(tmp_path, 'rules = "checks/rules"\n')
    nested = tmp_path / "src" / "deep"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    return tmp_path


def classify(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    envelope: dict[str, Any] = ENVELOPE,
) -> tuple[int, dict[str, Any]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(envelope) + "\n"))
    status = main(["classify", *argv])
    return status, json.loads(capsys.readouterr().out)


def rule_ids(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["rules", "--format", "json", *argv]) == 0
    return [rule["id"] for rule in json.loads(capsys.readouterr().out)]


# --- discovery -----------------------------------------------------------------------------


def test_the_closest_pyproject_with_the_table_is_found_from_a_nested_directory(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From src/deep: the rule of checks/rules decides, rendered with the template beside it
    (paths in the file are relative to it, not to the current directory)."""
    status, record = classify([], capsys, monkeypatch)
    assert (status, record["rule"]) == (0, "acme.configured")
    assert record["failureReason"] == "decided by acme.configured"


def test_a_pyproject_without_the_table_is_passed_over(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ruff passes over one without [tool.ruff]: the search goes on upward."""
    (project / "src" / "pyproject.toml").write_text('[project]\nname = "inner"\n', "utf-8")
    assert find_config(Path.cwd()) == project / "pyproject.toml"
    assert classify([], capsys, monkeypatch)[1]["rule"] == "acme.configured"


def test_the_closest_table_wins_and_files_further_up_are_not_merged(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An inner [tool.failreason] (only strict) is used alone: the outer rules are not read."""
    pyproject(project / "src", "strict = true\n")
    assert "acme.configured" not in rule_ids([], capsys)


def test_rules_names_the_configuration_in_force(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`failreason rules` ends with the file read and where the rules came from."""
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    config = project / "pyproject.toml"
    assert lines[-2:] == [
        f"configuration: {config}",
        f"rules: {project / 'checks' / 'rules'} (from {config})",
    ]


def test_rules_says_nothing_more_when_nothing_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["rules"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(" rules")


def test_the_repositorys_own_pyproject_configures_nothing() -> None:
    """Else every test that runs the command line would load the configured rules too."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        assert "failreason" not in tomllib.load(file).get("tool", {})


# --- precedence: command line, environment, pyproject.toml ---------------------------------


@pytest.mark.parametrize(
    ("argv", "environment", "decided_by"),
    [
        ([], False, "acme.configured"),
        ([], True, "acme.environment"),
        (["--rules", "{cli}"], True, "acme.command-line"),
        (["--isolated"], True, "fallback"),
    ],
    ids=["pyproject", "environment-over-pyproject", "command-line-over-both", "isolated"],
)
def test_the_command_line_then_the_environment_then_the_pyproject(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    environment: bool,
    decided_by: str,
) -> None:
    cli = rules_dir(project, "cli", "acme.command-line")
    if environment:
        monkeypatch.setenv("FAILREASON_RULES", str(rules_dir(project, "env", "acme.environment")))
    argv = [arg.replace("{cli}", str(cli)) for arg in argv]
    assert classify(argv, capsys, monkeypatch)[1]["rule"].startswith(decided_by)


def test_rules_on_the_command_line_replace_the_configured_ones(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ruff's --select replaces the configured selection: no configured rule is left."""
    cli = rules_dir(project, "cli", "acme.command-line")
    ids = rule_ids(["--rules", str(cli)], capsys)
    assert "acme.command-line" in ids
    assert "acme.configured" not in ids


def test_templates_from_the_environment_are_used_for_the_configured_rules(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each setting is taken from the first level giving it: templates from the environment,
    rules still from the pyproject."""
    elsewhere = project / "other-templates"
    elsewhere.mkdir()
    (elsewhere / "acme_configured.j2").write_text("from the environment", encoding="utf-8")
    monkeypatch.setenv("FAILREASON_TEMPLATES", str(elsewhere))
    assert classify([], capsys, monkeypatch)[1]["failureReason"] == "from the environment"


def test_strict_from_the_pyproject_and_overridden_by_no_strict(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """strict = true: a misspelt system id fails its line (exit 1); --no-strict: a warning."""
    pyproject(project, 'rules = "checks/rules"\nstrict = true\n')
    status, record = classify([], capsys, monkeypatch, MISSPELT)
    assert status == 1
    assert record["error"].startswith("system 'zero' is not known, refused in strict mode")
    status, record = classify(["--no-strict"], capsys, monkeypatch, MISSPELT)
    assert (status, "warnings" in record) == (0, True)


# --- several rules directories -------------------------------------------------------------


def two_directories(root: Path) -> tuple[str, str]:
    return str(rules_dir(root, "one", "first.rule")), str(rules_dir(root, "two", "second.rule"))


@pytest.mark.parametrize("swapped", [False, True])
def test_repeated_rules_are_tried_in_the_order_given(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    swapped: bool,
) -> None:
    """Both rules decide the error: the directory given first wins, each rule rendered with
    the templates beside its own directory."""
    monkeypatch.chdir(tmp_path)
    one, two = two_directories(tmp_path)
    first, second = (two, one) if swapped else (one, two)
    status, record = classify(["--rules", first, "--rules", second], capsys, monkeypatch)
    winner = "second.rule" if swapped else "first.rule"
    assert (status, record["rule"], record["failureReason"]) == (0, winner, f"decided by {winner}")
    ids = rule_ids(["--rules", first, "--rules", second], capsys)
    assert ids.index(winner) < ids.index("second.rule" if not swapped else "first.rule")


def test_the_environment_lists_directories_with_the_path_separator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    one, two = two_directories(tmp_path)
    monkeypatch.setenv("FAILREASON_RULES", os.pathsep.join([two, one]))
    assert classify([], capsys, monkeypatch)[1]["rule"] == "second.rule"


def test_a_list_in_the_pyproject_is_tried_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    two_directories(tmp_path)
    pyproject(tmp_path, 'rules = ["two/rules", "one/rules"]\n')
    assert classify([], capsys, monkeypatch)[1]["rule"] == "second.rule"


def test_an_id_in_two_directories_is_the_first_directorys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a user rule replaces a built-in of the same id, the earlier directory's wins:
    not a load problem (lint's replaced-id check is where a clash is reported)."""
    one = rules_dir(tmp_path, "one", "same.rule")
    two = rules_dir(tmp_path, "two", "same.rule")
    for first, second in ((one, two), (two, one)):
        assert (
            main(["rules", "--format", "json", "--rules", str(first), "--rules", str(second)]) == 0
        )
        listed = json.loads(capsys.readouterr().out)
        assert [r["file"] for r in listed if r["id"] == "same.rule"] == [f"{first}/same.rule.yaml"]


def test_show_finds_a_rule_of_the_second_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`show` reads the rule's file through its own layer, whichever --rules it came from."""
    monkeypatch.chdir(tmp_path)
    one, two = two_directories(tmp_path)
    assert main(["show", "second.rule", "--rules", one, "--rules", two]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"# {two}/second.rule.yaml:2:5", "  - id: second.rule"]


def test_load_takes_one_directory_or_several(tmp_path: Path) -> None:
    """The public load(): a path as before, or a sequence of paths, first first; its one
    templates directory serves them all."""
    one = rules_dir(tmp_path, "one", "first.rule", templates="../shared")
    two = rules_dir(tmp_path, "two", "second.rule", templates="../shared")
    shared = tmp_path / "shared"
    assert failreason.load(str(one), shared).rules[0].id == "first.rule"
    ids = [rule.id for rule in failreason.load([two, one], shared).rules]
    assert ids.index("second.rule") < ids.index("first.rule")
    assert failreason.load([two, one], shared).classify(ENVELOPE).rule_id == "second.rule"


# --- commands that take paths: test and lint -----------------------------------------------


@pytest.fixture
def shared_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Rules whose templates are not beside them: only the configuration finds them."""
    rules_dir(tmp_path, "checks", "acme.configured", templates="../shared")
    pyproject(tmp_path, 'rules = "checks/rules"\ntemplates = "shared"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_test_with_a_path_inside_the_configured_rules_uses_the_configuration(
    shared_templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "checks/rules/acme.configured.yaml"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


def test_test_with_a_path_inside_loads_every_configured_directory(
    shared_templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example is checked against the rules classify would use: a configured directory
    tried first takes it, so the example fails, named."""
    rules_dir(shared_templates, "vendor", "vendor.greedy", templates="../shared")
    pyproject(shared_templates, 'rules = ["vendor/rules", "checks/rules"]\ntemplates = "shared"\n')
    assert main(["test", "checks/rules/acme.configured.yaml"]) == 1
    out = capsys.readouterr().out
    assert "vendor.greedy" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed"


def test_lint_with_files_inside_the_configured_rules_uses_the_configuration(
    shared_templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As pre-commit runs it: the file names, and the configured templates."""
    assert main(["lint", "checks/rules/acme.configured.yaml"]) == 0
    assert capsys.readouterr().out.endswith("no problems\n")


def test_lint_with_a_file_inside_checks_every_configured_directory(
    shared_templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What is in force is checked whole: a broken file of another configured directory too."""
    vendor = rules_dir(shared_templates, "vendor", "vendor.rule", templates="../shared")
    (shared_templates / "shared" / "vendor_rule.j2").unlink()
    pyproject(shared_templates, 'rules = ["vendor/rules", "checks/rules"]\ntemplates = "shared"\n')
    assert main(["lint", "checks/rules/acme.configured.yaml"]) == 1
    where = f"{vendor.relative_to(shared_templates)}/vendor.rule.yaml:5:15"
    assert f"{where}: FR001 no template named" in capsys.readouterr().out


# --- the pytest plugin ---------------------------------------------------------------------


def test_the_plugin_falls_back_to_the_failreason_table(tmp_path: Path) -> None:
    """No failreason_rules ini option: [tool.failreason] rules are run as tests."""
    here = plugin_project(tmp_path, failing=True)
    (here / "pyproject.toml").write_text('[tool.failreason]\nrules = "rules"\n', "utf-8")
    result = run(["-m", "pytest", "-q", *plugin_args()], here)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
