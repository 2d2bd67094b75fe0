"""The sandbox's pure model: jobs, items, events, pagination and expiry."""

from __future__ import annotations

import re
from typing import Any

import pytest

from failreason import ITEM_FAILURE_TYPES
from failreason._contract import response_problems
from failreason._sandbox_model import ApiError, Item
from failreason._sandbox_pages import encode_cursor
from failreason._sandbox_state import SandboxState

START = 1_776_852_536.0  # 2026-04-22T10:08:56Z
NO_SUCH_ID = "0f0f0f0f-0000-4000-8000-000000000000"  # well formed, and nobody's


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at a fixed moment."""
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> SandboxState:
    """An empty sandbox state on the fake clock, with reproducible ids."""
    return SandboxState(clock, expiry_seconds=3600, seed=1)


def started(state: SandboxState, n_items: int = 3) -> tuple[str, list[str]]:
    job = state.create_job(n_items, start=True)
    return job.id, [item.accounting_entry_id for item in state.items(job.id)]


def success(entry_id: str, **extra: Any) -> dict[str, Any]:
    return {"accountingEntryId": entry_id, "status": "successful", **extra}


def failure(entry_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "accountingEntryId": entry_id,
        "status": "failed",
        "failureReasonType": "invalid_configuration",
        "failureReason": "Tax Code S25 does not exist in the Accounting System",
        **extra,
    }


def finish_items(state: SandboxState, job_id: str, updates: list[dict[str, Any]]) -> None:
    assert state.update_items(job_id, updates).errors == ()


def raises_api(status: int, type_: str) -> Any:
    return pytest.raises(ApiError, match=f"^{status} {type_}: ")


# -- jobs ------------------------------------------------------------------------------------


def test_created_job_is_pending_with_pending_items(state: SandboxState) -> None:
    """A new job waits for its started event, and so do its items."""
    job = state.create_job(2)
    assert (job.status, job.number_of_items) == ("pending", 2)
    assert [item.status for item in state.items(job.id)] == ["pending", "pending"]


def test_job_created_with_given_entry_ids_keeps_their_order(state: SandboxState) -> None:
    """Entry ids passed in become the items, in that order."""
    job = state.create_job(["b", "a"])
    assert [item.accounting_entry_id for item in state.items(job.id)] == ["b", "a"]


def test_duplicate_entry_ids_are_refused(state: SandboxState) -> None:
    """A job cannot hold the same entry twice."""
    with raises_api(400, "BAD_REQUEST"):
        state.create_job(["a", "a"])


def test_ids_are_reproducible_with_a_seed(clock: FakeClock) -> None:
    """The same seed gives the same job and entry ids."""
    first, second = SandboxState(clock, seed=5), SandboxState(clock, seed=5)
    assert started(first) == started(second)


def test_unknown_job_is_export_not_found(state: SandboxState) -> None:
    """Reading a job that does not exist is 404 EXPORT_NOT_FOUND."""
    with raises_api(404, "EXPORT_NOT_FOUND"):
        state.job("no-such-job")


def test_job_json_has_pleos_fields(state: SandboxState) -> None:
    """The ExportJob carries exactly Pleo's fields, times in UTC with a Z."""
    job_id, _ = started(state)
    body = state.job_json(job_id)
    assert sorted(body) == sorted(
        [
            "id",
            "companyId",
            "createdAt",
            "createdBy",
            "status",
            "isInteractive",
            "vendorBasedBookkeeping",
            "numberOfItems",
            "startedAt",
            "completedAt",
            "lastUpdatedAt",
            "expiresIn",
            "expiredAt",
            "failureReason",
        ]
    )
    assert (body["isInteractive"], body["vendorBasedBookkeeping"]) == (True, False)
    assert body["lastUpdatedAt"] == "2026-04-22T10:08:56.000Z"
    assert body["expiresIn"] == 3600
    assert response_problems("GET", f"/v3/export-jobs/{job_id}", 200, {"data": body}) == []


# -- item updates ----------------------------------------------------------------------------


def test_successful_update_is_stored_and_returned(state: SandboxState) -> None:
    """An accepted update lands on the item and comes back in data."""
    job_id, ids = started(state)
    update = success(
        ids[0],
        exportedAt="2026-04-22T10:08:56Z",
        externalId="JE-10452",
        externalUrl="https://erp.example.com/journal/JE-10452",
    )
    result = state.update_items(job_id, [update])
    assert result.errors == ()
    assert result.data == (state.items(job_id)[0],)
    assert result.data[0].to_json() == {**update, "exportJobId": job_id, "failureReason": None}


def test_failed_update_keeps_type_and_reason(state: SandboxState) -> None:
    """A failed item stores its failureReasonType and failureReason."""
    job_id, ids = started(state)
    state.update_items(job_id, [failure(ids[1])])
    item = state.items(job_id)[1]
    assert (item.status, item.failure_reason_type) == ("failed", "invalid_configuration")


def test_unknown_entry_is_a_per_item_error(state: SandboxState) -> None:
    """An id that is not an item of the job is rejected alone, with Pleo's type."""
    job_id, ids = started(state)
    result = state.update_items(job_id, [success(NO_SUCH_ID), success(ids[0])])
    assert [e.type for e in result.errors] == ["ACCOUNTING_ENTRY_DOES_NOT_EXIST"]
    assert result.errors[0].accounting_entry_id == NO_SUCH_ID
    assert [item.accounting_entry_id for item in result.data] == [ids[0]]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": "pending"}, id="status-pending"),
        pytest.param({"status": "in_progress"}, id="status-in-progress"),
        pytest.param({"status": "abandoned"}, id="status-abandoned"),
        pytest.param({"status": "failed", "failureReason": "x"}, id="failed-without-type"),
        pytest.param({"status": "failed"}, id="failed-without-anything"),
        pytest.param(
            {"status": "successful", "exportedAt": "2026-04-22T10:08:56.123Z"}, id="millis"
        ),
        pytest.param({"status": "successful", "exportedAt": "2026-04-22T12:08:56+02:00"}, id="tz"),
        pytest.param({"status": "successful", "externalUrl": "JE-10452"}, id="plain-url"),
        pytest.param({"status": "successful", "memo": "x"}, id="unknown-field"),
        pytest.param(
            {"status": "successful", "failureReasonType": "vendor_unknown"}, id="type-on-success"
        ),
    ],
)
def test_updates_the_spec_allows_are_accepted(state: SandboxState, fields: dict[str, Any]) -> None:
    """Any of the five statuses, RFC 3339 times, a plain externalUrl, extra fields: all fine."""
    job_id, ids = started(state)
    result = state.update_items(job_id, [{"accountingEntryId": ids[0], **fields}])
    assert result.errors == ()
    assert state.items(job_id)[0].status == fields["status"]
    assert state.warnings == []  # stricter checks are off unless asked for


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        pytest.param({}, "'status' is missing", id="status-missing"),
        pytest.param({"status": None}, "status: null where", id="status-null"),
        pytest.param({"status": "done"}, 'status: "done" is not one of', id="status-unknown"),
        pytest.param(
            {"status": "failed", "failureReasonType": "job_expired", "failureReason": "x"},
            'failureReasonType: "job_expired" is not one of',
            id="job-level-type",
        ),
        pytest.param(
            {"status": "successful", "exportedAt": "2026-02-30T10:08:56Z"},
            "is not a valid date-time",
            id="no-such-day",
        ),
        pytest.param(
            {"status": "successful", "externalId": 10452},
            "externalId: 10452 where the contract allows string",
            id="number-not-string",
        ),
        pytest.param(
            {"status": "successful", "externalUrl": None}, "externalUrl: null", id="null-url"
        ),
    ],
)
def test_updates_breaking_the_contract_are_400(
    state: SandboxState, fields: dict[str, Any], words: str
) -> None:
    """A body outside Pleo's contract is refused whole, naming the field; nothing changes."""
    job_id, ids = started(state)
    with pytest.raises(ApiError, match="does not follow Pleo's contract") as caught:
        state.update_items(job_id, [success(ids[1]), {"accountingEntryId": ids[0], **fields}])
    assert (caught.value.status, caught.value.type) == (400, "BAD_REQUEST")
    assert "body[1]" in caught.value.message
    assert words in caught.value.message
    assert [item.status for item in state.items(job_id)][:2] == ["in_progress", "in_progress"]


def test_stricter_checks_are_warnings_when_asked(clock: FakeClock) -> None:
    """With warnings on, what a stricter Pleo might refuse is reported, and still accepted."""
    state = SandboxState(clock, seed=1, warnings=True)
    job_id, ids = started(state)
    updates = [
        {"accountingEntryId": ids[0], "status": "failed", "failure_reason": "x"},
        success(ids[1], exportedAt="2026-04-22T10:08:56.5Z", externalUrl="/journal/1"),
    ]
    assert state.update_items(job_id, updates).errors == ()
    text = "\n".join(state.warnings)
    assert "unknown field 'failure_reason'; did you mean 'failureReason'?" in text
    assert "a failed item without failureReasonType and failureReason" in text
    assert "is not UTC YYYY-MM-DDTHH:MM:SSZ" in text
    assert "'/journal/1' is not an http(s) URL" in text
    assert len(state.warnings) == 4


def test_every_problem_of_an_item_is_listed(state: SandboxState) -> None:
    """An update with several problems is refused with each of them named."""
    job_id, ids = started(state)
    update = {
        "accountingEntryId": ids[0],
        "status": "failed",
        "failureReasonType": "tax_code_missing",
        "exportedAt": "yesterday",
    }
    with pytest.raises(ApiError) as caught:
        state.update_items(job_id, [update])
    assert "body[0].exportedAt" in caught.value.message
    assert "body[0].failureReasonType" in caught.value.message


def test_an_unknown_type_is_answered_with_the_allowed_ones(state: SandboxState) -> None:
    """A misspelt failureReasonType comes back with the list to choose from."""
    job_id, ids = started(state)
    with pytest.raises(ApiError, match="vendor_unknown, account_unknown"):
        state.update_items(job_id, [failure(ids[0], failureReasonType="vendor_unknwn")])


@pytest.mark.parametrize("failure_type", ITEM_FAILURE_TYPES)
def test_every_item_level_type_is_accepted(state: SandboxState, failure_type: str) -> None:
    """Each of Pleo's 18 item-level types is a valid failureReasonType."""
    job_id, ids = started(state, 1)
    result = state.update_items(job_id, [failure(ids[0], failureReasonType=failure_type)])
    assert result.errors == ()


def test_more_than_100_items_is_413_and_counted(state: SandboxState) -> None:
    """An update of 101 items is refused whole and counted."""
    job_id, ids = started(state, 101)
    with raises_api(413, "EXPORT_JOB_ITEMS_UPDATE_LIMIT"):
        state.update_items(job_id, [success(i) for i in ids])
    assert state.oversized_puts == 1
    assert all(item.status == "in_progress" for item in state.items(job_id))


def test_exactly_100_items_is_accepted(state: SandboxState) -> None:
    """100 items is the largest update, and it is fine."""
    job_id, ids = started(state, 100)
    assert len(state.update_items(job_id, [success(i) for i in ids]).data) == 100


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"items": []}, id="object"),
        pytest.param("[]", id="string"),
        pytest.param([["a"]], id="array-of-arrays"),
        pytest.param([{"status": "successful"}], id="no-entry-id"),
        pytest.param([{"accountingEntryId": 7, "status": "successful"}], id="number-entry-id"),
    ],
)
def test_malformed_update_body_is_400(state: SandboxState, body: object) -> None:
    """A body that is not an array of objects with entry ids is refused whole."""
    job_id, _ = started(state)
    with raises_api(400, "BAD_REQUEST"):
        state.update_items(job_id, body)


def test_update_of_unknown_job_is_404(state: SandboxState) -> None:
    """Updating items of a job that does not exist is 404."""
    with raises_api(404, "EXPORT_NOT_FOUND"):
        state.update_items(NO_SUCH_ID, [success(NO_SUCH_ID)])


def test_update_of_pending_job_is_422(state: SandboxState) -> None:
    """Items cannot change before the job is started."""
    job = state.create_job(1)
    entry = state.items(job.id)[0].accounting_entry_id
    with pytest.raises(ApiError, match="send the started event") as caught:
        state.update_items(job.id, [success(entry)])
    assert (caught.value.status, caught.value.type) == (422, "EXPORT_JOB_STATUS_UNPROCESSABLE")


def test_update_of_finished_job_is_422(state: SandboxState) -> None:
    """Items cannot change once the job is completed."""
    job_id, ids = started(state, 1)
    finish_items(state, job_id, [success(ids[0])])
    state.post_event({"event": "completed", "jobId": job_id})
    with raises_api(422, "EXPORT_JOB_STATUS_UNPROCESSABLE"):
        state.update_items(job_id, [success(ids[0])])


def test_same_final_status_again_is_accepted_and_counted(state: SandboxState) -> None:
    """Re-sending an item's final status is idempotent, and counted as a duplicate."""
    job_id, ids = started(state)
    state.update_items(job_id, [success(ids[0], externalId="JE-1")])
    result = state.update_items(job_id, [success(ids[0], externalId="JE-2")])
    assert result.errors == ()
    assert result.data[0].external_id == "JE-1"
    assert state.duplicate_item_updates == 1


def test_changing_a_final_status_is_a_per_item_error(state: SandboxState) -> None:
    """A successful item cannot become failed, nor pending again: Pleo's own error type."""
    job_id, ids = started(state)
    state.update_items(job_id, [success(ids[0])])
    result = state.update_items(job_id, [failure(ids[0]), {**success(ids[0]), "status": "pending"}])
    assert [e.type for e in result.errors] == ["EXPORT_ENTRY_STATUS_UPDATE_FAILED"] * 2
    assert "already successful; it cannot become failed" in result.errors[0].message
    assert state.items(job_id)[0].status == "successful"


def test_legacy_item_errors_answer_the_old_type(clock: FakeClock) -> None:
    """With legacy_item_errors, a second final status gets EXPORT_ITEM_ALREADY_FINAL."""
    state = SandboxState(clock, seed=1, legacy_item_errors=True)
    job_id, ids = started(state)
    state.update_items(job_id, [success(ids[0])])
    result = state.update_items(job_id, [failure(ids[0])])
    assert [e.type for e in result.errors] == ["EXPORT_ITEM_ALREADY_FINAL"]


def test_per_item_errors_are_only_pleos_three_types(state: SandboxState) -> None:
    """Every per-item error the sandbox gives is one of the contract's types."""
    job_id, ids = started(state)
    state.update_items(job_id, [success(ids[0])])
    result = state.update_items(job_id, [failure(ids[0]), success(NO_SUCH_ID)])
    body = {"data": [], "errors": [e.to_json() for e in result.errors]}
    assert len(result.errors) == 2
    assert response_problems("PUT", f"/v3/export-jobs/{job_id}/items", 200, body) == []


def test_update_refreshes_last_updated_at(state: SandboxState, clock: FakeClock) -> None:
    """Every item update moves the job's lastUpdatedAt to now."""
    job_id, ids = started(state)
    clock.advance(60)
    state.update_items(job_id, [success(ids[0])])
    assert state.job(job_id).last_updated_at == clock.now


# -- events ----------------------------------------------------------------------------------


def test_started_moves_job_and_items_to_in_progress(state: SandboxState) -> None:
    """The started event opens a pending job and its items."""
    job = state.create_job(2)
    state.post_event({"event": "started", "jobId": job.id})
    assert state.job(job.id).status == "in_progress"
    assert {item.status for item in state.items(job.id)} == {"in_progress"}


@pytest.mark.parametrize(
    ("outcomes", "event"),
    [
        pytest.param(["successful", "successful"], "completed", id="completed"),
        pytest.param(["successful", "failed"], "completed_with_errors", id="with-errors"),
        pytest.param(["failed", "failed"], "failed", id="failed"),
    ],
)
def test_final_event_matching_the_items_finishes_the_job(
    state: SandboxState, outcomes: list[str], event: str
) -> None:
    """The event that matches the items' outcomes is accepted and recorded."""
    job_id, ids = started(state, 2)
    make = {"successful": success, "failed": failure}
    finish_items(state, job_id, [make[o](i) for o, i in zip(outcomes, ids, strict=True)])
    body = {"event": event, "jobId": job_id}
    if event == "failed":
        body |= {"failureReason": "All failed", "failureReasonType": "invalid_configuration"}
    state.post_event(body)
    assert state.job(job_id).status == event
    assert [e.event for e in state.events(job_id)] == [event]


@pytest.mark.parametrize(
    ("outcomes", "body", "why"),
    [
        pytest.param(["successful", None], {"event": "completed"}, "no final status", id="open"),
        pytest.param(
            ["successful", "failed"], {"event": "completed"}, "send completed_with_errors", id="c"
        ),
        pytest.param(
            ["successful", "successful"],
            {"event": "completed_with_errors"},
            "send completed",
            id="e",
        ),
        pytest.param([None, None], {"event": "started"}, "needs a pending job", id="started-twice"),
    ],
)
def test_illegal_event_is_422_with_the_reason(
    state: SandboxState, outcomes: list[str | None], body: dict[str, Any], why: str
) -> None:
    """An event the job's status or items do not allow is refused, saying why."""
    job_id, ids = started(state, 2)
    make = {"successful": success, "failed": failure}
    updates = [make[o](i) for o, i in zip(outcomes, ids, strict=True) if o is not None]
    finish_items(state, job_id, updates)
    with pytest.raises(ApiError, match=why) as caught:
        state.post_event({**body, "jobId": job_id})
    assert (caught.value.status, caught.value.type) == (422, "INVALID_EXPORT_JOB_STATUS_CHANGE")
    assert state.events(job_id) == ()


def test_finishing_a_pending_job_is_422(state: SandboxState) -> None:
    """A job must be started before it can be completed."""
    job = state.create_job(0)
    with pytest.raises(ApiError, match="send the started event first"):
        state.post_event({"event": "completed", "jobId": job.id})


def test_completing_twice_is_422(state: SandboxState) -> None:
    """A job takes exactly one final event."""
    job_id, ids = started(state, 1)
    finish_items(state, job_id, [success(ids[0])])
    state.post_event({"event": "completed", "jobId": job_id})
    with pytest.raises(ApiError, match="already completed"):
        state.post_event({"event": "completed", "jobId": job_id})


def test_seeds_default_job_type_is_refused_by_default(state: SandboxState) -> None:
    """Pleo's job-event enum lacks the seed's accounting_system_validation_failure: 400."""
    job_id, ids = started(state, 1)
    finish_items(state, job_id, [failure(ids[0])])
    body = {"failureReason": "x", "failureReasonType": "accounting_system_validation_failure"}
    with pytest.raises(ApiError, match="failureReasonType") as caught:
        state.post_event({"event": "failed", "jobId": job_id, **body})
    assert (caught.value.status, caught.value.type) == (400, "BAD_REQUEST")
    assert "validation_failure" in caught.value.message
    assert state.job(job_id).status == "in_progress"


def test_seeds_default_job_type_is_accepted_when_asked(clock: FakeClock) -> None:
    """With accept_seed_job_type, the seed's value is taken as it is, and only that one."""
    state = SandboxState(clock, seed=1, accept_seed_job_type=True)
    job_id, ids = started(state, 1)
    finish_items(state, job_id, [failure(ids[0])])
    body = {"failureReason": "x", "failureReasonType": "accounting_system_validation_failure"}
    state.post_event({"event": "failed", "jobId": job_id, **body})
    assert state.job(job_id).failure_reason_type == "accounting_system_validation_failure"
    other = state.create_job(0, start=True)
    with pytest.raises(ApiError, match="failureReasonType"):
        state.post_event({"event": "failed", "jobId": other.id, "failureReasonType": "nope"})


@pytest.mark.parametrize("job_status", ["pending", "in_progress"])
def test_an_early_failed_event_is_accepted(state: SandboxState, job_status: str) -> None:
    """failed before every item is final, as Pleo allows: the rest become abandoned."""
    job = state.create_job(3, start=job_status == "in_progress")
    ids = [item.accounting_entry_id for item in state.items(job.id)]
    if job_status == "in_progress":
        finish_items(state, job.id, [success(ids[0])])
    body = {"failureReasonType": "accounting_system_unreachable", "failureReason": "No answer"}
    state.post_event({"event": "failed", "jobId": job.id, **body})
    done = state.job(job.id)
    assert (done.status, done.failure_reason_type) == ("failed", "accounting_system_unreachable")
    statuses = [item.status for item in state.items(job.id)]
    first = "successful" if job_status == "in_progress" else "abandoned"
    assert statuses == [first, "abandoned", "abandoned"]


@pytest.mark.parametrize(
    ("outcomes", "body"),
    [
        pytest.param(["failed", "failed"], {"event": "completed_with_errors"}, id="all-failed"),
        pytest.param(
            ["successful", "successful"],
            {"event": "failed", "failureReason": "x", "failureReasonType": "validation_failure"},
            id="failed-all-successful",
        ),
        pytest.param(
            ["failed", "failed"],
            {"event": "failed", "failureReasonType": "validation_failure"},
            id="failed-no-reason",
        ),
        pytest.param(
            ["successful", "successful"],
            {"event": "completed", "failureReason": "x"},
            id="reason-on-completed",
        ),
    ],
)
def test_events_the_spec_allows_are_accepted(
    clock: FakeClock, outcomes: list[str], body: dict[str, Any]
) -> None:
    """What only a stricter Pleo would refuse is accepted, and a warning when asked for."""
    state = SandboxState(clock, seed=1, warnings=True)
    job_id, ids = started(state, 2)
    make = {"successful": success, "failed": failure}
    finish_items(state, job_id, [make[o](i) for o, i in zip(outcomes, ids, strict=True)])
    state.warnings.clear()
    state.post_event({**body, "jobId": job_id})
    assert state.job(job_id).status == body["event"]
    assert bool(state.warnings) == (body["event"] != "completed_with_errors")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(["started"], "where the contract allows object", id="array"),
        pytest.param({"event": "started", "exportJobId": "j"}, "not exportJobId", id="key"),
        pytest.param(
            {"event": "finished", "jobId": NO_SUCH_ID}, 'event: "finished" is not one', id="event"
        ),
        pytest.param({"event": "started"}, "'jobId' is missing", id="no-job"),
        pytest.param({"event": "started", "jobId": 7}, "jobId: 7 where", id="number"),
        pytest.param(
            {"event": "failed", "jobId": NO_SUCH_ID, "failureReasonType": "tax_code_unknown"},
            "failureReasonType",
            id="item-type",
        ),
    ],
)
def test_malformed_event_is_400(state: SandboxState, body: object, why: str) -> None:
    """An event body of the wrong shape is refused before any job is looked at."""
    with pytest.raises(ApiError, match=why) as caught:
        state.post_event(body)
    assert caught.value.status == 400


def test_event_for_unknown_job_is_404(state: SandboxState) -> None:
    """An event naming a job that does not exist is 404."""
    with raises_api(404, "EXPORT_NOT_FOUND"):
        state.post_event({"event": "started", "jobId": NO_SUCH_ID})


# -- pagination ------------------------------------------------------------------------------


def test_offset_pages_cover_250_items(state: SandboxState) -> None:
    """Offset pages of the default size 100 give every item once, in order."""
    job_id, ids = started(state, 250)
    seen, flags = [], []
    for offset in (0, 100, 200):
        page = state.list_items(job_id, {"offset": [str(offset)]})
        seen += [item.accounting_entry_id for item in page.items]
        flags.append((page.has_previous_page, page.has_next_page, page.total))
    assert seen == ids
    assert flags == [(False, True, 250), (True, True, 250), (True, False, 250)]


def test_cursor_pages_cover_250_items(state: SandboxState) -> None:
    """Following endCursor with after gives every item once, then stops."""
    job_id, ids = started(state, 250)
    seen: list[str] = []
    query: dict[str, list[str]] = {"limit": ["100"]}
    while True:
        body = state.list_items(job_id, query).to_json(Item.to_json)
        seen += [item["accountingEntryId"] for item in body["data"]]
        if not body["pagination"]["hasNextPage"]:
            break
        query = {"limit": ["100"], "after": [body["pagination"]["endCursor"]]}
    assert seen == ids


def test_before_cursor_pages_backwards(state: SandboxState) -> None:
    """before gives the items just ahead of the cursor."""
    job_id, ids = started(state, 10)
    page = state.list_items(job_id, {"limit": ["3"], "before": [encode_cursor(5)]})
    assert [item.accounting_entry_id for item in page.items] == ids[2:5]
    assert (page.has_previous_page, page.has_next_page) == (True, True)


def test_status_filter_narrows_items_and_total(state: SandboxState) -> None:
    """status= keeps only items of those statuses, and total counts them."""
    job_id, ids = started(state, 5)
    state.update_items(job_id, [failure(ids[1]), failure(ids[3])])
    page = state.list_items(job_id, {"status": ["failed"]})
    assert [item.accounting_entry_id for item in page.items] == [ids[1], ids[3]]
    assert page.total == 2


def test_page_echoes_the_request(state: SandboxState) -> None:
    """currentRequestPagination says which page was asked for."""
    job_id, _ = started(state, 5)
    page = state.list_items(job_id, {"limit": ["2"], "offset": ["2"]})
    pagination = page.to_json(Item.to_json)["pagination"]
    assert pagination["currentRequestPagination"] == {
        "parameters": {"limit": ["2"], "offset": ["2"]},
        "limit": 2,
        "offset": 2,
    }
    assert set(pagination) == {
        "currentRequestPagination",
        "hasNextPage",
        "hasPreviousPage",
        "total",
        "startCursor",
        "endCursor",
    }
    assert all(re.fullmatch(r"[A-Z2-7=~]+", pagination[k]) for k in ("startCursor", "endCursor"))


def test_an_empty_page_leaves_the_cursors_out(state: SandboxState) -> None:
    """No rows, no cursors: absent, not null."""
    job_id, _ = started(state, 3)
    pagination = state.list_items(job_id, {"status": ["failed"]}).to_json(Item.to_json)
    assert "startCursor" not in pagination["pagination"]
    assert None not in pagination["pagination"].values()


def test_limit_zero_and_limits_over_100_are_served(state: SandboxState) -> None:
    """The contract's limit has a minimum of 0 and no maximum."""
    job_id, _ = started(state, 150)
    empty = state.list_items(job_id, {"limit": ["0"]})
    assert (empty.items, empty.total, empty.has_next_page) == ((), 150, True)
    assert len(state.list_items(job_id, {"limit": ["120"]}).items) == 120


def test_sorting_keys_and_order(state: SandboxState) -> None:
    """sorting_keys with sorting_order sorts the items; cursors then walk the sorted list."""
    job_id, ids = started(state, 4)
    finish_items(state, job_id, [failure(ids[1]), success(ids[3])])
    query = {"sorting_keys": ["status"], "sorting_order": ["DESC"], "limit": ["2"]}
    page = state.list_items(job_id, query)
    assert [item.status for item in page.items] == ["successful", "in_progress"]
    after = page.to_json(Item.to_json)["pagination"]["endCursor"]
    rest = state.list_items(job_id, {**query, "after": [after]})
    assert [item.status for item in rest.items] == ["in_progress", "failed"]


def test_unknown_query_parameters_are_ignored_with_a_warning(clock: FakeClock) -> None:
    """Pleo ignores what it does not know; the sandbox says so when warnings are on."""
    state = SandboxState(clock, seed=1, warnings=True)
    job_id, _ = started(state, 2)
    assert len(state.list_items(job_id, {"pageSize": ["1"]}).items) == 2
    (warning,) = state.warnings
    assert warning.startswith("unknown query parameter 'pageSize' was ignored; expected one of")


@pytest.mark.parametrize(
    ("query", "why"),
    [
        pytest.param({"limit": ["ten"]}, "whole number", id="limit-text"),
        pytest.param({"offset": ["-1"]}, "at least 0", id="offset-negative"),
        pytest.param({"offset": ["0"], "after": [encode_cursor(1)]}, "not both", id="offset-after"),
        pytest.param(
            {"after": [encode_cursor(1)], "before": [encode_cursor(5)]}, "not both", id="both"
        ),
        pytest.param({"after": ["garbage!"]}, "not a cursor", id="bad-cursor"),
        pytest.param({"sorting_keys": ["colour"]}, "cannot sort by 'colour'", id="sort-key"),
        pytest.param(
            {"sorting_keys": ["status"], "sorting_order": ["UP"]}, "not one of ASC", id="order"
        ),
        pytest.param(
            {"sorting_keys": ["status"], "sorting_order": ["ASC", "DESC"]}, "one", id="orders"
        ),
        pytest.param({"status": ["done"]}, "unknown status", id="unknown-status"),
        pytest.param({"limit": ["1", "2"]}, "given 2 times", id="repeated"),
    ],
)
def test_bad_page_query_is_400(state: SandboxState, query: dict[str, list[str]], why: str) -> None:
    """A page query outside the contract is refused, saying what is wrong."""
    job_id, _ = started(state)
    with pytest.raises(ApiError, match=why) as caught:
        state.list_items(job_id, query)
    assert caught.value.status == 400


# -- expiry ----------------------------------------------------------------------------------


def test_job_counts_down_to_expiry(state: SandboxState, clock: FakeClock) -> None:
    """expiresIn is the seconds left since the last update."""
    job_id, _ = started(state)
    clock.advance(3599)
    assert state.job_json(job_id)["expiresIn"] == 1
    assert state.job(job_id).status == "in_progress"


def test_job_expires_an_hour_after_its_last_update(state: SandboxState, clock: FakeClock) -> None:
    """An idle job fails with job_expired, and its unfinished items are abandoned."""
    job_id, ids = started(state)
    state.update_items(job_id, [success(ids[0])])
    clock.advance(3600)
    job = state.job_json(job_id)
    assert (job["status"], job["failureReasonType"]) == ("failed", "job_expired")
    assert job["expiredAt"] == "2026-04-22T11:08:56.000Z"
    assert job["expiresIn"] == 0  # an integer, never null
    statuses = [item.status for item in state.items(job_id)]
    assert statuses == ["successful", "abandoned", "abandoned"]


def test_updates_push_expiry_back(state: SandboxState, clock: FakeClock) -> None:
    """A job that keeps reporting does not expire."""
    job_id, ids = started(state)
    for entry in ids:
        clock.advance(3000)
        state.update_items(job_id, [success(entry)])
    assert state.job(job_id).status == "in_progress"


def test_expired_job_refuses_updates(state: SandboxState, clock: FakeClock) -> None:
    """Items of an expired job can no longer change."""
    job_id, ids = started(state)
    clock.advance(3600)
    with pytest.raises(ApiError, match="expired") as caught:
        state.update_items(job_id, [success(ids[0])])
    assert (caught.value.status, caught.value.type) == (422, "EXPORT_JOB_STATUS_UNPROCESSABLE")


def test_expired_job_refuses_events(state: SandboxState, clock: FakeClock) -> None:
    """An expired job cannot be completed."""
    job_id, _ = started(state, 0)
    clock.advance(7200)
    with pytest.raises(ApiError, match="expired") as caught:
        state.post_event({"event": "completed", "jobId": job_id})
    assert caught.value.type == "INVALID_EXPORT_JOB_STATUS_CHANGE"


def test_finished_job_never_expires(state: SandboxState, clock: FakeClock) -> None:
    """A completed job keeps its outcome however long it sits."""
    job_id, ids = started(state, 1)
    finish_items(state, job_id, [success(ids[0])])
    state.post_event({"event": "completed", "jobId": job_id})
    clock.advance(10 * 3600)
    assert state.job(job_id).status == "completed"
