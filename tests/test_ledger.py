"""The ledger alone: what is queued, what Pleo holds, what it refused, what is still missing."""

from __future__ import annotations

from typing import Any

import pytest

from failreason._ledger import MAX_ITEM_RETRIES, Ledger, Rejection, sounds_transient


def item(entry: str, status: str, **fields: Any) -> Any:
    """An item or update as it travels, untyped: tests also send what the types would refuse."""
    return {"accountingEntryId": entry, "status": status, **fields}


def test_an_update_pleo_does_not_hold_is_queued() -> None:
    """Queueing an item Pleo has only as pending says there is something to send."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    assert ledger.queue(item("a", "failed", failureReason="Tax code missing")) is True
    assert ledger.next_batch() == [item("a", "failed", failureReason="Tax code missing")]


def test_an_update_pleo_already_holds_is_not_queued() -> None:
    """The same final status already in Pleo means nothing to send, and no stale queue entry."""
    ledger = Ledger("job")
    ledger.queue(item("a", "failed"))
    ledger.learn([item("a", "successful")])  # someone else reported it first
    assert ledger.queue(item("a", "successful")) is False
    assert ledger.queued == {}


def test_an_update_pleo_holds_with_nothing_queued_is_simply_skipped() -> None:
    """Re-queueing what Pleo already holds, with no queue entry for it, is not an error."""
    ledger = Ledger("job")
    ledger.learn([item("a", "failed")])
    assert ledger.queue(item("a", "failed")) is False
    assert ledger.queued == {}


def test_a_matching_non_final_status_is_still_sent() -> None:
    """Only a final status counts as held: a shared pending status is not an outcome."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    assert ledger.queue(item("a", "pending")) is True


def test_a_second_final_status_is_refused() -> None:
    """Pleo keeps one outcome per item, so reporting another final status is refused."""
    ledger = Ledger("job")
    ledger.learn([item("a", "successful")])
    refusal = "item a already has the final status 'successful' .*again as 'failed'"
    with pytest.raises(ValueError, match=refusal):
        ledger.queue(item("a", "failed"))
    assert ledger.queued == {}


def test_a_later_update_of_the_same_item_replaces_the_queued_one() -> None:
    """One entry per item in the queue: the latest update wins."""
    ledger = Ledger("job")
    ledger.queue(item("a", "failed", failureReason="first"))
    ledger.queue(item("a", "failed", failureReason="second"))
    assert ledger.next_batch() == [item("a", "failed", failureReason="second")]


def test_batches_take_the_oldest_updates_first_and_at_most_the_size() -> None:
    """next_batch returns queued updates in the order they were queued, cut at the size."""
    ledger = Ledger("job")
    for n in range(250):
        ledger.queue(item(f"e{n}", "successful"))
    assert [u["accountingEntryId"] for u in ledger.next_batch(3)] == ["e0", "e1", "e2"]
    assert len(ledger.next_batch()) == 100  # Pleo's limit per update is the default


def test_learning_drops_queued_updates_pleo_already_holds() -> None:
    """A read showing Pleo holds an update (e.g. after a timeout that landed) unqueues it."""
    ledger = Ledger("job")
    ledger.queue(item("a", "failed"))
    ledger.queue(item("b", "successful"))
    ledger.queue(item("c", "successful"))
    ledger.learn([item("a", "failed"), item("b", "pending"), item("c", "failed")])
    assert list(ledger.queued) == ["b", "c"]
    assert ledger.in_pleo["a"] == item("a", "failed")


def test_learning_keeps_a_copy_of_what_pleo_sent() -> None:
    """Changing the item read from Pleo afterwards does not change the ledger."""
    ledger = Ledger("job")
    read = item("a", "pending")
    ledger.learn([read])
    read["status"] = "failed"
    assert ledger.in_pleo["a"]["status"] == "pending"


def test_entry_ids_are_compared_as_text() -> None:
    """An integer entry id from one side and a string from the other name the same item."""
    ledger = Ledger("job")
    numbered: Any = {"accountingEntryId": 7, "status": "successful"}
    ledger.queue(numbered)
    ledger.learn([{"accountingEntryId": "7", "status": "successful"}])
    assert ledger.queued == {}


def test_an_accepted_update_leaves_the_queue_and_counts_as_sent() -> None:
    """A 200 moves each sent item from the queue into Pleo's view, merged with what Pleo had."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending", note="kept"), item("b", "pending")])
    sent = [item("a", "failed", failureReason="x"), item("b", "successful")]
    for update in sent:
        ledger.queue(update)
    ledger.accepted(sent, data=[], errors=[])
    assert ledger.queued == {}
    assert ledger.sent_count == 2
    assert ledger.in_pleo["a"] == item("a", "failed", failureReason="x", note="kept")
    assert ledger.not_final() == []


def test_a_refused_item_becomes_a_rejection_and_is_not_counted() -> None:
    """An item in the 200's errors leaves the queue as a rejection with Pleo's type and message."""
    ledger = Ledger("job")
    sent = [item("a", "failed"), item("b", "successful")]
    for update in sent:
        ledger.queue(update)
    errors = [{"accountingEntryId": "a", "type": "INVALID", "message": "reason too long"}]
    ledger.accepted(sent, data=[], errors=errors)
    assert ledger.rejected == {"a": Rejection("a", "INVALID", "reason too long")}
    assert ledger.queued == {}
    assert ledger.sent_count == 1
    assert "a" not in ledger.in_pleo
    assert ledger.in_pleo["b"]["status"] == "successful"


def test_a_refusal_without_type_or_message_is_recorded_with_empty_text() -> None:
    """Missing fields in Pleo's error entry become empty strings, not the text 'None'."""
    ledger = Ledger("job")
    ledger.queue(item("a", "failed"))
    ledger.accepted([item("a", "failed")], data=[], errors=[{"accountingEntryId": "a"}])
    assert ledger.rejected["a"] == Rejection("a", "", "")


def test_data_in_an_accepted_answer_is_learned() -> None:
    """Items Pleo returns with a 200 update Pleo's view even when they were not sent."""
    ledger = Ledger("job")
    ledger.accepted([], data=[item("z", "successful")], errors=[])
    assert ledger.finals() == [item("z", "successful")]
    assert ledger.sent_count == 0


def test_not_final_lists_pending_items_not_queued_in_pleos_order() -> None:
    """What still needs a report: held by Pleo as not final and not waiting in the queue."""
    ledger = Ledger("job")
    ledger.learn(
        [item("c", "pending"), item("a", "successful"), item("b", "pending"), item("d", "pending")]
    )
    ledger.queue(item("b", "failed"))
    assert ledger.not_final() == ["c", "d"]


def test_finals_are_the_items_pleo_holds_as_successful_or_failed() -> None:
    """Only final statuses count as finished, in Pleo's order."""
    ledger = Ledger("job")
    ledger.learn([item("a", "failed"), item("b", "pending"), item("c", "successful")])
    assert ledger.finals() == [item("a", "failed"), item("c", "successful")]


# --- a second reporter elsewhere ------------------------------------------------------------


def test_an_item_turning_final_with_values_never_sent_was_written_elsewhere() -> None:
    """Pending at the first read, final at a later one, and not by us: someone else's."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    ledger.learn([item("a", "successful", externalId="JE-9")])
    assert ledger.written_elsewhere == {"a": item("a", "successful", externalId="JE-9")}


def test_an_item_turning_final_with_what_we_sent_is_ours() -> None:
    """The read-back of our own update is recognised, extra fields Pleo adds included."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    ledger.sending([item("a", "failed", failureReason="Tax code missing")])
    ledger.learn([item("a", "failed", failureReason="Tax code missing", externalId=None)])
    assert ledger.written_elsewhere == {}


def test_an_item_turning_final_with_another_reason_was_written_elsewhere() -> None:
    """Same status, different reason: another reporter's outcome, not ours."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    ledger.sending([item("a", "failed", failureReason="Tax code missing")])
    ledger.learn([item("a", "failed", failureReason="Account 4010 missing")])
    assert set(ledger.written_elsewhere) == {"a"}


def test_items_final_at_the_first_read_are_a_previous_runs_work() -> None:
    """What Pleo held before this run began is not counted as another writer's."""
    ledger = Ledger("job")
    ledger.learn([item("a", "successful")])
    ledger.learn([item("a", "successful")])
    assert ledger.written_elsewhere == {}


def test_an_item_still_pending_at_a_later_read_was_written_by_nobody() -> None:
    """Only a final status is an outcome someone wrote."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    ledger.learn([item("a", "in_progress")])
    assert ledger.written_elsewhere == {}


def test_an_update_for_an_item_written_elsewhere_is_dropped_and_not_queued_again() -> None:
    """Pleo keeps the other writer's outcome: nothing of ours is sent for that item."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    ledger.queue(item("a", "failed", failureReason="Tax code missing"))
    ledger.learn([item("a", "successful")])
    assert ledger.queued == {}
    assert ledger.queue(item("a", "failed", failureReason="Tax code missing")) is False
    assert ledger.queued == {}


def test_a_refusal_as_already_final_marks_the_item_written_elsewhere() -> None:
    """Pleo's "already final" for an item we read as pending means another writer was first."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending"), item("b", "pending")])
    sent = [item("a", "successful"), item("b", "successful")]
    errors = [
        {"accountingEntryId": "a", "type": "EXPORT_ITEM_ALREADY_FINAL", "message": "final"},
        {"accountingEntryId": "b", "type": "ACCOUNTING_ENTRY_DOES_NOT_EXIST", "message": "?"},
    ]
    ledger.accepted(sent, [], errors)
    assert ledger.written_elsewhere == {"a": {"accountingEntryId": "a"}}
    assert set(ledger.rejected) == {"a", "b"}


def test_an_accepted_answer_holding_anothers_outcome_is_not_counted_as_sent() -> None:
    """Pleo answering with someone else's final item keeps it, and our count stays honest."""
    ledger = Ledger("job")
    ledger.learn([item("a", "pending")])
    update = item("a", "failed", failureReason="Tax code missing")
    ledger.sending([update])
    ledger.accepted([update], [item("a", "successful", externalId="JE-9")], [])
    assert ledger.sent_count == 0
    assert ledger.in_pleo["a"] == item("a", "successful", externalId="JE-9")


def test_an_item_refused_as_transient_stays_queued_a_few_times_then_is_rejected() -> None:
    """'Try again' keeps the update queued up to MAX_ITEM_RETRIES times, then it is refused."""
    ledger = Ledger("job")
    update = item("a", "successful")
    error = {"accountingEntryId": "a", "type": "ACCOUNTING_ENTRY_UPDATE_FAILED"}
    error["message"] = "Service temporarily unavailable, try again later"
    for _ in range(MAX_ITEM_RETRIES):
        ledger.queue(update)
        ledger.accepted([update], data=[], errors=[error])
        assert (list(ledger.queued), ledger.refused_for_now, ledger.rejected) == (["a"], ["a"], {})
    ledger.accepted([update], data=[], errors=[error])
    assert ledger.queued == {}
    assert ledger.rejected["a"].type == "ACCOUNTING_ENTRY_UPDATE_FAILED"


@pytest.mark.parametrize(
    ("text", "transient"),
    [
        pytest.param("ACCOUNTING_ENTRY_UPDATE_FAILED: lock timeout", True, id="timeout"),
        pytest.param("EXPORT_ENTRY_STATUS_UPDATE_FAILED: please retry", True, id="retry"),
        pytest.param("Service Unavailable", True, id="unavailable"),
        pytest.param("ACCOUNTING_ENTRY_DOES_NOT_EXIST: no such entry", False, id="missing"),
        pytest.param("ACCOUNTING_ENTRY_UPDATE_FAILED: reason too long", False, id="invalid"),
    ],
)
def test_which_item_errors_sound_transient(text: str, transient: bool) -> None:
    """Words that say waiting may help mark an item error transient; the rest are final."""
    assert sounds_transient(text) is transient
