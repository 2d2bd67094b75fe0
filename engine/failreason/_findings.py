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

# A rule file that does not load: YAML, schema, regex, template or reference problems.
LOAD_PROBLEM = "FR001"
# A concept word (rules/concepts.yaml or a user ``concepts:`` block) no example exercises.
UNEXERCISED_WORD = "FR002"


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
        return cls(code, "error", problem.location, problem.message, problem.hint, problem.path)
