"""Silencing comments in rule files: ``# failreason: ignore[FR101] <reason>``, like ruff's noqa.

``ignore[CODES] reason`` on a finding's line, or on the line just above it, silences the
findings of those codes there; ``ignore-file[CODES] reason`` anywhere in a file silences them
in the whole file. Codes are separated by commas. PyYAML drops comments, so they are read
from the raw text: a ``#`` that starts a YAML comment (at the start of a line or after a
space). A quoted value holding ``# failreason:`` would be read as one too; nobody writes that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from failreason._errors import Location
from failreason._findings import (
    BAD_SILENCE,
    CODES,
    SILENCEABLE,
    Finding,
)
from failreason._lazy_re import lazy_compile

_MARK = lazy_compile(r"(?:^|\s)#\s*failreason\s*:(?P<rest>.*)$")
_DIRECTIVE = lazy_compile(r"\s*(?P<kind>ignore-file|ignore)\[(?P<codes>[^\]]*)\](?P<reason>.*)$")
_SYNTAX = "write `# failreason: ignore[FR101] why` or `# failreason: ignore-file[FR107] why`"


@dataclass(frozen=True)
class Silence:
    """One silencing comment: where it stands, the codes it names and the reason given."""

    location: Location
    codes: tuple[str, ...]
    reason: str
    whole_file: bool

    def covers(self, finding: Finding) -> bool:
        where = finding.location
        if finding.code not in self.codes or where.file != self.location.file:
            return False
        return self.whole_file or where.line in (self.location.line, self.location.line + 1)


@dataclass(frozen=True)
class Garbled:
    """A ``# failreason:`` comment that is no silence lint understands."""

    location: Location


def read_silences(text: str, file: str) -> Iterator[Silence | Garbled]:
    """Every ``# failreason:`` comment of a rule file's raw text, in order."""
    for number, line in enumerate(text.splitlines(), 1):
        mark = _MARK.search(line)
        if mark is None:
            continue
        where = Location(file, number, line.index("#", mark.start()) + 1)
        directive = _DIRECTIVE.match(mark["rest"])
        if directive is None:
            yield Garbled(where)
            continue
        named = directive["codes"].split(",")
        codes = tuple(code.strip().upper() for code in named if code.strip())
        whole = directive["kind"] == "ignore-file"
        yield Silence(where, codes, directive["reason"].strip(), whole)


def silences_file(text: str, code: str) -> bool:
    """Whether ``text`` has ``ignore-file[code]`` with a reason: the loader's question for FR107."""
    return any(
        isinstance(s, Silence) and s.whole_file and code in s.codes and s.reason
        for s in read_silences(text, "")
    )


def apply_silences(
    findings: Iterable[Finding], silences: Iterable[Silence | Garbled], *, judge: bool = True
) -> tuple[list[Finding], int]:
    """The findings no silence covers, plus findings about the silences themselves (when
    ``judge``: a silence whose finding could not have been looked for is not judged), and how
    many findings were silenced."""
    written = list(silences)
    usable = [s for s in written if isinstance(s, Silence)]
    kept: list[Finding] = []
    used: set[tuple[int, str]] = set()
    silenced = 0
    for finding in findings:
        covering = [i for i, s in enumerate(usable) if s.covers(finding)]
        if finding.code not in SILENCEABLE or not covering:
            kept.append(finding)
            continue
        silenced += 1
        used.update((i, finding.code) for i in covering)
    if judge:
        kept.extend(_judged(written, usable, used))
    return kept, silenced


def _judged(
    written: list[Silence | Garbled], usable: list[Silence], used: set[tuple[int, str]]
) -> Iterator[Finding]:
    for silence in written:
        if isinstance(silence, Garbled):
            message = "a failreason comment lint cannot read"
            yield Finding(BAD_SILENCE, "warning", silence.location, message, _SYNTAX)
    for index, silence in enumerate(usable):
        yield from _judge(silence, {code for i, code in used if i == index})


def _judge(silence: Silence, used: set[str]) -> Iterator[Finding]:
    at = silence.location
    if not silence.codes:
        yield Finding(BAD_SILENCE, "warning", at, "a silence that names no code", _SYNTAX)
        return
    if not silence.reason:
        hint = "say after the codes why the finding is right to keep, as `ignore[FR104] why`"
        yield Finding(BAD_SILENCE, "warning", at, "a silence without a reason", hint)
    for code in silence.codes:
        if code not in SILENCEABLE:
            known = "unknown code" if code not in CODES else "a code no comment can silence"
            hint = f"silenceable codes: {', '.join(sorted(SILENCEABLE))}"
            yield Finding(BAD_SILENCE, "warning", at, f"{known} {code!r} in a silence", hint)
        elif code not in used:
            where = "in this file" if silence.whole_file else "on this line or the next"
            message = f"the silence of {code} silences nothing: there is no {code} finding {where}"
            yield Finding(BAD_SILENCE, "warning", at, message, "remove it")
