"""How the commands end: documented exit statuses and one-line messages, never a traceback.

0  every line classified (lint: no problem; test: every example passed)
1  some input lines were malformed, some rule examples failed, something was not reported;
   lint found problems in the rule files (as ruff, sqlfluff and check-jsonschema do)
2  could not run: bad usage, unreadable input, a missing directory or file; rule files with
   problems, for every command but lint (which reports them, with 1)
3  an internal error, a bug in failreason: one line on stderr; ``FAILREASON_DEBUG=1``
   re-raises it with its traceback instead
130  interrupted (Ctrl-C), after what was already answered or sent

A closed standard output (``failreason classify big.jsonl | head``) ends the command quietly
with status 0: the reader has what it wanted.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from failreason._redact import redact
from failreason._terminal import escaped

OK, SOME_FAILED, CANNOT_RUN, INTERNAL_ERROR, INTERRUPTED = 0, 1, 2, 3, 130
DEBUG_VARIABLE = "FAILREASON_DEBUG"
_MESSAGE_CHARS = 300  # enough to recognise the bug, short enough for one line


def debugging() -> bool:
    """True when ``FAILREASON_DEBUG`` asks for tracebacks instead of one-line messages."""
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def described(exc: BaseException) -> str:
    """``Type: message`` on one line, redacted, escaped and cut short: safe to print."""
    message = " ".join(redact(escaped(str(exc))).split())
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 1] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def internal_error(exc: BaseException) -> str:
    """One line naming a bug, for the user to report."""
    hint = f"please report; {DEBUG_VARIABLE}=1 shows the traceback"
    return f"internal error: {described(exc)} ({hint})"


def silence(out: IO[str]) -> None:
    """After the reader of ``out`` went away: when ``out`` is the process's standard output,
    point it at the null device, so the flush at exit finds no closed pipe to complain of."""
    if out is not sys.__stdout__:
        return  # a stream someone handed us (tests, embedding): theirs to close
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, out.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file descriptor behind it: nothing will flush there
        pass
