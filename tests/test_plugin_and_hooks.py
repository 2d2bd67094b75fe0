"""A throwaway project outside the repo: its rules' examples as pytest tests, and the hooks.

The project keeps `rules/acme.yaml` (one rule, an example that holds and one that does not)
and names it in its pyproject; pytest then runs each example as a test through the
`failreason` plugin. The pre-commit hooks are run as pre-commit runs them: their `entry` with
the changed rule files' names.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES = """\
system: acme
rules:
  - id: acme.tag-gone
    description: A tag Acme no longer has.
    match: {regex: 'tag (?P<tag>\\w+) is gone'}
    type: invalid_configuration
    template: tag_unknown
    examples:
      - input: {system: acme, message: "tag T1 is gone"}
        reason: "Tag with code T1 does not exist on the Accounting System. Check the Tag."
{second}
"""
FAILING = """\
      - input: {system: acme, message: "tag T2 is gone"}
        reason: "Tag T2 was removed."
"""


def project(tmp_path: Path, *, failing: bool) -> Path:
    (tmp_path / "rules").mkdir(parents=True)
    text = RULES.replace("{second}\n", FAILING if failing else "")
    (tmp_path / "rules" / "acme.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nfailreason_rules = "rules"\n', encoding="utf-8"
    )
    return tmp_path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def plugin_args() -> list[str]:
    """Load the plugin by name unless the installed package already registers it."""
    registered = any(ep.name == "failreason" for ep in metadata.entry_points(group="pytest11"))
    return [] if registered else ["-p", "failreason.testing.plugin"]


def test_the_plugin_runs_each_example_of_the_projects_rules_as_a_test(tmp_path: Path) -> None:
    here = project(tmp_path, failing=True)
    result = run(["-m", "pytest", "-q", "-rf", *plugin_args()], here)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "acme.yaml::acme.tag-gone[example 2]" in result.stdout
    assert "Tag T2 was removed." in result.stdout  # what the example wanted, in the failure


def test_without_a_rules_directory_the_plugin_collects_nothing(tmp_path: Path) -> None:
    here = project(tmp_path, failing=True)
    (here / "pyproject.toml").write_text("[tool.pytest.ini_options]\n", encoding="utf-8")
    result = run(["-m", "pytest", "-q", *plugin_args()], here)
    assert result.returncode == 5  # pytest: no tests collected
    assert "acme.tag-gone" not in result.stdout


def hooks() -> dict[str, dict[str, object]]:
    defined = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in defined}


def run_hook(hook: dict[str, object], here: Path, files: list[str]) -> int:
    """The hook's entry with the file names its `files` pattern lets through, as pre-commit."""
    command = shlex.split(str(hook["entry"]))
    assert command[0] == "failreason"
    return run(["-m", "failreason", *command[1:], *files], here).returncode


def test_the_pre_commit_hooks_pass_a_good_rule_file_and_stop_a_bad_one(tmp_path: Path) -> None:
    defined = hooks()
    assert set(defined) == {"failreason-lint", "failreason-test"}
    good = project(tmp_path / "good", failing=False)
    bad = project(tmp_path / "bad", failing=True)
    assert run_hook(defined["failreason-lint"], good, ["rules/acme.yaml"]) == 0
    assert run_hook(defined["failreason-test"], good, ["rules/acme.yaml"]) == 0
    assert run_hook(defined["failreason-test"], bad, ["rules/acme.yaml"]) == 1
    (bad / "rules" / "acme.yaml").write_text("rules: [{id: acme.x, regx: y}]\n", encoding="utf-8")
    assert run_hook(defined["failreason-lint"], bad, ["rules/acme.yaml"]) == 1
