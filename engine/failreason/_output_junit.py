"""``lint`` and ``test`` as JUnit XML, the test report CI systems read.

The shape is the Ant JUnit one that Jenkins' junit plugin and GitLab's unit test reports read
(the ``JUnit.xsd`` of Windy Road Technology, 2011; docs.gitlab.com/ci/testing/unit_test_reports)::

    <testsuites name="failreason test" tests="3" failures="2" errors="0">
      <testsuite name="my-rules/acme.yaml" tests="3" failures="2" errors="0">
        <testcase classname="my-rules/acme.yaml" name="acme.tag-gone [example 2]"
                  file="my-rules/acme.yaml" line="9">
          <failure message="decided by rule 'fallback' ..." type="example-failed">
            the problem, templates that failed to render, the why-not tree
          </failure>
        </testcase>

One suite per rule file; ``test`` gives one case per example and near miss, ``lint`` one case
per file checked (named ``lint``), failing with its findings, so a clean file is a passing
case. GitLab keys a case by classname and name and shows the classname as its suite, so both
are set and unique; a case holds at most one ``<failure>`` (Jenkins keeps only one), its text
listing everything. ``file`` and ``line`` are not in the Ant schema; GitLab and pytest's
``xunit1`` family use them, and readers that do not know them ignore them.

Text that XML 1.0 cannot hold (control characters other than tab and line breaks, lone
surrogates, U+FFFE/U+FFFF) is written as ``\\xNN`` / ``\\uNNNN``, so a hostile message cannot
make the report unreadable; ElementTree escapes ``<``, ``&`` and quotes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from failreason._examples import ExampleOutcome
from failreason._findings import Finding
from failreason._lazy_re import lazy_compile
from failreason._output_formats import (
    EXAMPLE_FAILED,
    NOT_EXAMPLE_FAILED,
    checked_files,
    example_label,
    failure_text,
    per_file,
)

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters outside XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = lazy_compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MESSAGE_CHARS = 500  # a failure's message attribute is one line; its text has it all


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold written as an escape sequence."""
    return _NOT_XML.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def lint_junit(findings: Sequence[Finding], files: Sequence[str]) -> str:
    """``lint --format junit``: a suite per file checked, its one case failing with its findings."""
    root = _element("testsuites", name="failreason lint")
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.location.file, []).append(finding)
    for file in checked_files(findings, files):
        suite = ET.SubElement(root, "testsuite", name=xml_safe(file))
        case = ET.SubElement(suite, "testcase", classname=xml_safe(file), name="lint")
        case.set("file", xml_safe(file))
        found = by_file.get(file, [])
        if found:
            count = f"{len(found)} finding{'s' if len(found) != 1 else ''}"
            codes = ",".join(sorted({finding.code for finding in found}))
            first = f"{count}: {found[0].code} {found[0].message}"
            _fail(case, first, codes, "\n".join(str(finding) for finding in found))
        _count(suite, tests=1, failures=int(bool(found)))
    return _document(root)


def examples_junit(outcomes: Sequence[ExampleOutcome]) -> str:
    """``test --format junit``: a suite per rule file, a case per example and near miss."""
    root = _element("testsuites", name="failreason test")
    for file, group in per_file(outcomes).items():
        suite = ET.SubElement(root, "testsuite", name=xml_safe(file))
        for outcome in group:
            case = ET.SubElement(
                suite, "testcase", classname=xml_safe(file), name=xml_safe(example_label(outcome))
            )
            case.set("file", xml_safe(file))
            if outcome.example.location.line:
                case.set("line", str(outcome.example.location.line))
            if outcome.problem is not None:
                kind = NOT_EXAMPLE_FAILED if outcome.negative else EXAMPLE_FAILED
                _fail(case, outcome.problem, kind, failure_text(outcome))
        failed = sum(1 for outcome in group if not outcome.passed)
        _count(suite, tests=len(group), failures=failed)
    return _document(root)


def _element(tag: str, **attributes: str) -> ET.Element:
    return ET.Element(tag, {key: xml_safe(value) for key, value in attributes.items()})


def _fail(case: ET.Element, message: str, kind: str, details: str) -> None:
    one_line = " ".join(message.split())
    if len(one_line) > _MESSAGE_CHARS:
        one_line = one_line[: _MESSAGE_CHARS - 1] + "…"
    failure = ET.SubElement(case, "failure", message=xml_safe(one_line), type=xml_safe(kind))
    failure.text = xml_safe(details)


def _count(element: ET.Element, *, tests: int, failures: int) -> None:
    # No <error>s: every failure is the rule files' (errors are for a test that broke).
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")


def _document(root: ET.Element) -> str:
    suites = list(root)
    _count(
        root,
        tests=sum(int(suite.get("tests", "0")) for suite in suites),
        failures=sum(int(suite.get("failures", "0")) for suite in suites),
    )
    ET.indent(root)
    return _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
