"""What the export runner's tests share: a clock both sides read, a sandbox and a client on
it, and a connector whose accounting system is a dict (idempotent by accountingEntryId)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import failreason
from failreason.testing import Sandbox

TOKEN = "sandbox"
NO_WAIT = {"sleep": lambda seconds: None}


class SharedClock:
    """Seconds since the epoch, moved only by the test: the sandbox's expiry and the
    client's flush cadence read the same time."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@contextmanager
def pleo_on(sandbox: Sandbox, **client: Any) -> Iterator[failreason.PleoClient]:
    settings = failreason.PleoSettings(token=TOKEN, base_url=sandbox.base_url)
    with failreason.PleoClient(settings=settings, **{**NO_WAIT, **client}) as pleo:
        yield pleo


class Ledger:
    """The accounting system's side: one entry per accountingEntryId, however often posted."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def post(self, item: Mapping[str, Any]) -> failreason.Posted:
        entry = str(item["accountingEntryId"])
        with self._lock:
            self.calls[entry] = self.calls.get(entry, 0) + 1
            number = self.entries.setdefault(entry, f"JE-{10_000 + len(self.entries)}")
        return failreason.Posted(external_id=number, external_url=f"https://erp.test/{number}")


def statuses(sandbox: Sandbox, job_id: str) -> dict[str, str]:
    return {item.accounting_entry_id: item.status for item in sandbox.items(job_id)}


def events(sandbox: Sandbox, job_id: str) -> list[str]:
    return [event.event for event in sandbox.events(job_id)]


PostEntry = Callable[[Mapping[str, Any]], object]
