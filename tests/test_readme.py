"""The README's examples run, so they cannot rot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import failreason
from failreason._examples import run_examples

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize(
    "code", [pytest.param(c, id=f"python-{i}") for i, c in enumerate(blocks("python"))]
)
def test_python_example_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Python example runs (its asserts hold) from a folder with empty user directories."""
    (tmp_path / "my-rules").mkdir()
    (tmp_path / "my-templates").mkdir()
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own documentation


def test_rule_file_example_loads_and_its_examples_pass(tmp_path: Path) -> None:
    """The example rule file is valid and its example holds."""
    [rule_file] = [block for block in blocks("yaml") if "rules:" in block]
    assert yaml.safe_load(rule_file)["system"] == "acme"
    (tmp_path / "acme.yaml").write_text(rule_file, encoding="utf-8")
    outcomes = [o for o in run_examples(failreason.load(tmp_path)) if o.rule.id.startswith("acme")]
    assert [o.problem for o in outcomes] == [None, None]  # its example and its near miss


def test_systems_file_example_loads_and_means_what_it_says(tmp_path: Path) -> None:
    """The example aliases file declares a system, extends one and names an ambiguous id."""
    [systems_file] = [block for block in blocks("yaml") if block.startswith("# my-rules/systems")]
    (tmp_path / "systems.yaml").write_text(systems_file, encoding="utf-8")
    engine = failreason.load(tmp_path)
    assert engine.canonical_system("Exact Globe Plus") == "exact_globe"
    assert engine.canonical_system("visma") == "visma_net"
    warnings = engine.classify({"system": "exact", "status": 400, "message": "No"}).warnings
    assert any("exact_online" in warning and "exact_globe" in warning for warning in warnings)


def test_command_line_example_output_is_what_classify_prints(engine: failreason.Engine) -> None:
    """The shell example shows the record `failreason classify` really prints."""
    [shell] = [b for b in blocks("sh") if "| failreason classify" in b]
    envelope_line, output_line = shell.strip().splitlines()
    envelope = re.search(r"echo '(.*)' \|", envelope_line)
    assert envelope is not None
    assert json.loads(output_line) == engine.classify(json.loads(envelope.group(1))).to_json()
