"""Templates beside the rules are found: ``--rules DIR`` reads ``DIR/../templates`` unless
``--templates`` says otherwise (the project's own layout: ``rules/`` and ``templates/``)."""

from __future__ import annotations

import json
import sys
from io import StringIO
from pathlib import Path

import pytest

from failreason._cli import main
from failreason._cli_sources import sibling_templates
from tests.conftest import WriteRules

RULE = """\
rules:
  - id: acme.tag-gone
    match: {code: X1}
    type: tag_unknown
    template: acme_tag_gone
    examples:
      - input: {code: X1}
        reason: Tag X1 archived in Acme
"""
ENVELOPE = '{"code": "X1"}\n'
BUILT_IN_RULES = Path(__file__).parent.parent / "rules"


@pytest.fixture
def project(write_rules: WriteRules) -> Path:
    """A team's folder: rules/acme.yaml naming a template kept in templates/."""
    write_rules("templates", acme_tag_gone="Tag X1 archived in Acme")
    return write_rules(acme=RULE)


def test_test_finds_templates_in_the_sibling_folder(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`failreason test --rules my-rules` runs, and the example's reason is rendered."""
    status = main(["test", "--rules", str(project)])
    assert (status, capsys.readouterr().out.splitlines()[-1].endswith(" 0 failed")) == (0, True)


def test_without_a_sibling_folder_the_template_is_unknown(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """No templates/ beside the rules: the rule names a template nobody has, status 2."""
    rules = write_rules(acme=RULE)
    assert main(["test", "--rules", str(rules)]) == 2
    assert "acme_tag_gone" in capsys.readouterr().err


def test_classify_renders_with_the_sibling_template(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """classify reads the same sibling folder."""
    monkeypatch.setattr(sys, "stdin", StringIO(ENVELOPE))
    assert main(["classify", "--rules", str(project)]) == 0
    assert json.loads(capsys.readouterr().out)["failureReason"] == "Tag X1 archived in Acme"


def test_explain_renders_with_the_sibling_template(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """explain reads the same sibling folder."""
    monkeypatch.setattr(sys, "stdin", StringIO(ENVELOPE))
    assert main(["explain", "--rules", str(project)]) == 0
    assert "=> tag_unknown: Tag X1 archived in Acme" in capsys.readouterr().out


def test_lint_with_rules_finds_the_sibling_templates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lint --rules DIR checks the rule against the template beside it: clean."""
    assert main(["lint", "--rules", str(project)]) == 0
    assert capsys.readouterr().out.endswith("no problems\n")


def test_templates_option_wins_over_the_sibling_folder(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--templates DIR is read instead of the sibling folder, not as well."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "acme_tag_gone.j2").write_text("Tag X1 gone, from elsewhere", encoding="utf-8")
    status = main(["test", "--rules", str(project), "--templates", str(other)])
    out = capsys.readouterr().out
    assert status == 1
    assert "Tag X1 gone, from elsewhere" in out


def test_a_broken_sibling_template_is_located_as_the_user_writes_the_path(
    write_rules: WriteRules,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """From the project folder, `--rules rules` shows the template as templates/NAME.j2."""
    write_rules("templates", acme_tag_gone="Tag {{ oops")
    write_rules(acme=RULE)
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--rules", "rules"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("templates/acme_tag_gone.j2:1:") for line in lines), lines


def test_the_shipped_templates_are_not_read_twice() -> None:
    """`--rules rules` in this repository: its sibling is the built-in folder, already read."""
    assert sibling_templates(str(BUILT_IN_RULES)) is None


def test_no_rules_directory_means_no_sibling() -> None:
    """Without --rules there is nothing to be beside."""
    assert sibling_templates(None) is None
