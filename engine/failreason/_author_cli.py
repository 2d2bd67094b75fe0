"""``failreason coverage`` and ``failreason suggest``: what a file of production errors
reaches, and draft rules for what falls through."""

from __future__ import annotations

import argparse
from typing import IO, Any

from failreason._coverage import coverage, format_coverage
from failreason._exits import OK, SOME_FAILED
from failreason._jsonl import dumps, use_utf8
from failreason._load import load
from failreason._terminal import escaped_lines

_INPUT = "raw-error envelopes, one JSON object per line, as `classify` reads them"


def register(commands: Any) -> None:
    """Add ``coverage`` to the subcommands."""
    cover = commands.add_parser(
        "coverage",
        help="which rules a file of raw errors reaches, and what falls to the fallback",
        description=f"Classify {_INPUT}; count hits per rule, rules never hit, the fallback's "
        "share per system and its most frequent messages. Exit 0, or 1 when a line could "
        "not be read (it is named), 2 when the command could not run.",
    )
    _options(cover)
    cover.add_argument("--format", choices=("text", "json"), default="text")
    cover.set_defaults(run=_coverage)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="DIR", help="your rule files, tried before built-ins")
    parser.add_argument("--templates", metavar="DIR", help="your templates, found first")
    parser.add_argument("input", metavar="ERRORS.jsonl|-")


def _coverage(args: argparse.Namespace, out: IO[str]) -> int:
    tally = coverage(load(args.rules, args.templates), args.input)
    if args.format == "json":
        use_utf8(out)
        out.write(dumps(tally.to_json(), indent=2) + "\n")
    else:
        out.write(escaped_lines(format_coverage(tally)))
    return SOME_FAILED if tally.bad_lines else OK
