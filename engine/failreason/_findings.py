"""What ``failreason lint`` reports: located findings, each with a code, in every output format.

A finding's ``code`` names the check that made it (``FR101``), like ruff's ``F401``: it is
what a rule file quotes to silence one finding with a reason, what ``--format sarif`` gives as
the rule id, and what ``docs/rules.md`` lists. ``severity`` is "error" for a file that cannot
load as written (its rules are not used), "warning" for one that loads but is likely wrong;
lint exits 1 on either, unless silenced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from failreason._errors import Location, Problem

Severity = Literal["error", "warning"]

# A rule file that does not load: YAML, schema, regex, template or reference problems; also a
# concept example that does not read as it states (the words it tests are wrong).
LOAD_PROBLEM = "FR001"
# A concept word (rules/concepts.yaml or a user ``concepts:`` block) no example exercises.
UNEXERCISED_WORD = "FR002"
# A ``# failreason: ignore[...]`` comment without a reason, with an unknown code, garbled, or
# that silences nothing.
BAD_SILENCE = "FR003"
# The shadowing and overlap checks (``_lint_shadowing``, ``_lint_files``): run only by lint.
UNREACHABLE_RULE = "FR101"
TAKES_BUILT_IN_EXAMPLES = "FR102"
ORDER_DECIDES = "FR103"
REPLACES_RULE = "FR104"
CATCH_ALL_NOT_LAST = "FR105"
EXTRACT_FINDS_NOTHING = "FR106"
NO_RULES = "FR107"

CODES: dict[str, str] = {
    LOAD_PROBLEM: "a rule or template file does not load, or a concept example reads otherwise",
    UNEXERCISED_WORD: "a concept word that no concept example exercises",
    BAD_SILENCE: "a silence without a reason, with an unknown code, garbled, or silencing nothing",
    UNREACHABLE_RULE: "a rule that decides none of its own examples",
    TAKES_BUILT_IN_EXAMPLES: "a rule that takes examples of built-in (later-layer) rules",
    ORDER_DECIDES: "two rules of one priority in different files match an example differently",
    REPLACES_RULE: "a rule with a built-in (later-layer) rule's id, which it replaces",
    CATCH_ALL_NOT_LAST: "a catch-all rule tried before rules it hides",
    EXTRACT_FINDS_NOTHING: "an extract source that finds nothing in its system's examples",
    NO_RULES: "a rule file that declares nothing (no rules, no other content)",
}
"""Every code lint may print, with what it means: for ``docs/rules.md`` and SARIF's rules."""

# Codes a comment may silence: a file that does not load, or a broken silence, cannot be.
SILENCEABLE = frozenset(CODES) - {LOAD_PROBLEM, BAD_SILENCE}


@dataclass(frozen=True)
class Finding:
    """One located thing wrong with the rule files, and what to do about it."""

    code: str
    severity: Severity
    location: Location
    message: str
    hint: str = ""
    path: str = ""  # where in the YAML document, as ``rules[3].match.status``

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.location}: {self.code} {self.message}{hint}{where}"

    @classmethod
    def from_problem(cls, problem: Problem, code: str = LOAD_PROBLEM) -> Finding:
        """A load problem as a finding: its own code when the loader gave it one (``FR107``)."""
        chosen = problem.code or code
        return cls(chosen, "error", problem.location, problem.message, problem.hint, problem.path)
