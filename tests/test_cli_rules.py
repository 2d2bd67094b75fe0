"""``failreason rules`` lists the rules in force; ``failreason show ID`` prints one as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import failreason
from failreason._cli import main
from tests.conftest import WriteRules

ACME = """\
rules:
  # Acme's archived tag.
  - id: acme.tag-gone
    description: The tag was archived in Acme.
    match: {code: X1}
    type: tag_unknown
    message: Tag gone

    examples:
      - input: {code: X1}
        reason: Tag gone
  - id: acme.other
    match: {code: X2}
    type: vendor_unknown
    message: Vendor gone
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_rules_json_lists_every_built_in_rule_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A pip user sees the shipped rules: each one, in the order tried, located and typed."""
    status, out, _ = run(["rules", "--format", "json"], capsys)
    records = json.loads(out)
    built_in = failreason.load().rules
    assert status == 0
    assert [r["id"] for r in records] == [rule.id for rule in built_in]
    tax = next(r for r in records if r["id"] == "common.tax-code-unknown")
    assert (tax["file"], tax["line"], tax["type"], tax["systems"]) == (
        "rules/common.yaml",
        11,
        "invalid_configuration",
        [],
    )
    assert tax["description"].startswith("A tax / VAT / GST code")
    assert tax["examples"] == 3


def test_rules_lists_the_users_rules_first(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """--rules DIR: your rules come first, with your file and line, then the built-ins."""
    rules = write_rules(acme=ACME)
    _, out, _ = run(["rules", "--rules", str(rules), "--format", "json"], capsys)
    first = json.loads(out)[0]
    assert (first["id"], first["file"], first["line"]) == (
        "acme.tag-gone",
        f"{rules}/acme.yaml",
        3,
    )


def test_rules_text_is_one_aligned_row_per_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """Text: a heading, one row per rule (id, file:line, type, systems, description), a count."""
    status, out, _ = run(["rules"], capsys)
    lines = out.splitlines()
    assert status == 0
    assert lines[0].split() == ["id", "where", "type", "systems", "description"]
    assert lines[-1] == f"{len(failreason.load().rules)} rules"
    assert len(lines) == len(failreason.load().rules) + 2
    tax = next(line for line in lines if line.startswith("common.tax-code-unknown "))
    assert tax.split()[1:4] == ["rules/common.yaml:11", "invalid_configuration", "*"]
    assert lines[0].index("where") == tax.index("rules/common.yaml:11")


def test_rules_text_cuts_a_long_description_to_a_headline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A paragraph of description becomes its first sentence, at most 72 characters."""
    _, out, _ = run(["rules"], capsys)
    row = next(line for line in out.splitlines() if line.startswith("netsuite.rate-limit "))
    about = row.split("  netsuite  ")[1].strip()
    assert about.startswith("Concurrency governance: RESTlets answer HTTP 400")
    assert len(about) == 72
    assert about.endswith("…")


def test_show_prints_the_rule_as_written_with_its_examples(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """The YAML block from its `- id:` line to the next rule, headed by its location."""
    rules = write_rules(acme=ACME)
    status, out, _ = run(["show", "acme.tag-gone", "--rules", str(rules)], capsys)
    assert status == 0
    assert out == (
        f"# {rules}/acme.yaml:3:5\n"
        "  - id: acme.tag-gone\n"
        "    description: The tag was archived in Acme.\n"
        "    match: {code: X1}\n"
        "    type: tag_unknown\n"
        "    message: Tag gone\n"
        "\n"
        "    examples:\n"
        "      - input: {code: X1}\n"
        "        reason: Tag gone\n"
    )


def test_show_prints_the_last_rule_of_a_file_to_its_end(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last rule's block ends with the file, without trailing blank lines."""
    rules = write_rules(acme=ACME + "\n\n")
    _, out, _ = run(["show", "acme.other", "--rules", str(rules)], capsys)
    assert out.splitlines()[1:] == [
        "  - id: acme.other",
        "    match: {code: X2}",
        "    type: vendor_unknown",
        "    message: Vendor gone",
    ]


def test_show_finds_a_built_in_rule_with_its_not_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A built-in rule comes out whole, comments and not_examples included."""
    status, out, _ = run(["show", "common.tax-code-unknown"], capsys)
    lines = out.splitlines()
    assert status == 0
    assert lines[:2] == ["# rules/common.yaml:11:5", "  - id: common.tax-code-unknown"]
    assert "    # preposition is never taken for the code." in lines
    assert "    not_examples:" in lines
    assert lines[-1] == '      - input: {body: "Die USt-IdNr. ist ungültig"}'


def test_show_an_unknown_id_exits_2_with_the_closest_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A misspelt id: status 2, nothing on stdout, and "did you mean"."""
    status, out, err = run(["show", "common.tax-code-unknwn"], capsys)
    assert (status, out) == (2, "")
    assert (
        "no rule has the id 'common.tax-code-unknwn'; did you mean common.tax-code-unknown" in err
    )


def test_show_a_user_rule_replacing_a_built_in_prints_the_users(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule in force is shown: yours, when it replaces a built-in by id."""
    mine = ACME.replace("acme.other", "common.tax-code-unknown")
    rules = write_rules(acme=mine)
    _, out, _ = run(["show", "common.tax-code-unknown", "--rules", str(rules)], capsys)
    assert out.splitlines()[0] == f"# {rules}/acme.yaml:12:5"
    assert "    message: Vendor gone" in out


def test_rules_with_a_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --rules folder that is not there is the usual located error, status 2."""
    status, out, err = run(["rules", "--rules", str(tmp_path / "nope")], capsys)
    assert (status, out) == (2, "")
    assert "the rules directory does not exist" in err


def test_show_tells_a_built_in_from_a_user_file_of_the_same_shown_name(
    write_rules: WriteRules,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`--rules rules` in your project: a built-in rule still comes from the shipped file."""
    write_rules(acme=ACME)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(["show", "common.tax-code-unknown", "--rules", "rules"], capsys)
    assert status == 0
    assert out.splitlines()[1] == "  - id: common.tax-code-unknown"
