"""``failreason coverage`` and ``failreason suggest``: what a file of production errors
reaches, and draft rules for what falls through."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Any

from failreason._cli_sources import engine_for, engine_options, settings_of
from failreason._coverage import coverage, format_coverage
from failreason._errors import FailreasonError
from failreason._exits import OK, SOME_FAILED
from failreason._jsonl import dumps, use_utf8
from failreason._suggest import render_draft, suggest
from failreason._terminal import escaped_lines

_INPUT = "raw-error envelopes, one JSON object per line, as `classify` reads them"


def register(commands: Any) -> None:
    """Add ``coverage`` and ``suggest`` to the subcommands."""
    cover = commands.add_parser(
        "coverage",
        help="which rules a file of raw errors reaches, and what falls to the fallback",
        description=f"Classify {_INPUT}; count hits per rule, rules never hit, the fallback's "
        "share per system and its most frequent messages. Example: failreason coverage "
        "errors.jsonl --format json. Exit 0, or 1 when a line could not be read (it is "
        "named), 2 when the command could not run.",
    )
    _options(cover)
    cover.add_argument("--format", choices=("text", "json"), default="text")
    cover.set_defaults(run=_coverage)

    draft = commands.add_parser(
        "suggest",
        help="draft rules (YAML) for the raw errors that fall to the fallback",
        description=f"Classify {_INPUT}; mine the messages the fallback took into templates "
        "and write one draft rule per template, largest first. Example: failreason suggest "
        "errors.jsonl -o my-rules/draft.yaml. Exit 0, 1 when a line could not be read, 2 "
        "when the command could not run.",
    )
    _options(draft)
    draft.add_argument(
        "-o", "--output", metavar="FILE", help="write the draft here (default: stdout)"
    )
    draft.set_defaults(run=_suggest)


def _options(parser: argparse.ArgumentParser) -> None:
    engine_options(parser)
    parser.add_argument("input", metavar="ERRORS.jsonl|-")


def _coverage(args: argparse.Namespace, out: IO[str]) -> int:
    tally = coverage(engine_for(settings_of(args)), args.input)
    if args.format == "json":
        use_utf8(out)
        out.write(dumps(tally.to_json(), indent=2) + "\n")
    else:
        out.write(escaped_lines(format_coverage(tally)))
    return SOME_FAILED if tally.bad_lines else OK


def _suggest(args: argparse.Namespace, out: IO[str]) -> int:
    draft = suggest(engine_for(settings_of(args)), args.input)
    text = render_draft(draft, args.input)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise FailreasonError(f"cannot write {args.output}: {exc.strerror}") from exc
        count = len(draft.rules)
        out.write(f"{count} draft rule{'s' if count != 1 else ''} written to {args.output}\n")
    else:
        use_utf8(out)
        out.write(text)
    for number, why in sorted(draft.bad_lines.items()):
        print(escaped_lines(f"failreason: {args.input}:{number}: {why}"), file=sys.stderr)
    return SOME_FAILED if draft.bad_lines else OK
