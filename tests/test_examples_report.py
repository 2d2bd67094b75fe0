"""`failreason test`: filtered by path, rule or system; counted per file; a failure explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from failreason._cli import main
from tests.conftest import WriteRules

ACME = """\
system: acme
rules:
  - id: acme.tag-gone
    match: {regex: 'tag (?P<tag>\\w+) is gone', status: 4xx}
    type: tag_unknown
    message: "Tag {{ tag }} is gone."
    examples:
      - input: {system: acme, status: 400, message: "tag T1 is gone"}
      - input: {system: acme, status: 400, message: "tag T1 has gone"}
"""

BETA = """\
system: beta
rules:
  - id: beta.locked
    match: {contains: period is locked}
    type: invalid_configuration
    message: "The period is locked."
    examples:
      - input: {system: beta, message: "The period is locked"}
"""


@pytest.fixture
def rules(write_rules: WriteRules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_rules("my-rules", acme=ACME, beta=BETA)


def run_test(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    status = main(["test", *argv])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_a_path_runs_only_its_files_examples_counted_per_file(
    rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = run_test(["my-rules/"], capsys)
    assert status == 1
    assert lines[-3:] == [
        "my-rules/acme.yaml: 1 passed, 1 failed",
        "my-rules/beta.yaml: 1 passed, 0 failed",
        "2 passed, 1 failed",
    ]


def test_one_file(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = run_test(["my-rules/beta.yaml"], capsys)
    assert status == 0
    assert lines == ["my-rules/beta.yaml: 1 passed, 0 failed", "1 passed, 0 failed"]


def test_a_built_in_directory_of_the_same_name_is_not_taken(
    write_rules: WriteRules,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The built-in rules show as rules/...; a user's own rules/ runs only its own files."""
    monkeypatch.chdir(tmp_path)
    write_rules("rules", beta=BETA)
    status, lines, _ = run_test(["rules/"], capsys)
    assert status == 0
    assert lines == ["rules/beta.yaml: 1 passed, 0 failed", "1 passed, 0 failed"]


def test_filter_by_rule(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = run_test(["--rules", "my-rules", "--rule", "beta.locked"], capsys)
    assert status == 0
    assert lines == ["my-rules/beta.yaml: 1 passed, 0 failed", "1 passed, 0 failed"]


def test_filter_by_system_takes_built_in_rules_too(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = run_test(["--system", "xero"], capsys)
    assert status == 0
    assert lines[0].startswith("rules/xero.yaml: ")
    assert len(lines) == 2


def test_a_misspelt_rule_id_cannot_run(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, err = run_test(["--rules", "my-rules", "--rule", "beta.lockd"], capsys)
    assert status == 2
    assert lines == []
    assert "no rule 'beta.lockd' is loaded; did you mean 'beta.locked'?" in err


def test_filters_that_leave_nothing_cannot_run(
    rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_test(["my-rules/", "--system", "xero"], capsys)
    assert status == 2
    assert "no examples match the paths, rules and systems given" in err


def test_a_failing_example_shows_why_its_rule_did_not_match(
    rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines, _ = run_test(["my-rules/acme.yaml"], capsys)
    failure = lines[: lines.index("my-rules/acme.yaml: 1 passed, 1 failed")]
    assert failure[0].startswith("my-rules/acme.yaml:9:9: acme.tag-gone: FAILED: decided by rule ")
    assert failure[1:] == [
        "    rule acme.tag-gone (my-rules/acme.yaml:3:5): did not match",
        "      match  failed",
        "        system: acme  held (the file's system: acme)",
        "        stages: [auth, entry]  held (stage scope: entry)",
        """        regex 'tag (?P<tag>\\w+) is gone'  failed (messages: "tag T1 has gone")""",
        "        status: 4xx  held (400)",
    ]


def test_a_template_that_fails_to_render_is_shown(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rule whose template cannot speak gives way in production; test says so."""
    rules = write_rules(
        acme="""\
        system: acme
        rules:
          - id: acme.broken
            match: {regex: ['tag (?P<tag>\\d+) is wrong', 'the tag is wrong']}
            type: tag_unknown
            message: "Tag {{ tag }} is wrong."
            examples:
              - input: {system: acme, message: "the tag is wrong"}
          - id: acme.other
            match: {contains: wrong}
            type: tag_unknown
            message: "Something is wrong."
            examples:
              - input: {system: acme, message: "the tag is wrong"}
                type: vendor_unknown
        """
    )
    _, lines, _ = run_test([str(rules)], capsys)
    error = "template 'acme.broken:message': 'tag' is undefined"
    assert lines[0] == (
        f"{rules}/acme.yaml:8:9: acme.broken: FAILED: decided by rule 'acme.other' "
        f"(tag_unknown), not this one, whose template failed to render: {error}"
    )
    assert (
        lines[1] == f"    rule acme.broken ({rules}/acme.yaml:3:5): "
        f"matched, but its template failed to render: {error}"
    )
    # Another rule's example: the template that gave way is a note under its failure.
    other = lines.index(
        f"{rules}/acme.yaml:14:9: acme.other: FAILED: type 'tag_unknown', expected 'vendor_unknown'"
    )
    assert (
        lines[other + 1] == f"  note: the template of rule 'acme.broken' failed to render: {error}"
    )
