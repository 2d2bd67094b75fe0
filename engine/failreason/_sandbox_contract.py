"""The sandbox checks both sides of every ``/v3`` exchange against Pleo's contract.

A sandbox made with ``contract=True`` validates each request it receives (so every request a
client under test sends) and each answer it gives against ``contract/export-api-v3.json``,
and keeps what is wrong in ``Sandbox.contract_violations`` and in ``GET /sandbox/log``.
Nothing is refused for it: the API answers as it would anyway, and the test decides.

``watching()`` turns the check on for every sandbox made while it is open (``contract=None``,
the default, follows it) and gathers their violations, so one fixture covers a whole suite::

    with watching() as watch:
        run_the_test()
    assert not watch.violations
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from failreason._contract import NO_BODY, request_problems, response_problems


@dataclass
class ContractWatch:
    """The contract violations of every sandbox made while the watch was open."""

    violations: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, problems: list[str]) -> None:
        with self._lock:
            self.violations.extend(problems)


_WATCHES: list[ContractWatch] = []


@contextmanager
def watching() -> Iterator[ContractWatch]:
    """Check every sandbox made inside the block against the contract; yield what they found."""
    watch = ContractWatch()
    _WATCHES.append(watch)
    try:
        yield watch
    finally:
        _WATCHES.remove(watch)


def active_watches() -> tuple[ContractWatch, ...]:
    """The watches a sandbox made now reports to (none: the check is off unless asked for)."""
    return tuple(_WATCHES)


def parsed(body: bytes) -> Any:
    """A body as JSON, or ``NO_BODY`` when it is empty or not JSON."""
    if not body.strip():
        return NO_BODY
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return NO_BODY


def exchange_problems(
    method: str,
    path: str,
    query: str,
    request_body: bytes,
    status: int | None,
    response_body: bytes | None,
) -> list[str]:
    """What the request and its answer (None: none was sent) get wrong."""
    problems = [
        f"request {problem}"
        for problem in request_problems(method, path, query, parsed(request_body))
    ]
    if status is not None and response_body is not None:
        answer = response_problems(method, path, status, parsed(response_body))
        problems += [f"response {problem}" for problem in answer]
    return problems
