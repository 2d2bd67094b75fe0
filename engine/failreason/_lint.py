"""``failreason lint``: every check on the rule files, as one list of located findings.

The rules are loaded (a file that does not load is FR001, or FR107 when it declares
nothing, and nothing else is checked then); then the concept words and examples are checked
(FR002; an example that reads otherwise is FR001) and the checks only lint runs: the rules'
examples classified once for shadowing and overlap (FR101-FR103, FR105), replaced ids
(FR104), extract profiles that miss their system's message (FR106). ``_findings.CODES``
lists every code.

Silencing, in the rule file, like ruff's ``noqa``; a reason is required::

    # failreason: ignore[FR104] we replace the built-in to give our own wording
    - id: xero.rate-limit
      ...
    # failreason: ignore-file[FR107] rules for acme arrive with the next release

``ignore[CODES] reason`` on the finding's line or the line just above it silences those
codes there; ``ignore-file[CODES] reason`` anywhere in the file silences them in the whole
file; several codes are separated by commas (``ignore[FR101,FR103] why``). A silence without
a reason, naming an unknown code or silencing nothing is FR003; FR001 and FR003 cannot be
silenced. A file that declares nothing loads only when silenced so.

Exit status (the command's): 0 when no finding is left, 1 when any is (errors or warnings);
2 when lint could not run (a missing directory, an unreadable file), raised to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from failreason._concept_coverage import check_concepts
from failreason._engine import Engine
from failreason._errors import RuleFileError, RulesDirectoryError
from failreason._findings import UNEXERCISED_WORD, Finding
from failreason._lint_examples import run_all
from failreason._lint_extract import missed_messages
from failreason._lint_files import RuleFile, empty_files, replaced_rules, rule_files
from failreason._lint_shadowing import (
    catch_alls_not_last,
    order_decides,
    takes_later_examples,
    unreachable,
)
from failreason._silence import apply_silences

_UNREADABLE = "cannot read the file"  # _readfile's message for an OSError


@dataclass(frozen=True)
class LintReport:
    """What lint found, after silencing, and how much it looked at."""

    findings: list[Finding]
    engine: Engine | None = None  # None when the rules do not load
    rules: int = 0
    systems: int = 0
    concept_words: int = 0
    concept_examples: int = 0
    silenced: int = 0
    checked: list[str] = field(default_factory=list)  # the rule files read
    user_rules: int = 0  # of ``rules``, those of the user's directories
    user_files: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings


def lint(load_engine: Callable[[], Engine]) -> LintReport:
    """Load the rules with ``load_engine`` and run every check.

    A missing directory or an unreadable file is raised (lint could not run); other load
    problems are the report's findings.
    """
    try:
        engine = load_engine()
    except RulesDirectoryError:
        raise
    except RuleFileError as exc:
        if any(problem.message.startswith(_UNREADABLE) for problem in exc.problems):
            raise  # a file it could not read: not checked, so no verdict
        return LintReport([Finding.from_problem(problem) for problem in exc.problems])
    layers = engine._layers
    files = rule_files(layers)
    concepts = check_concepts(engine)
    findings = [Finding.from_problem(problem) for problem in concepts.problems]
    findings += [
        Finding(UNEXERCISED_WORD, "warning", w.location, w.message, w.hint, w.path)
        for w in concepts.warnings
    ]
    findings += _rule_findings(engine, files)
    kept, silenced = _silenced(findings, files, len(layers) - 1)
    return LintReport(
        sorted(kept, key=lambda f: (f.location, f.code)),
        engine,
        rules=len(engine.rules),
        systems=len(engine.systems),
        concept_words=len(concepts.words),
        concept_examples=len(concepts.examples),
        silenced=silenced,
        checked=[file.shown for file in files],
        user_rules=sum(1 for rule in engine.rules if rule.layer < len(layers) - 1),
        user_files=sum(1 for file in files if file.layer < len(layers) - 1),
    )


def _rule_findings(engine: Engine, files: list[RuleFile]) -> Iterator[Finding]:
    built_in = len(engine._layers) - 1
    runs = run_all(engine)
    rules = engine.rules
    yield from unreachable(rules, runs.runs)
    yield from takes_later_examples(rules, runs.runs, built_in)
    yield from order_decides(rules, runs.runs)
    yield from replaced_rules(files, built_in)
    yield from catch_alls_not_last(rules)
    yield from missed_messages(engine._profiles, files, runs.samples)
    yield from empty_files(files)


def _silenced(
    findings: list[Finding], files: list[RuleFile], built_in: int
) -> tuple[list[Finding], int]:
    """The findings left after the files' silences, and how many were silenced.

    With the user's rules the built-ins' silences still apply, but only the user's are
    judged (FR003): a built-in silence is the built-ins' business, checked by
    ``failreason lint`` alone.
    """
    user = any(file.layer < built_in for file in files)
    shipped = [s for file in files if file.layer == built_in for s in file.silences()]
    theirs = [s for file in files if file.layer < built_in for s in file.silences()]
    kept, built_in_count = apply_silences(findings, shipped, judge=not user)
    kept, user_count = apply_silences(kept, theirs)
    return kept, built_in_count + user_count


def format_text(report: LintReport) -> str:
    """One line per finding (``file:line:col: FR101 message; hint``), then a summary line."""
    lines = [str(finding) for finding in report.findings]
    if report.engine is None:
        count = len(report.findings)
        lines.append(f"{count} problem{'s' * (count != 1)} in the rule files: they do not load")
        return "\n".join(lines) + "\n"
    words = f"{report.concept_words} concept words, {report.concept_examples} concept examples"
    silenced = f", {report.silenced} silenced" if report.silenced else ""
    yours = ""
    if report.user_files:  # the user's part first: the built-ins are mostly not their concern
        files = f"{report.user_files} file{'s' * (report.user_files != 1)}"
        yours = f" ({report.user_rules} of them yours, in {files})"
    lines.append(
        f"{report.rules} rules{yours}, {report.systems} system profiles, {words}{silenced}: "
        f"{_found(report.findings)}"
    )
    return "\n".join(lines) + "\n"


def _found(findings: list[Finding]) -> str:
    if not findings:
        return "no problems"
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    parts = [(errors, "error"), (warnings, "warning")]
    return ", ".join(f"{n} {word}{'s' * (n != 1)}" for n, word in parts if n)
