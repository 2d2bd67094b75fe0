"""``lint`` and ``test`` with ``--format json|sarif|junit``: documents a program can read back,
located, counted, valid SARIF 2.1.0 and well-formed JUnit XML, with the same exit statuses."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from failreason._cli import _parser, main
from failreason._errors import Location
from failreason._findings import Finding
from failreason._output_formats import artifact_uri, lint_sarif
from failreason._output_junit import lint_junit, xml_safe
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
    not_examples:
      - input: {system: acme, status: 400, message: "tag T1 is gone"}
"""
BROKEN = "rules:\n  - {id: acme.y, match: {cod: X1}, type: tag_unknown, message: m}\n"
GOOD = "rules:\n  - {id: acme.x, match: {code: X1}, type: tag_unknown, message: Tag gone}\n"

# The parts of SARIF 2.1.0 these reports use, written from the OASIS schema
# (sarif-2.1/schema/sarif-schema-2.1.0.json in github.com/oasis-tcs/sarif-spec): its required
# properties, enums and minimums; no other property is allowed here, so a misspelt one fails.
_MESSAGE = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
_REGION = {
    "type": "object",
    "required": ["startLine"],
    "properties": {
        "startLine": {"type": "integer", "minimum": 1},
        "startColumn": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": False,
}
_PHYSICAL = {
    "type": "object",
    "required": ["artifactLocation"],
    "properties": {
        "artifactLocation": {
            "type": "object",
            "required": ["uri"],
            "properties": {"uri": {"type": "string", "pattern": "^[^\\\\ ]+$"}},
            "additionalProperties": False,
        },
        "region": _REGION,
    },
    "additionalProperties": False,
}
_RESULT = {
    "type": "object",
    "required": ["ruleId", "level", "message", "locations"],
    "properties": {
        "ruleId": {"type": "string"},
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": _MESSAGE,
        "locations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["physicalLocation"],
                "properties": {"physicalLocation": _PHYSICAL},
                "additionalProperties": False,
            },
        },
        "properties": {"type": "object"},
    },
    "additionalProperties": False,
}
_DRIVER = {
    "type": "object",
    "required": ["name", "rules"],
    "properties": {
        "name": {"const": "failreason"},
        "version": {"type": "string"},
        "informationUri": {"type": "string"},
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "shortDescription"],
                "properties": {"id": {"type": "string"}, "shortDescription": _MESSAGE},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs", "$schema"],
    "properties": {
        "$schema": {"type": "string"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {"driver": _DRIVER},
                        "additionalProperties": False,
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {"type": "array", "items": _RESULT},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

Run = Callable[..., tuple[int, str]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """``run("lint", "--rules", "bad", "--format", "json")`` in a project with ``my-rules``
    (a failing example and near miss), ``bad`` (a broken rule) and ``good``: each command
    runs once for the module, from the project's folder, so file names are relative."""
    project = tmp_path_factory.mktemp("project")
    for folder, text in (("my-rules", ACME), ("bad", BROKEN), ("good", GOOD)):
        (project / folder).mkdir()
        (project / folder / "acme.yaml").write_text(text, encoding="utf-8")
    done: dict[tuple[str, ...], tuple[int, str]] = {}

    def run_once(*argv: str) -> tuple[int, str]:
        if argv not in done:
            args = _parser().parse_args(argv)
            out = io.StringIO()
            done[argv] = (int(args.run(args, out)), out.getvalue())
        return done[argv]

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        yield run_once


def sarif(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    jsonschema.validate(document, SARIF_SUBSET)
    return document


def parse_xml(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own report, read back to check it


def suites(text: str) -> dict[str, ET.Element]:
    root = parse_xml(text)
    assert root.tag == "testsuites"
    return {suite.get("name", ""): suite for suite in root.iter("testsuite")}


# lint


def test_lint_json_lists_a_broken_rule_as_a_located_finding(run: Run) -> None:
    """The load problem: code FR001, an error, file:line:column, the hint and the YAML path."""
    status, text = run("lint", "--rules", "bad", "--format", "json")
    document = json.loads(text)
    assert status == 1
    assert document["command"] == "lint"
    assert document["findings"] == [
        {
            "code": "FR001",
            "severity": "error",
            "file": "bad/acme.yaml",
            "line": 2,
            "column": 26,
            "message": "unknown key 'cod'",
            "hint": "did you mean 'code'?",
            "path": "rules[0].match.cod",
        }
    ]
    assert document["files"][0] == "bad/acme.yaml"
    assert "rules/common.yaml" in document["files"]  # the built-in files are checked too
    counts = document["counts"]
    assert counts == {"files": len(document["files"]), "findings": 1, "errors": 1, "warnings": 0}


def test_lint_sarif_gives_the_finding_as_an_error_result_with_its_region(run: Run) -> None:
    """SARIF 2.1.0: the code as ruleId and as a described rule; a relative URI; the region."""
    status, text = run("lint", "--rules", "bad", "--format", "sarif")
    (run_,) = sarif(text)["runs"]
    assert status == 1
    assert [rule["id"] for rule in run_["tool"]["driver"]["rules"]] == ["FR001"]
    (result,) = run_["results"]
    assert (result["ruleId"], result["level"]) == ("FR001", "error")
    assert result["message"]["text"].startswith("unknown key 'cod'; did you mean 'code'?")
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "bad/acme.yaml"},
        "region": {"startLine": 2, "startColumn": 26},
    }


def test_lint_junit_fails_the_broken_file_and_passes_the_others(run: Run) -> None:
    """One case per file checked: the broken one fails with its findings; a clean one passes."""
    status, text = run("lint", "--rules", "bad", "--format", "junit")
    by_name = suites(text)
    root = parse_xml(text)
    assert status == 1
    assert (root.get("tests"), root.get("failures")) == (str(len(by_name)), "1")
    (case,) = by_name["bad/acme.yaml"]
    assert (case.get("classname"), case.get("name")) == ("bad/acme.yaml", "lint")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "FR001"
    assert failure.get("message") == "1 finding: FR001 unknown key 'cod'"
    assert "bad/acme.yaml:2:26: FR001 unknown key 'cod'" in (failure.text or "")
    (clean,) = by_name["rules/common.yaml"]
    assert by_name["rules/common.yaml"].get("failures") == "0"
    assert clean.find("failure") is None


@pytest.mark.parametrize("output_format", ["json", "sarif", "junit"])
def test_clean_rules_give_an_empty_report_and_status_0(run: Run, output_format: str) -> None:
    """No finding: status 0, no findings or results, and every JUnit case passes."""
    status, text = run("lint", "--rules", "good", "--format", output_format)
    assert status == 0
    if output_format == "json":
        assert json.loads(text)["findings"] == []
    elif output_format == "sarif":
        assert sarif(text)["runs"][0]["results"] == []
    else:
        root = parse_xml(text)
        assert root.get("failures") == "0"
        assert "good/acme.yaml" in suites(text)
        assert not list(root.iter("failure"))


WORDS = """\
concepts:
  objects:
    dimension:
      words:
        is: ["verkefni{,ð}", "kostnaðarstaður"]
  examples:
    - {text: "Verkefnið 12 finnst ekki", object: dimension, state: not_found, capture: "12"}
  states:
    not_found:
      is: ["finnst ekki"]
"""


def test_an_unexercised_concept_word_is_a_located_warning_with_the_text_status(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """FR002, a warning at the word's place; the exit status is the text report's."""
    rules = write_rules("words", words=WORDS)
    text_status = main(["lint", "--rules", str(rules)])
    capsys.readouterr()
    json_status = main(["lint", "--rules", str(rules), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    (finding,) = document["findings"]
    assert json_status == text_status
    assert (finding["code"], finding["severity"]) == ("FR002", "warning")
    assert (finding["file"], finding["line"], finding["column"]) == (f"{rules}/words.yaml", 5, 30)
    assert "'kostnaðarstaður' (is) of 'dimension'" in finding["message"]
    assert document["counts"]["warnings"] == 1


def test_a_warning_is_a_sarif_warning_and_a_place_without_a_line_has_no_region() -> None:
    """Severity maps to level; SARIF's startLine is 1 or more, so line 0 omits the region."""
    finding = Finding("FR002", "warning", Location("my-rules/concepts.yaml"), "word unused")
    (result,) = lint_sarif([finding], "0.1.0")["runs"][0]["results"]
    assert result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "my-rules/concepts.yaml"}
    }


# test


def test_test_json_has_every_outcome_with_counts_and_the_why_not_tree(run: Run) -> None:
    """Counts in all and per file; a failing example located, with its problem and its tree."""
    status, text = run("test", "my-rules", "--format", "json")
    document = json.loads(text)
    assert status == 1
    assert document["counts"] == {"examples": 3, "passed": 1, "failed": 2}
    assert document["files"] == [{"file": "my-rules/acme.yaml", "passed": 1, "failed": 2}]
    passed, failed, near = document["outcomes"]
    assert (passed["passed"], passed["problem"], passed["why_not"]) == (True, None, None)
    assert {k: failed[k] for k in ("rule", "kind", "number", "file", "line", "column")} == {
        "rule": "acme.tag-gone",
        "kind": "example",
        "number": 2,
        "file": "my-rules/acme.yaml",
        "line": 9,
        "column": 9,
    }
    assert failed["problem"].startswith("decided by rule 'fallback'")
    assert failed["why_not"]["verdict"] == "did not match"
    assert (near["kind"], near["number"], near["why_not"]["verdict"]) == (
        "not_example",
        1,
        "decided",
    )


def test_test_sarif_has_one_error_per_failure_by_kind(run: Run) -> None:
    """Failing examples only, ruleId by kind of failure, the rule and number as properties."""
    status, text = run("test", "my-rules", "--format", "sarif")
    (run_,) = sarif(text)["runs"]
    assert status == 1
    rule_ids = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    assert rule_ids == ["example-failed", "not-example-failed"]
    example, near = run_["results"]
    assert (example["ruleId"], example["level"]) == ("example-failed", "error")
    assert example["properties"] == {"rule": "acme.tag-gone", "example": 2}
    region = example["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 9, "startColumn": 9}
    assert "regex 'tag (?P<tag>\\w+) is gone'  failed" in example["message"]["text"]
    assert near["ruleId"] == "not-example-failed"
    assert near["properties"] == {"rule": "acme.tag-gone", "example": 1}


def test_test_junit_has_a_case_per_example_failing_with_the_tree(run: Run) -> None:
    """A suite per rule file; cases named by rule and example; the failure holds the tree."""
    status, text = run("test", "my-rules", "--format", "junit")
    suite = suites(text)["my-rules/acme.yaml"]
    assert status == 1
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")
    names = [case.get("name") for case in suite]
    assert names == [
        "acme.tag-gone [example 1]",
        "acme.tag-gone [example 2]",
        "acme.tag-gone [not_example 1]",
    ]
    passing, failing, near = suite
    assert passing.find("failure") is None
    failure = failing.find("failure")
    assert failure is not None
    assert failure.get("type") == "example-failed"
    assert failure.get("message", "").startswith("decided by rule 'fallback'")
    assert "regex 'tag (?P<tag>\\w+) is gone'  failed" in (failure.text or "")
    assert failing.get("line") == "9"
    assert near.find("failure") is not None


@pytest.mark.parametrize("output_format", ["json", "sarif", "junit"])
def test_passing_examples_give_status_0_and_no_failures(run: Run, output_format: str) -> None:
    """A clean run (the built-in billy examples): status 0, nothing failed, cases all pass."""
    status, text = run("test", "--system", "billy", "--format", output_format)
    assert status == 0
    if output_format == "json":
        counts = json.loads(text)["counts"]
        assert counts["failed"] == 0 < counts["passed"]
    elif output_format == "sarif":
        assert sarif(text)["runs"][0]["results"] == []
    else:
        root = parse_xml(text)
        assert root.get("failures") == "0"
        assert int(root.get("tests", "0")) > 0
        assert not list(root.iter("failure"))


# XML that stays XML


def test_markup_quotes_and_control_characters_survive_as_valid_xml() -> None:
    """``<``, ``&``, quotes come back as written; a control character and a lone surrogate,
    which XML 1.0 cannot hold, come back as visible escapes instead of breaking the file."""
    message = "tag <T1> & \"T2\" 'T3' \x1b[31mred\x00 \ud800 \u00e6"
    finding = Finding("FR001", "error", Location("my-rules/a.yaml", 3, 5), message)
    text = lint_junit([finding], ["my-rules/a.yaml"])
    text.encode("utf-8")  # writable as UTF-8: no surrogate left
    failure = parse_xml(text).find("testsuite/testcase/failure")
    assert failure is not None
    expected = "tag <T1> & \"T2\" 'T3' \\x1b[31mred\\x00 \\ud800 \u00e6"
    assert failure.get("message") == f"1 finding: FR001 {expected}"
    assert (failure.text or "").endswith(f"FR001 {expected}")


def test_xml_safe_keeps_tabs_and_line_breaks() -> None:
    """The three control characters XML allows are left alone."""
    assert xml_safe("a\tb\nc\rd\x7f") == "a\tb\nc\rd\x7f"


# exit statuses and where the report goes


@pytest.mark.parametrize("output_format", ["json", "sarif", "junit"])
def test_a_lint_that_cannot_run_says_why_on_stderr_and_leaves_stdout_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    """A missing rules directory: status 2 in every format, no half document on stdout."""
    status = main(["lint", "--rules", str(tmp_path / "nope"), "--format", output_format])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert "the rules directory does not exist" in err


def test_a_test_that_selects_nothing_leaves_stdout_empty(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Filters that leave no example: status 2, the reason on stderr, nothing on stdout."""
    status = main(["test", "--system", "no-such-system", "--format", "junit"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert "no examples match" in err


def test_output_file_gets_the_report_and_stdout_stays_empty(
    run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o FILE`` writes the document there, UTF-8; the exit status is unchanged."""
    target = tmp_path / "lint.sarif"
    status = main(["lint", "--rules", "bad", "--format", "sarif", "-o", str(target)])
    out, _ = capsys.readouterr()
    assert (status, out) == (1, "")
    assert sarif(target.read_text(encoding="utf-8"))["runs"][0]["results"][0]["ruleId"] == "FR001"


def test_an_output_file_that_cannot_be_written_exits_2(
    run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder that does not exist: status 2 and the file named on stderr."""
    target = tmp_path / "missing" / "report.xml"
    status = main(["test", "my-rules", "--format", "junit", "-o", str(target)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert f"cannot write {target}: No such file or directory" in err


@pytest.mark.parametrize(
    ("file", "uri"),
    [
        pytest.param("rules/xero.yaml", "rules/xero.yaml", id="relative"),
        pytest.param("my rules/a#1.yaml", "my%20rules/a%231.yaml", id="percent-encoded"),
        pytest.param("/work/p/my-rules/a.yaml", "my-rules/a.yaml", id="inside-the-base"),
        pytest.param("/elsewhere/a.yaml", "file:///elsewhere/a.yaml", id="outside-the-base"),
    ],
)
def test_artifact_uris_are_relative_with_forward_slashes(file: str, uri: str) -> None:
    """SARIF wants a URI reference: relative to the working directory where it can be."""
    assert artifact_uri(file, Path("/work/p")) == uri
