"""What a job's report knows: what Pleo holds, what waits to be sent, what Pleo refused.

A pure value the clients drive, so "send only what Pleo does not hold", "read back after an
ambiguous failure" and "which items are still missing" are decided in one place for both.

It also notices a second reporter on another machine: an item that turns final while this
run reports, with values this run did not send, is listed in ``written_elsewhere`` rather
than silently taken for ours (identical values cannot be told apart, and are harmless).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from failreason._lazy_re import lazy_compile
from failreason._vocabulary import FINAL_ITEM_STATUSES, MAX_ITEMS_PER_UPDATE
from failreason._wire import ExportJobItem, ItemUpdate, as_item, merged

Item = ExportJobItem  # kept for readers of older code: an item as Pleo holds it


@dataclass(frozen=True)
class Rejection:
    """Pleo refused one item of an update that otherwise succeeded."""

    accounting_entry_id: str
    type: str
    message: str


@dataclass
class Ledger:
    """Per job: Pleo's view of each item, the queue of updates, and refusals."""

    job_id: str
    in_pleo: dict[str, ExportJobItem] = field(
        default_factory=dict
    )  # entry id → item as Pleo holds it
    queued: dict[str, ItemUpdate] = field(
        default_factory=dict
    )  # entry id → update not yet accepted
    rejected: dict[str, Rejection] = field(default_factory=dict)
    sent_count: int = 0  # items Pleo accepted from us in this run
    attempted: dict[str, ItemUpdate] = field(default_factory=dict)  # entry id → update we sent
    written_elsewhere: dict[str, ExportJobItem] = field(
        default_factory=dict
    )  # entry id → item seen
    retries: dict[str, int] = field(default_factory=dict)  # entry id → transient refusals
    refused_for_now: list[str] = field(default_factory=list)  # requeued by the last answer
    in_flight: set[str] = field(default_factory=set)  # entry ids in a batch awaiting its answer
    # Set when the first read listed only the final items: the job's item count, so an item
    # never seen was not final then, and completing knows when every item is final.
    expected: int | None = None
    members: set[str] = field(default_factory=set)  # entry ids Pleo listed or answered with

    def learn(self, items: Iterable[Mapping[str, Any]]) -> None:
        """Record Pleo's items (from a read); queued updates Pleo already holds are dropped.

        Items final at the first read are a previous run's work; one seen turning final
        later is checked against what this run sent.
        """
        for read in items:
            item = as_item(read)
            entry = item["accountingEntryId"]
            before = self.in_pleo.get(entry)
            self.in_pleo[entry] = item
            self.members.add(entry)
            was_open = self.expected is not None if before is None else not _is_final(before)
            if was_open:
                self._check_writer(entry, item)
            update = self.queued.get(entry)
            if update is not None and _holds(item, update):
                del self.queued[entry]
            elif update is not None and entry in self.written_elsewhere:
                del self.queued[entry]  # someone else gave it a final status: Pleo keeps theirs

    def _check_writer(self, entry: str, item: ExportJobItem) -> None:
        """An item seen turning final: ours if it holds what we sent, else someone else's."""
        if item.get("status") not in FINAL_ITEM_STATUSES:
            return
        sent = self.attempted.get(entry)
        if sent is None or not _same_values(item, sent):
            self.written_elsewhere[entry] = item

    def sending(self, batch: Iterable[ItemUpdate]) -> None:
        """Note updates about to be sent, so their read-back is recognised as ours."""
        for update in batch:
            self.attempted[str(update["accountingEntryId"])] = update

    def queue(self, update: ItemUpdate) -> bool:
        """Queue an item update unless Pleo already holds it; False when nothing is to send."""
        entry = str(update["accountingEntryId"])
        held = self.in_pleo.get(entry)
        if held is not None and _holds(held, update):
            self.queued.pop(entry, None)
            return False
        if entry in self.written_elsewhere:
            return False
        if held is not None and held.get("status") in FINAL_ITEM_STATUSES:
            # A different final status would be a second outcome for one item: Pleo keeps one.
            raise ValueError(
                f"item {entry} already has the final status {held.get('status')!r} in Pleo; "
                f"refusing to report it again as {update.get('status')!r}"
            )
        self.queued[entry] = update
        return True

    def next_batch(self, size: int = MAX_ITEMS_PER_UPDATE) -> list[ItemUpdate]:
        """The oldest queued updates not already in a batch on its way, at most ``size``."""
        waiting = list(self.queued.values())  # one copy: another thread may queue meanwhile
        return [u for u in waiting if u["accountingEntryId"] not in self.in_flight][:size]

    def take_batch(self, size: int = MAX_ITEMS_PER_UPDATE) -> list[ItemUpdate]:
        """``next_batch``, marked as on its way until ``answered``: no item is ever in two
        batches at once, so concurrent updates never race each other for one item."""
        batch = self.next_batch(size)
        self.in_flight.update(str(u["accountingEntryId"]) for u in batch)
        return batch

    def answered(self, entries: Iterable[str]) -> None:
        """The batch holding ``entries`` is settled (or failed): they may be sent again."""
        self.in_flight.difference_update(entries)

    def unsettled(self) -> bool:
        """Whether completing needs to read Pleo back: an item is neither final in what the
        reads and answers told nor queued, one's status was refused without being seen, or
        (after a first read of the final items only) fewer items are known final than the
        job holds."""
        unseen = any(item.get("status") is None for item in self.written_elsewhere.values())
        if self.expected is not None:
            final = sum(1 for entry in self.members if _is_final(self.in_pleo[entry]))
            unseen = unseen or final < self.expected
        return unseen or bool(self.not_final())

    def accepted(
        self,
        sent: Sequence[ItemUpdate],
        data: Iterable[Mapping[str, Any]],
        errors: Iterable[Mapping[str, Any]],
    ) -> None:
        """Apply a 200 answer to ``sent``: refused items leave the queue as rejections."""
        refused = {str(e.get("accountingEntryId")): e for e in errors}
        self.learn(data)
        self.refused_for_now = []
        for update in sent:
            entry = str(update["accountingEntryId"])
            if entry in refused and self._retry_later(entry, refused[entry]):
                continue  # stays queued: the next flush sends it again
            if entry in refused:
                error = refused[entry]
                kind = str(error.get("type", ""))
                self.rejected[entry] = Rejection(entry, kind, str(error.get("message", "")))
                if kind == ALREADY_FINAL:  # final in Pleo, not in what we had read: theirs
                    unseen = cast(ExportJobItem, {"accountingEntryId": entry})  # status unread
                    self.written_elsewhere.setdefault(entry, unseen)
            elif entry in self.written_elsewhere:
                pass  # Pleo answered with someone else's final item, kept as it was
            else:
                self.in_pleo[entry] = merged(self.in_pleo.get(entry), update)
                self.sent_count += 1
            self.queued.pop(entry, None)

    def _retry_later(self, entry: str, error: Mapping[str, Any]) -> bool:
        """Keep an item Pleo refused for a reason that sounds transient, a few times."""
        text = f"{error.get('type', '')} {error.get('message', '')}"
        if not sounds_transient(text) or self.retries.get(entry, 0) >= MAX_ITEM_RETRIES:
            return False
        self.retries[entry] = self.retries.get(entry, 0) + 1
        self.refused_for_now.append(entry)
        return True

    def not_final(self) -> list[str]:
        """Entry ids Pleo does not hold as final (nor are they queued), in Pleo's order."""
        return [
            entry
            for entry, item in self.in_pleo.items()
            if item.get("status") not in FINAL_ITEM_STATUSES and entry not in self.queued
        ]

    def finals(self) -> list[ExportJobItem]:
        return [item for item in self.in_pleo.values() if item.get("status") in FINAL_ITEM_STATUSES]


MAX_ITEM_RETRIES = 3  # sends of one item refused as transient before it counts as refused
_TRANSIENT_WORDS = lazy_compile(
    r"temporar|time[sd]?[ _-]?out|unavailable|try again|retry|rate[ _-]?limit|too many"
    r"|overload|busy|deadlock|lock timeout|service down",
    re.IGNORECASE,
)


def sounds_transient(text: str) -> bool:
    """A per-item error whose words say waiting may cure it (a timeout, a busy service)."""
    return _TRANSIENT_WORDS.search(text) is not None


ALREADY_FINAL = "EXPORT_ITEM_ALREADY_FINAL"  # Pleo's refusal of a second, different status
_COMPARED = ("status", "failureReasonType", "failureReason", "externalId")


def _same_values(item: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    return all(item.get(key) == sent.get(key) for key in _COMPARED if key in sent)


def _is_final(item: Mapping[str, Any]) -> bool:
    return item.get("status") in FINAL_ITEM_STATUSES


def _holds(held: Mapping[str, Any], update: Mapping[str, Any]) -> bool:
    return held.get("status") == update.get("status") and held.get("status") in FINAL_ITEM_STATUSES
