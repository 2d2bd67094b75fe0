"""``--format`` and ``-o`` for ``lint`` and ``test``: which writer, and where the report goes.

A report is built whole and written once, at the end: a command that cannot run (status 2)
leaves standard output empty and an ``-o`` file untouched. Reports for programs are UTF-8
whatever the locale says.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from failreason._cli_sources import RULE_SUFFIXES, lint_directories
from failreason._errors import FailreasonError
from failreason._examples import ExampleOutcome
from failreason._findings import Finding
from failreason._jsonl import dumps, use_utf8
from failreason._load import builtin_dir

FORMATS = ("text", "json", "sarif", "junit")


def add_format_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text for people; json, sarif (code scanning) or junit (CI test reports)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the report here (default: stdout)"
    )


def lint_report(
    output_format: str, findings: Sequence[Finding], files: Sequence[str], tool_version: str
) -> str:
    """lint's report as json, sarif or junit text."""
    # Imported here: classify, the command that must start fast, never writes these.
    from failreason._output_formats import lint_json, lint_sarif
    from failreason._output_junit import lint_junit

    if output_format == "junit":
        return lint_junit(findings, files)
    if output_format == "sarif":
        return dumps(lint_sarif(findings, tool_version), indent=2) + "\n"
    return dumps(lint_json(findings, files), indent=2) + "\n"


def examples_report(
    output_format: str, outcomes: Sequence[ExampleOutcome], tool_version: str
) -> str:
    """test's report as json, sarif or junit text."""
    from failreason._output_formats import examples_json, examples_sarif
    from failreason._output_junit import examples_junit

    if output_format == "junit":
        return examples_junit(outcomes)
    if output_format == "sarif":
        return dumps(examples_sarif(outcomes, tool_version), indent=2) + "\n"
    return dumps(examples_json(outcomes), indent=2) + "\n"


def emit(report: str, args: argparse.Namespace, out: IO[str]) -> None:
    """Write ``report`` to ``-o FILE`` (UTF-8) or to ``out``; a file it cannot write: status 2."""
    if args.output:
        try:
            Path(args.output).write_text(report, encoding="utf-8")
        except OSError as exc:
            raise FailreasonError(f"cannot write {args.output}: {exc.strerror}") from exc
        return
    if args.format != "text":
        use_utf8(out)
    out.write(report)


def rule_files(args: argparse.Namespace) -> list[str]:
    """The rule files lint reads for ``args`` (``files`` or ``--rules``, then the built-in
    ones), as its findings name them: found on disk, so also when the files do not load."""
    user = [(Path(d), d) for d in lint_directories(args)]
    shown: list[str] = []
    for directory, display in [*user, (builtin_dir("rules"), "rules")]:
        paths = sorted(p for p in directory.rglob("*") if p.suffix in RULE_SUFFIXES)
        shown.extend(f"{display}/{path.relative_to(directory).as_posix()}" for path in paths)
    return shown
