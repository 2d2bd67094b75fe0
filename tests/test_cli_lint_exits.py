"""``lint`` exits as ruff and check-jsonschema do (0 clean, 1 problems, 2 could not run) and
takes rule file names, as pre-commit passes them."""

from __future__ import annotations

from pathlib import Path

import pytest

import failreason
from failreason._cli import main
from failreason._cli_sources import engine_for_files
from tests.conftest import WriteRules

GOOD = "rules:\n  - {id: acme.x, match: {code: X1}, type: tag_unknown, message: Tag gone}\n"
BAD = "rules:\n  - {id: acme.y, match: {cod: X1}, type: tag_unknown, message: m}\n"
BUILT_IN = Path(__file__).parent.parent / "rules"


def lint(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["lint", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_clean_rules_exit_0(write_rules: WriteRules, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory without problems: status 0 and the count line."""
    status, out, _ = lint(["--rules", str(write_rules(acme=GOOD))], capsys)
    assert status == 0
    assert out.endswith("no problems\n")


def test_a_missing_rules_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing checked is no verdict: status 2, the reason on stderr, stdout empty."""
    status, out, err = lint(["--rules", str(tmp_path / "nope")], capsys)
    assert (status, out) == (2, "")
    assert f"{tmp_path / 'nope'}: the rules directory does not exist" in err


def test_an_unreadable_rule_file_exits_2(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file lint could not read (a dangling link, even for root) was not checked: 2, not 1."""
    rules = write_rules(acme=GOOD)
    (rules / "gone.yaml").symlink_to(rules / "moved.yaml")
    status, out, err = lint(["--rules", str(rules)], capsys)
    assert (status, out) == (2, "")
    assert f"{rules}/gone.yaml: cannot read the file: No such file or directory" in err


def test_a_file_with_problems_exits_1_listing_them_on_stdout(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file name, as pre-commit passes it: its problems, located, and status 1."""
    rules = write_rules(acme=BAD)
    status, out, err = lint([str(rules / "acme.yaml")], capsys)
    assert (status, err) == (1, "")
    assert f"{rules}/acme.yaml:2:26: FR001 unknown key 'cod'; did you mean 'code'?" in out


def test_a_file_is_checked_with_the_directory_that_holds_it(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sibling the file depends on is read too, and its problems are reported."""
    rules = write_rules(acme=GOOD, other=BAD)
    status, out, _ = lint([str(rules / "acme.yaml")], capsys)
    assert status == 1
    assert f"{rules}/other.yaml:2:26: FR001 unknown key 'cod'" in out


def test_files_in_two_directories_are_both_checked(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lint a/x.yaml b/y.yaml` checks both folders; a problem in the second one counts."""
    first = write_rules("first", acme=GOOD)
    second = write_rules("second", other=BAD)
    status, out, _ = lint([str(first / "acme.yaml"), str(second / "other.yaml")], capsys)
    assert status == 1
    assert f"{second}/other.yaml:2:26: FR001 unknown key 'cod'" in out


def test_clean_files_exit_0(write_rules: WriteRules, capsys: pytest.CaptureFixture[str]) -> None:
    """Files without problems pass, like the directory would."""
    rules = write_rules(acme=GOOD)
    status, out, _ = lint([str(rules / "acme.yaml")], capsys)
    assert status == 0
    assert out.endswith("no problems\n")


def test_a_built_in_rule_file_is_linted_as_the_built_ins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`lint rules/xero.yaml` in this repository: the built-ins once, not twice (no clash)."""
    status, out, _ = lint([str(BUILT_IN / "xero.yaml")], capsys)
    assert status == 0
    assert out.endswith("no problems\n")


@pytest.mark.parametrize(
    ("name", "said"),
    [
        pytest.param("nope.yaml", "the path does not exist", id="missing"),
        pytest.param("notes.txt", "the path is not a .yaml rule file", id="not-yaml"),
        pytest.param("sub.yaml", "the path is not a .yaml rule file", id="a-directory"),
    ],
)
def test_a_file_name_that_is_no_rule_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, said: str
) -> None:
    """A name lint cannot check stops it with status 2 and the name, before any checking."""
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "sub.yaml").mkdir()
    status, out, err = lint([str(tmp_path / name)], capsys)
    assert (status, out) == (2, "")
    assert f"{tmp_path / name}: {said}; pass rule files (*.yaml) or --rules DIR" in err


def test_files_and_rules_together_are_a_usage_error(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two answers to "which rules" would make one silently win: status 2."""
    rules = write_rules(acme=GOOD)
    status, _, err = lint(["--rules", str(rules), str(rules / "acme.yaml")], capsys)
    assert status == 2
    assert "give rule files or --rules DIR, not both" in err


def test_a_file_is_read_with_the_templates_beside_its_folder(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file's rules may name templates from DIR/../templates, as with --rules."""
    rules = write_rules(acme=GOOD.replace("message: Tag gone", "template: acme_gone"))
    write_rules("templates", acme_gone="Tag gone")
    status, out, _ = lint([str(rules / "acme.yaml")], capsys)
    assert (status, out.endswith("no problems\n")) == (0, True)


def test_test_exits_1_when_an_example_fails(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """`test` with a failing example: status 1, the failure listed."""
    rule = GOOD.replace("}\n", ", examples: [{input: {code: X1}, reason: Other}]}\n")
    status = main(["test", "--rules", str(write_rules(acme=rule))])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[-1].endswith(" passed, 1 failed")


def test_a_built_in_file_adds_no_second_copy_of_the_built_ins() -> None:
    """Every rule keeps its built-in location: the shipped folder is not loaded as the user's."""
    engine = engine_for_files([str(BUILT_IN / "xero.yaml")], None)
    assert {rule.location.file.split("/")[0] for rule in engine.rules} == {"rules"}
    assert len(engine.rules) == len(failreason.load().rules)


def test_test_with_a_missing_rules_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`test` that could not run gives no verdict on the examples: 2, not 1."""
    status = main(["test", "--rules", str(tmp_path / "nope")])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert "the rules directory does not exist" in err
