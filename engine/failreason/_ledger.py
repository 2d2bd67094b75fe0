"""What a job's report knows: what Pleo holds, what waits to be sent, what Pleo refused.

A pure value the clients drive, so "send only what Pleo does not hold", "read back after an
ambiguous failure" and "which items are still missing" are decided in one place for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from failreason._vocabulary import FINAL_ITEM_STATUSES, MAX_ITEMS_PER_UPDATE

Item = dict[str, Any]


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
    in_pleo: dict[str, Item] = field(default_factory=dict)  # entry id → item as Pleo holds it
    queued: dict[str, Item] = field(default_factory=dict)  # entry id → update not yet accepted
    rejected: dict[str, Rejection] = field(default_factory=dict)
    sent_count: int = 0  # items Pleo accepted from us in this run

    def learn(self, items: Iterable[Mapping[str, Any]]) -> None:
        """Record Pleo's items (from a read); queued updates Pleo already holds are dropped."""
        for item in items:
            entry = str(item["accountingEntryId"])
            self.in_pleo[entry] = dict(item)
            update = self.queued.get(entry)
            if update is not None and _holds(item, update):
                del self.queued[entry]

    def queue(self, update: Item) -> bool:
        """Queue an item update unless Pleo already holds it; False when nothing is to send."""
        entry = str(update["accountingEntryId"])
        held = self.in_pleo.get(entry)
        if held is not None and _holds(held, update):
            self.queued.pop(entry, None)
            return False
        if held is not None and held.get("status") in FINAL_ITEM_STATUSES:
            # A different final status would be a second outcome for one item: Pleo keeps one.
            raise ValueError(
                f"item {entry} already has the final status {held.get('status')!r} in Pleo; "
                f"refusing to report it again as {update.get('status')!r}"
            )
        self.queued[entry] = update
        return True

    def next_batch(self, size: int = MAX_ITEMS_PER_UPDATE) -> list[Item]:
        """The oldest queued updates, at most ``size``."""
        return list(self.queued.values())[:size]

    def accepted(
        self,
        sent: Sequence[Item],
        data: Iterable[Mapping[str, Any]],
        errors: Iterable[Mapping[str, Any]],
    ) -> None:
        """Apply a 200 answer to ``sent``: refused items leave the queue as rejections."""
        refused = {str(e.get("accountingEntryId")): e for e in errors}
        self.learn(data)
        for update in sent:
            entry = str(update["accountingEntryId"])
            if entry in refused:
                error = refused[entry]
                self.rejected[entry] = Rejection(
                    entry, str(error.get("type", "")), str(error.get("message", ""))
                )
            else:
                self.in_pleo[entry] = {**self.in_pleo.get(entry, {}), **update}
                self.sent_count += 1
            self.queued.pop(entry, None)

    def not_final(self) -> list[str]:
        """Entry ids Pleo does not hold as final (nor are they queued), in Pleo's order."""
        return [
            entry
            for entry, item in self.in_pleo.items()
            if item.get("status") not in FINAL_ITEM_STATUSES and entry not in self.queued
        ]

    def finals(self) -> list[Item]:
        return [item for item in self.in_pleo.values() if item.get("status") in FINAL_ITEM_STATUSES]


def _holds(held: Mapping[str, Any], update: Mapping[str, Any]) -> bool:
    return held.get("status") == update.get("status") and held.get("status") in FINAL_ITEM_STATUSES
