"""``failreason rules`` lists the rules in force; ``failreason show ID`` prints one as written.

Both read the same engine ``classify`` would use, so what they show is what decides: the
user's rules first, then the built-in ones, in the order they are tried. ``show`` cuts the
rule's block out of its file by indentation (the YAML item from its ``- id:`` line to the
next line indented less than its keys), so comments and examples come out as the author
wrote them.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import IO, Any

from failreason._cli_sources import engine_for, engine_options, settings_of
from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._jsonl import dumps, use_utf8
from failreason._rules import Rule
from failreason._terminal import escaped, escaped_lines

_TEXT_COLUMNS = ("id", "where", "type", "systems")
_HEADLINE_CHARS = 72


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rules`` and ``show``; running one calls ``args.run(args, stdout)``."""
    listing = commands.add_parser("rules", help="list the rules in force, built-in ones too")
    engine_options(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=list_rules)
    show = commands.add_parser("show", help="print one rule as written, with its examples")
    show.add_argument("rule_id", metavar="ID", help="the rule's id, e.g. xero.account-archived")
    engine_options(show)
    show.set_defaults(run=show_rule)


def rule_record(rule: Rule) -> dict[str, Any]:
    """What ``rules --format json`` says of one rule."""
    return {
        "id": rule.id,
        "file": rule.location.file,
        "line": rule.location.line,
        "type": rule.type,
        "retryable": rule.retryable,
        "systems": sorted(rule.systems),
        "description": rule.description,
        "examples": len(rule.examples),
    }


def list_rules(args: argparse.Namespace, out: IO[str]) -> int:
    """Print every rule in force, as aligned text or a JSON array; the text ends with the
    settings that chose the user's rules (where they came from), when any are set."""
    settings = settings_of(args)
    rules = engine_for(settings).rules
    if args.format == "json":
        use_utf8(out)
        out.write(dumps([rule_record(rule) for rule in rules], indent=2) + "\n")
        return 0
    rows = [
        (rule.id, f"{rule.location.file}:{rule.location.line}", rule.type, _systems(rule))
        for rule in rules
    ]
    widths = [max(len(row[i]) for row in [_TEXT_COLUMNS, *rows]) for i in range(4)]
    for rule, row in zip((None, *rules), [_TEXT_COLUMNS, *rows], strict=True):
        cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        about = _headline(rule.description) if rule is not None else "description"
        out.write(escaped(f"{cells}  {about}".rstrip()) + "\n")
    out.write(f"{len(rules)} rules\n")
    out.write(escaped_lines("".join(f"{line}\n" for line in settings.describe())))
    return 0


def _headline(description: str) -> str:
    """The description's first sentence, cut to one short line (JSON has it whole)."""
    first = " ".join(description.split()).split(". ")[0]
    return first if len(first) <= _HEADLINE_CHARS else first[: _HEADLINE_CHARS - 1] + "…"


def _systems(rule: Rule) -> str:
    return ",".join(sorted(rule.systems)) or "*"


def show_rule(args: argparse.Namespace, out: IO[str]) -> int:
    """Print the rule ``args.rule_id`` as written in its file, headed by its location."""
    engine = engine_for(settings_of(args))
    by_id = {rule.id: rule for rule in engine.rules}
    rule = by_id.get(args.rule_id)
    if rule is None:
        close = difflib.get_close_matches(args.rule_id, list(by_id), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `failreason rules` lists them"
        raise FailreasonError(f"no rule has the id {args.rule_id!r}{hint}")
    block = rule_block(_source_file(engine, rule), rule.location.line)
    out.write(escaped_lines(f"# {rule.location}\n{block}"))
    return 0


def _source_file(engine: Engine, rule: Rule) -> Path:
    """The file a rule's location names, through the display name of its layer."""
    path = engine.rule_path(rule)
    if path is None:
        raise FailreasonError(f"cannot find the file of rule {rule.id!r} ({rule.location.file})")
    return path


def rule_block(path: Path, line: int) -> str:
    """The YAML item starting at ``line`` (1-based) of ``path``: its lines, as written."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    first = lines[line - 1]
    body_indent = len(first) - len(first.lstrip(" -"))  # where its keys start, after "- "
    block = [first]
    for text in lines[line:]:
        stripped = text.strip()
        indent = len(text) - len(text.lstrip(" "))
        if stripped and indent < body_indent:
            break
        block.append(text)
    while block and not block[-1].strip():
        block.pop()
    return "\n".join(block) + "\n"
