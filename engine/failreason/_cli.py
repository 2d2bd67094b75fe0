"""The ``failreason`` command line.

Exit status (``_exits.py`` has the whole table): 0 all went well; 1 some input lines or rule
examples failed (the rest were still processed), or ``lint`` found problems; 2 the command
could not run (bad usage, unreadable input, a missing directory, rule files too broken for
any other command); 3 an internal error; 130 interrupted.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import failreason
from failreason._cli_help import describe
from failreason._cli_output import (
    add_format_options,
    emit,
    examples_report,
    lint_report,
    rule_files,
)
from failreason._cli_rules import register as register_rule_listing
from failreason._cli_sources import (
    engine_for,
    engine_options,
    lint_engine,
    settings_of,
    within,
)
from failreason._engine import Engine, Explanation
from failreason._errors import FailreasonError, RuleFileError
from failreason._exits import (
    CANNOT_RUN,
    INTERNAL_ERROR,
    INTERRUPTED,
    OK,
    SOME_FAILED,
    debugging,
    internal_error,
    silence,
)
from failreason._jsonl import BadLine, dumps, json_lines, use_utf8
from failreason._schema import rule_file_schema
from failreason._terminal import escaped, escaped_lines

if TYPE_CHECKING:
    from failreason._examples import ExampleOutcome
    from failreason._why_not import RuleReport

T = TypeVar("T")

# Their own modules register these commands (and pull in httpx, asyncio or the sandbox);
# a command line that names one of the commands below needs none of them, so it starts faster.
_COMMAND_MODULES = (
    "_report_cli",
    "_run_cli",
    "_sandbox_cli",
    "_demo",
    "_author_cli",
    "_serve_cli",
    "_webhook_cli",
)
_OWN_COMMANDS = frozenset(
    {"classify", "explain", "lint", "test", "score", "schema", "rules", "show"}
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``failreason`` command; returns the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    named = next((word for word in words if not word.startswith("-")), None)
    args = _parser(every_command=named not in _OWN_COMMANDS).parse_args(words)
    try:
        status = int(args.run(args, sys.stdout))
        sys.stdout.flush()  # a reader gone away shows here, not in the flush at exit
    except KeyboardInterrupt:
        return INTERRUPTED  # what was answered so far has been written and flushed
    except BrokenPipeError:
        silence(sys.stdout)
        return OK  # the reader stopped reading (``| head``): it has what it wanted
    except RuleFileError as exc:
        _say(str(exc))
        return CANNOT_RUN
    except (OSError, FailreasonError) as exc:
        _say(f"failreason: {_cannot_run(exc)}")
        return CANNOT_RUN
    except Exception as exc:
        if debugging():
            raise
        _say(f"failreason: {internal_error(exc)}")
        return INTERNAL_ERROR
    return status


def _say(text: str) -> None:
    """Tell the user on stderr, each line escaped so it cannot drive their terminal."""
    print(escaped_lines(text), file=sys.stderr)


def _cannot_run(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"cannot read {exc.filename}: {exc.strerror}"
    return str(exc)


def _parser(*, every_command: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="failreason",
        description="Turn accounting-system errors into Pleo failure reasons.",
    )
    parser.add_argument(
        "--version", action="version", version=f"failreason {failreason.__version__}"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    classify = commands.add_parser(
        "classify", help="classify raw errors, one JSON envelope per line, to JSON Lines"
    )
    engine_options(classify, strict=True)
    classify.add_argument("input", nargs="?", default="-", metavar="FILE|-")
    classify.set_defaults(run=_classify)

    explain = commands.add_parser(
        "explain", help="show which rules each raw error met, and why the winner won"
    )
    engine_options(explain, strict=True)
    explain.add_argument("input", nargs="?", default="-", metavar="FILE|-")
    explain.add_argument(
        "--rule", metavar="ID", help="show why this rule held or failed, condition by condition"
    )
    explain.add_argument(
        "--why-not",
        action="store_true",
        help="that tree for every rule of the error's system (and generic) that did not decide",
    )
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.set_defaults(run=_explain)

    lint = commands.add_parser("lint", help="check rule files and templates; list every problem")
    engine_options(lint)
    lint.add_argument("files", nargs="*", metavar="FILE", help="rule files, as pre-commit passes")
    add_format_options(lint)
    lint.set_defaults(run=_lint)

    test = commands.add_parser("test", help="run the examples written next to every rule")
    engine_options(test)
    test.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="run only the examples of these rule files or directories (the rules, by default)",
    )
    test.add_argument("--rule", action="append", default=[], metavar="ID", help="only this rule")
    test.add_argument(
        "--system", action="append", default=[], metavar="ID", help="only this system's rules"
    )
    add_format_options(test)
    test.set_defaults(run=_test)

    if every_command:  # report, sandbox, demo, coverage, suggest
        for module in _COMMAND_MODULES:
            import_module(f"failreason.{module}").register(commands)

    scoring = commands.add_parser(
        "score", help="measure accuracy on labelled errors (JSON Lines with input and accept)"
    )
    engine_options(scoring)
    scoring.add_argument("input", metavar="FILE|-")
    scoring.add_argument("--format", choices=("text", "json"), default="text")
    scoring.add_argument(
        "--min", type=float, default=0.0, metavar="RATIO", help="exit 1 below this share (0-1)"
    )
    scoring.set_defaults(run=_score)

    schema = commands.add_parser("schema", help="print the JSON Schema of rule files")
    schema.set_defaults(run=_schema)
    register_rule_listing(commands)
    describe(commands)
    return parser


def _engine(args: argparse.Namespace) -> Engine:
    return engine_for(settings_of(args))  # DIR/../templates when no templates are set


_JSON_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _each(name: str, handle: Callable[[dict[str, Any]], T]) -> Iterator[tuple[int, T | str]]:
    """``handle`` applied to each non-blank line's envelope, or why the line has no answer."""
    for number, value in json_lines(name):
        if isinstance(value, BadLine):
            yield number, value.message
        elif not isinstance(value, dict):
            kind = _JSON_KINDS.get(type(value), "number")
            yield number, f"expected a JSON object (a raw-error envelope), got {kind}"
        else:
            yield number, _answer(handle, value)


def _answer(handle: Callable[[dict[str, Any]], T], envelope: dict[str, Any]) -> T | str:
    """What ``handle`` makes of one envelope, or why it could not: one line's failure only."""
    try:
        return handle(envelope)
    except FailreasonError as exc:  # it may quote the envelope: shown, never obeyed, by readers
        return escaped(str(exc))
    except Exception as exc:  # a bug must not cost a connector the lines after this one
        if debugging():
            raise
        return internal_error(exc)


def _classify(args: argparse.Namespace, out: IO[str]) -> int:
    engine = _engine(args)
    use_utf8(out)
    status = OK
    for number, outcome in _each(args.input, engine.classify):
        if isinstance(outcome, str):
            record: dict[str, Any] = {"line": number, "error": outcome}
            status = SOME_FAILED
        else:
            record = outcome.to_json()
            for warning in outcome.warnings:  # also in the record, for a program reading it
                _say(f"failreason: line {number}: warning: {warning}")
        out.write(dumps(record) + "\n")
        out.flush()  # a connector reading our output line by line must not wait for the end
    return status


def _explain(args: argparse.Namespace, out: IO[str]) -> int:
    from failreason._why_not import explanation_json, find_rule, rule_reports

    engine = _engine(args)
    if args.rule is not None:
        find_rule(engine, args.rule)  # an unknown id stops the command before any input is read
    wanted = args.rule is not None or args.why_not

    def handle(envelope: dict[str, Any]) -> tuple[Explanation, list[RuleReport]]:
        explanation = engine.explain(envelope)
        reports = rule_reports(engine, explanation, args.rule) if wanted else []
        return explanation, reports

    status = OK
    if args.format == "json":
        use_utf8(out)
    for number, outcome in _each(args.input, handle):
        if isinstance(outcome, str):
            status = SOME_FAILED
        if args.format == "json":
            record = {"line": number, "error": outcome} if isinstance(outcome, str) else None
            out.write(dumps(record or explanation_json(number, *outcome)) + "\n")
        elif isinstance(outcome, str):
            out.write(f"line {number}: error: {escaped(outcome)}\n\n")
        else:
            out.write(_format_explanation(number, *outcome))
    return status


def _format_explanation(number: int, explanation: Explanation, reports: list[RuleReport]) -> str:
    from failreason._why_not import captures_text

    signal = explanation.signal
    lines = [
        f"line {number}: system={signal.system} stage={signal.stage} status={signal.status}",
        f"  codes: {', '.join(signal.codes) or '-'}",
        *(f"  message: {m}" for m in signal.messages),
        *(f"  words: {w}" for w in signal.words.folded.splitlines()),  # identifiers, split
        *(f"  warning: {w}" for w in signal.warnings),
    ]
    for step in explanation.steps:
        if step.captures is None:
            continue  # rules that did not match are only noise here
        verdict = f"failed to render: {step.error}" if step.error else "decided"
        lines.append(f"  {step.rule.location}: {step.rule.id} matched, {verdict}")
        if step.captures:
            lines.append(f"    captures: {captures_text(step.captures)}")
    result = explanation.result
    skipped = sum(1 for step in explanation.steps if step.captures is None)
    lines.append(f"  ({skipped} earlier rules did not match)")
    lines.append(f"  => {result.failure_reason_type}: {result.failure_reason}")
    lines.extend("  " + line for report in reports for line in report.lines())
    return "\n".join(escaped(line) for line in lines) + "\n\n"  # a field's breaks shown


def _lint(args: argparse.Namespace, out: IO[str]) -> int:
    """Exit 1 when a finding is left (listed on stdout, as ruff does; warnings too), 2 when a
    directory or file given is missing or cannot be read: then nothing was checked."""
    from failreason._lint import format_text, lint  # lint-time only: kept from classify's start

    report = lint(lambda: lint_engine(args))
    if args.format == "text":
        text = escaped_lines(format_text(report))
    else:
        text = lint_report(args.format, report.findings, rule_files(args), failreason.__version__)
    emit(text, args, out)
    return OK if report.clean else SOME_FAILED


def _test(args: argparse.Namespace, out: IO[str]) -> int:
    from failreason._examples import Selection, run_examples
    from failreason._why_not import find_rule

    settings = settings_of(args)
    if args.paths and args.rules is None and not within(args.paths, settings.rules):
        # `failreason test my-rules/` loads them too, in place of the configured directories
        settings = replace(settings, rules=(_rules_dir_of(args.paths),))
    engine = engine_for(settings)
    for rule_id in args.rule:
        find_rule(engine, rule_id)  # a misspelt id must not pass as "0 examples, 0 failed"
    selection = Selection(tuple(args.paths), frozenset(args.rule), frozenset(args.system))
    outcomes = run_examples(engine, selection)
    if not outcomes:
        raise FailreasonError(
            "no examples match the paths, rules and systems given: "
            "`failreason test` without them runs every example"
        )
    failed_total = sum(1 for outcome in outcomes if not outcome.passed)
    if args.format == "text":
        report = _examples_text(outcomes)
    else:
        report = examples_report(args.format, outcomes, failreason.__version__)
    emit(report, args, out)
    return SOME_FAILED if failed_total else OK


def _examples_text(outcomes: list[ExampleOutcome]) -> str:
    out = io.StringIO()
    per_file: dict[str, list[int]] = {}
    for outcome in outcomes:
        counts = per_file.setdefault(outcome.file, [0, 0])
        counts[outcome.passed is False] += 1
        if not outcome.passed:
            out.write(escaped_lines("\n".join(outcome.details()) + "\n"))
    for file, (passed, failed) in per_file.items():
        out.write(escaped_lines(f"{file}: {passed} passed, {failed} failed\n"))
    failed_total = sum(failed for _, failed in per_file.values())
    out.write(f"{len(outcomes) - failed_total} passed, {failed_total} failed\n")
    return out.getvalue()


def _rules_dir_of(paths: list[str]) -> str:
    """The rules directory ``paths`` lie in: the first one, or the folder of the first file."""
    first = Path(paths[0])
    root = first if first.is_dir() else first.parent
    for path in paths[1:]:
        if not Path(path).resolve().is_relative_to(root.resolve()):
            raise FailreasonError(
                f"{path} is not inside {root}: pass --rules DIR with the directory holding them all"
            )
    return str(root)


def _score(args: argparse.Namespace, out: IO[str]) -> int:
    from failreason._score import format_score, row_problem, score

    rows = []
    for number, row in json_lines(args.input):
        problem = row.message if isinstance(row, BadLine) else row_problem(row)
        if problem:
            raise FailreasonError(f"{args.input}:{number}: {problem}")
        rows.append(row)
    result = score(_engine(args), rows)
    if args.format == "json":
        use_utf8(out)
        out.write(dumps(result.to_json(), indent=2) + "\n")
    else:
        out.write(escaped_lines(format_score(result)))
    return OK if result.ratio >= args.min else SOME_FAILED


def _schema(args: argparse.Namespace, out: IO[str]) -> int:
    use_utf8(out)
    out.write(dumps(rule_file_schema(), indent=2) + "\n")
    return OK
