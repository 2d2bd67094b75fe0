"""Exceptions, split by who has to act on them.

FailreasonError                 base of everything failreason raises
├── RuleFileError               rule authors: a rule or template file is wrong
│   │                           (carries every problem found, each located)
│   └── RulesDirectoryError     a rules or templates directory given does not exist
│                               (also a NotADirectoryError)
├── EnvelopeError (TypeError)   programmers: a raw-error envelope is malformed
├── CredentialsError (TypeError)  programmers: a Pleo token or API key is missing or unusable
├── PleoSettingsError (ValueError)  operators: the Pleo base URL is unusable
├── PleoError                   operators: Pleo refused a request or could not be reached
│   ├── JobNotReportableError   the job is expired, finished or not started
│   └── IncompleteJobError      completion asked while items are not final
├── JobLockedError              operators: another reporter on this machine holds the job
├── ReportFinishedError (RuntimeError)  programmers: complete() or fail() on a finished report
└── FaultSpecError (ValueError) sandbox users: a fault plan does not parse

The reporting and sandbox errors live beside the code that raises them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class FailreasonError(Exception):
    """Base class of every error failreason raises."""


@dataclass(frozen=True, order=True)
class Location:
    """A place in a rule or template file; line and column count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule file, where it is and what to do about it."""

    location: Location
    message: str
    path: str = ""
    hint: str = ""
    code: str = ""  # the lint code when it is not FR001 (see _findings)

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.location}: {self.message}{hint}{where}"


class RuleFileError(FailreasonError):
    """Rule or template files that cannot be loaded; ``problems`` lists them all, best first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the rule files"
        super().__init__("\n".join([heading, *(str(p) for p in self.problems)]))


class RulesDirectoryError(RuleFileError, NotADirectoryError):
    """A rules or templates directory that is missing or not a directory: one located problem.

    Also a NotADirectoryError, which is what ``load`` raised for it before.
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])
        self.args = (str(problem),)  # one line: there is only the one problem


class EnvelopeError(FailreasonError, TypeError):
    """A raw-error envelope handed to ``classify`` is not of the documented shape."""
