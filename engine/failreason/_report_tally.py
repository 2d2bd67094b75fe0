"""What a ``failreason report`` run did, told truthfully: every line and item has one fate.

The counts add up by construction:

    lines = unusable + items
    items = repeated + accepted + alreadyHeld + refused + differs + notSent
    sent  = accepted + refused          (updates Pleo answered in this run)

A line is unusable for a fault of its own (not JSON, not an item, an invalid item). Every
other line says what Pleo should hold for its item (the last line naming an item wins; the
earlier ones are ``repeated``). Each item then ends in one fate, read from what Pleo holds
at the end, never from which line happened to be read when a batch failed:

    accepted     Pleo holds it as the input says, sent in this run
    alreadyHeld  Pleo held it as the input says before this run (a rerun sends nothing)
    refused      Pleo refused its update
    differs      Pleo holds another final status or reason, which can no longer change
    notSent      it could not be sent (Pleo did not answer, the run was interrupted, or the
                 job is finished)

A batch Pleo could not take is a ``Stall``: its error is charged to the batch and the items
in it, as a problem while they are not in Pleo, or as a note once a later try sent them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from failreason._ledger import Rejection
from failreason._outcome import ReportOutcome
from failreason._pleo import Report
from failreason._report_lines import ItemLine, holds, shown
from failreason._vocabulary import FINAL_ITEM_STATUSES
from failreason._wire import ExportJobItem

FATES = ("accepted", "alreadyHeld", "refused", "differs", "notSent")  # held ones first
_RANGES_SHOWN = 8  # line ranges named in one message before "…"


@dataclass(frozen=True)
class Stall:
    """A batch Pleo could not take: the error, and the items the batch held."""

    error: str
    entries: tuple[str, ...]


@dataclass
class Run:
    """One run's record: lines read, what each item should be, and what went wrong."""

    job_id: str
    lines: int = 0
    unusable: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    intents: dict[str, ItemLine] = field(default_factory=dict)  # entry → the line that counts
    stalls: list[Stall] = field(default_factory=list)
    parked: list[ItemLine] = field(default_factory=list)  # read while Pleo was not answering
    stalled: bool = False
    report: Report | None = None
    held: dict[str, ExportJobItem] | None = None  # read directly, when no report was made
    finished: str | None = None  # the job's status when it was finished before this run
    outcome: ReportOutcome | None = None
    completion_problem: str | None = None

    def stall(self, report: Report, error: Exception) -> None:
        """Pleo could not take the next batch: charge the error to that batch's items."""
        batch = tuple(str(u["accountingEntryId"]) for u in report.ledger.next_batch())
        self.stalls.append(Stall(str(error), batch))
        self.stalled = True

    def view(self) -> tuple[Mapping[str, Mapping[str, Any]], set[str], Mapping[str, Rejection]]:
        """What Pleo holds, what this run sent, and what Pleo refused."""
        if self.report is not None:
            ledger = self.report.ledger
            return ledger.in_pleo, set(ledger.attempted), ledger.rejected
        return self.held or {}, set(), {}

    def fates(self) -> dict[str, list[ItemLine]]:
        """Each item's fate, from what Pleo holds now."""
        held, attempted, rejected = self.view()
        fates: dict[str, list[ItemLine]] = {fate: [] for fate in FATES}
        for entry, line in self.intents.items():
            item = held.get(entry)
            if holds(item, line.update):
                fate = "accepted" if entry in attempted else "alreadyHeld"
            elif entry in rejected:
                fate = "refused"
            elif item is not None and item.get("status") in FINAL_ITEM_STATUSES:
                fate = "differs"
            else:
                fate = "notSent"
            fates[fate].append(line)
        return fates

    def counts(self, fates: Mapping[str, list[ItemLine]]) -> dict[str, int]:
        items = self.lines - len(self.unusable)
        counts = {"lines": self.lines, "unusable": len(self.unusable), "items": items}
        counts["repeated"] = items - len(self.intents)
        counts.update({fate: len(lines) for fate, lines in fates.items()})
        counts["sent"] = counts["accepted"] + counts["refused"]
        counts["failedMissing"] = self._failed_missing()
        return counts

    def _failed_missing(self) -> int:
        """Items no line named that this run failed (``--fail-missing``)."""
        held, attempted, _ = self.view()
        return sum(
            1
            for entry in attempted - set(self.intents)
            if (held.get(entry) or {}).get("status") == "failed"
        )

    def problems(self, fates: Mapping[str, list[ItemLine]], interrupted: bool) -> list[str]:
        """What keeps Pleo from holding what the input says, charged where it belongs."""
        problems = [f"line {number}: {why}" for number, why in self.unusable]
        held, _, rejected = self.view()
        for line in fates["refused"]:
            refusal = rejected[line.entry]
            problems.append(
                f"line {line.number}: Pleo refused item {line.entry} "
                f"({refusal.type}: {refusal.message})"
            )
        for line in fates["differs"]:
            problems.append(
                f"line {line.number}: Pleo holds item {line.entry} as "
                f"{shown(held[line.entry])}; the input says {shown(line.update)}, and a final "
                "item cannot change"
            )
        if not interrupted:
            problems += self._not_sent(fates["notSent"], held)
        if self.completion_problem:
            problems.append(self.completion_problem)
        return problems

    def notes(self, fates: Mapping[str, list[ItemLine]]) -> list[str]:
        """Batches Pleo could not take at first but which a later try sent."""
        waiting = {line.entry for line in fates["notSent"]}
        notes = []
        for stall in self.stalls:
            lines = [self.intents[e] for e in stall.entries if e in self.intents]
            if lines and not waiting.intersection(stall.entries):
                notes.append(
                    f"{_where(lines)} could not be sent at first ({stall.error}); "
                    "a later try sent them"
                )
        return notes

    def _not_sent(self, lines: list[ItemLine], held: Mapping[str, Mapping[str, Any]]) -> list[str]:
        if not lines:
            return []
        if self.finished is not None:
            return [self._cannot_change(line, held.get(line.entry)) for line in lines]
        left = {line.entry: line for line in lines}
        problems = []
        for stall in reversed(self.stalls):  # the last error each item met
            mine = [left.pop(e) for e in stall.entries if e in left]
            if mine:
                problems.append(f"{_where(mine)} were not sent: {stall.error}")
        problems.reverse()
        if left:
            why = "Pleo stopped answering before their turn" if self.stalls else "not sent"
            problems.append(f"{_where(list(left.values()))} were not sent: {why}")
        return problems

    def _cannot_change(self, line: ItemLine, item: Mapping[str, Any] | None) -> str:
        if item is None:
            return f"line {line.number}: export job {self.job_id} has no item {line.entry}"
        return (
            f"line {line.number}: Pleo holds item {line.entry} as {item.get('status')} and the "
            f"job is already {self.finished}, so it can no longer change"
        )


def _where(lines: list[ItemLine]) -> str:
    """``the items of lines 3-5, 9 (4 items)``."""
    count = f"{len(lines)} item{'s' if len(lines) != 1 else ''}"
    return f"the items of {line_ranges(line.number for line in lines)} ({count})"


def line_ranges(numbers: Iterable[int]) -> str:
    """``line 7`` or ``lines 3-5, 9``; long lists end in ``…``."""
    ordered = sorted(set(numbers))
    if not ordered:
        return "no lines"
    ranges: list[str] = []
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    shown_ranges = ", ".join(ranges[:_RANGES_SHOWN]) + (
        ", …" if len(ranges) > _RANGES_SHOWN else ""
    )
    return f"{'line' if len(ordered) == 1 else 'lines'} {shown_ranges}"
