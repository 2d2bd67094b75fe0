"""``lint`` and ``test`` for programs: one JSON document, or SARIF 2.1.0 for code scanning.

Both are reporters over values the commands already build: lint's ``list[Finding]`` (with the
rule files it checked) and test's ``list[ExampleOutcome]``; JUnit XML is in ``_output_junit``.
Every writer returns the whole document as text, so nothing is written when a command stops
halfway (status 2 leaves standard output empty).

``lint --format json``: one object, keys stable (new keys may be added, none renamed)::

    {"command": "lint",
     "counts": {"files": N, "findings": N, "errors": N, "warnings": N},
     "files": ["my-rules/acme.yaml", ...],             # every file checked, in order
     "findings": [{"code": "FR001", "severity": "error" | "warning",
                   "file": "my-rules/acme.yaml", "line": 2, "column": 26,  # 0: unknown
                   "message": "...", "hint": "..." | "", "path": "rules[0].match" | ""}]}

``test --format json``: one object, every example run, passed or not::

    {"command": "test",
     "counts": {"examples": N, "passed": N, "failed": N},
     "files": [{"file": "my-rules/acme.yaml", "passed": N, "failed": N}],
     "outcomes": [{"rule": "acme.tag-gone", "kind": "example" | "not_example", "number": 2,
                   "file": ..., "line": ..., "column": ..., "passed": false,
                   "problem": "..." | null, "render_errors": ["..."],
                   "why_not": {"rule", "location", "verdict", "tree"} | null}]}

SARIF (OASIS SARIF 2.1.0, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html;
field names checked against its schema, sarif-2.1/schema/sarif-schema-2.1.0.json in
github.com/oasis-tcs/sarif-spec): one run whose ``tool.driver`` is failreason. For lint, a
result's ``ruleId`` is the finding's code (``FR001``). For test, it is the kind of failure,
``example-failed`` or ``not-example-failed``, so an alert keeps its id while the rule files
change; the failreason rule and the example's number are in the result's ``properties``.
Artifact URIs are relative to the working directory, with forward slashes and percent-encoding
(GitHub code scanning matches them to files in the repository); a place without a line has
no ``region``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

from failreason._errors import Location
from failreason._examples import ExampleOutcome
from failreason._findings import LOAD_PROBLEM, UNEXERCISED_WORD, Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
EXAMPLE_FAILED = "example-failed"
NOT_EXAMPLE_FAILED = "not-example-failed"

# One line per code for SARIF's rule list (shown at the top of a code-scanning alert).
CODE_TITLES = {
    LOAD_PROBLEM: "A rule or template file does not load as written; its rules are not used.",
    UNEXERCISED_WORD: "A concept word that no concept example exercises.",
    EXAMPLE_FAILED: "A rule's example is not decided as it states.",
    NOT_EXAMPLE_FAILED: "A near miss (not_example) is decided as it must not be.",
}


class LintCounts(TypedDict):
    files: int
    findings: int
    errors: int
    warnings: int


class FindingRecord(TypedDict):
    code: str
    severity: Literal["error", "warning"]
    file: str
    line: int
    column: int
    message: str
    hint: str
    path: str


class LintDocument(TypedDict):
    command: Literal["lint"]
    counts: LintCounts
    files: list[str]
    findings: list[FindingRecord]


class ExamplesCounts(TypedDict):
    examples: int
    passed: int
    failed: int


class FileCounts(TypedDict):
    file: str
    passed: int
    failed: int


class OutcomeRecord(TypedDict):
    rule: str
    kind: Literal["example", "not_example"]
    number: int
    file: str
    line: int
    column: int
    passed: bool
    problem: str | None
    render_errors: list[str]
    why_not: dict[str, Any] | None


class ExamplesDocument(TypedDict):
    command: Literal["test"]
    counts: ExamplesCounts
    files: list[FileCounts]
    outcomes: list[OutcomeRecord]


def checked_files(findings: Iterable[Finding], files: Sequence[str]) -> list[str]:
    """``files``, then any other file a finding names (a template), each once, in order."""
    return list(dict.fromkeys([*files, *(finding.location.file for finding in findings)]))


def lint_json(findings: Sequence[Finding], files: Sequence[str]) -> LintDocument:
    """``lint --format json``: the findings, the files checked and the counts."""
    errors = sum(1 for finding in findings if finding.severity == "error")
    every_file = checked_files(findings, files)
    counts = LintCounts(
        files=len(every_file),
        findings=len(findings),
        errors=errors,
        warnings=len(findings) - errors,
    )
    records = [_finding_record(finding) for finding in findings]
    return LintDocument(command="lint", counts=counts, files=every_file, findings=records)


def _finding_record(finding: Finding) -> FindingRecord:
    where = finding.location
    return FindingRecord(
        code=finding.code,
        severity=finding.severity,
        file=where.file,
        line=where.line,
        column=where.column,
        message=finding.message,
        hint=finding.hint,
        path=finding.path,
    )


def example_number(outcome: ExampleOutcome) -> int:
    """The example's place among its rule's examples (or near misses), from 1."""
    example = outcome.example
    if outcome.negative:
        return next(n.number for n in outcome.rule.not_examples if n is example)
    return next(i for i, e in enumerate(outcome.rule.examples, 1) if e is example)


def example_label(outcome: ExampleOutcome) -> str:
    """``acme.tag-gone [example 2]`` or ``acme.tag-gone [not_example 1]``."""
    kind = "not_example" if outcome.negative else "example"
    return f"{outcome.rule.id} [{kind} {example_number(outcome)}]"


def per_file(outcomes: Iterable[ExampleOutcome]) -> dict[str, list[ExampleOutcome]]:
    """The outcomes grouped by the rule file their example is written in, in order met."""
    grouped: dict[str, list[ExampleOutcome]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.file, []).append(outcome)
    return grouped


def examples_json(outcomes: Sequence[ExampleOutcome]) -> ExamplesDocument:
    """``test --format json``: every outcome, the counts per file and in all."""
    failed = sum(1 for outcome in outcomes if not outcome.passed)
    files = [
        FileCounts(file=file, passed=len(group) - bad, failed=bad)
        for file, group in per_file(outcomes).items()
        for bad in [sum(1 for outcome in group if not outcome.passed)]
    ]
    counts = ExamplesCounts(examples=len(outcomes), passed=len(outcomes) - failed, failed=failed)
    records = [_outcome_record(outcome) for outcome in outcomes]
    return ExamplesDocument(command="test", counts=counts, files=files, outcomes=records)


def _outcome_record(outcome: ExampleOutcome) -> OutcomeRecord:
    where = outcome.example.location
    return OutcomeRecord(
        rule=outcome.rule.id,
        kind="not_example" if outcome.negative else "example",
        number=example_number(outcome),
        file=where.file,
        line=where.line,
        column=where.column,
        passed=outcome.passed,
        problem=outcome.problem,
        render_errors=list(outcome.render_errors),
        why_not=outcome.why_not.to_json() if outcome.why_not is not None else None,
    )


def lint_sarif(findings: Sequence[Finding], tool_version: str) -> dict[str, Any]:
    """``lint --format sarif``: one result per finding, its code as the rule id."""
    results = [
        _result(finding.code, finding.severity, _finding_text(finding), finding.location)
        for finding in findings
    ]
    return _sarif_log(results, tool_version)


def _finding_text(finding: Finding) -> str:
    hint = f"; {finding.hint}" if finding.hint else ""
    where = f" (at {finding.path})" if finding.path else ""
    return f"{finding.message}{hint}{where}"


def examples_sarif(outcomes: Sequence[ExampleOutcome], tool_version: str) -> dict[str, Any]:
    """``test --format sarif``: one error per failing example; passes are not results."""
    results = []
    for outcome in outcomes:
        if outcome.passed:
            continue
        kind = NOT_EXAMPLE_FAILED if outcome.negative else EXAMPLE_FAILED
        result = _result(kind, "error", failure_text(outcome), outcome.example.location)
        result["properties"] = {"rule": outcome.rule.id, "example": example_number(outcome)}
        results.append(result)
    return _sarif_log(results, tool_version)


def failure_text(outcome: ExampleOutcome) -> str:
    """What went wrong, then the templates that failed to render, then the why-not tree."""
    tree = outcome.why_not.lines() if outcome.why_not is not None else []
    notes = [f"note: {error}" for error in outcome.render_errors]
    return "\n".join([f"{example_label(outcome)}: {outcome.problem}", *notes, *tree])


def _sarif_log(results: list[dict[str, Any]], tool_version: str) -> dict[str, Any]:
    used = sorted({result["ruleId"] for result in results})
    driver = {
        "name": "failreason",
        "version": tool_version,
        "rules": [
            {"id": code, "shortDescription": {"text": CODE_TITLES.get(code, code)}} for code in used
        ],
    }
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _result(rule_id: str, level: str, text: str, location: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(location.file)}}
    if location.line:  # SARIF: startLine is 1 or more; no line known, no region
        region = {"startLine": location.line}
        if location.column:
            region["startColumn"] = location.column
        physical["region"] = region
    return {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
    }


def artifact_uri(file: str, base: Path | None = None) -> str:
    """``file`` as a SARIF ``uri-reference``: relative to ``base`` (the working directory)
    with forward slashes when it lies inside it, else an absolute ``file:`` URI."""
    path = Path(file)
    if path.is_absolute():
        root = (base or Path.cwd()).resolve()
        try:
            path = path.resolve().relative_to(root)
        except ValueError:
            return path.as_uri()
    return urllib.parse.quote(path.as_posix(), safe="/")
