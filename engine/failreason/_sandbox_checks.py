"""The checks the sandbox makes on item updates and job events: Pleo's, then optional ones.

A body that breaks the published contract (a missing required field, a value outside an
enum, a wrong type or null) is refused as a whole with 400, as a strict deserialiser would.
Checks that go beyond the spec (an unknown field, a failed item without its reason, an
``exportedAt`` not in the seed's ``YYYY-MM-DDTHH:MM:SSZ``) are warnings only: the sandbox
reports them in ``GET /sandbox/log`` when asked to, and never refuses for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from failreason._contract import body_problems
from failreason._sandbox_model import (
    OPEN_ITEM_STATUSES,
    ApiError,
    Event,
    Item,
    Job,
    _bad,
    _did_you_mean,
    _iso,
)

SEED_JOB_TYPE = "accounting_system_validation_failure"  # the seed's default, not in Pleo's enum
_ITEM_KEYS = (
    "accountingEntryId",
    "status",
    "exportedAt",
    "externalId",
    "externalUrl",
    "failureReason",
    "failureReasonType",
)
_EVENT_KEYS = ("event", "jobId", "failureReason", "failureReasonType")
_SEED_EXPORTED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def refuse_unless_valid(operation_id: str, body: object, hint: str = "") -> None:
    """400 naming every way ``body`` breaks the contract of ``operation_id``."""
    problems = body_problems(operation_id, body)
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise _bad(f"the body does not follow Pleo's contract: {shown}{hint}")


def item_warnings(update: Mapping[str, Any]) -> list[str]:
    """What a stricter Pleo might refuse in one item update (the spec does not)."""
    warnings = [
        f"unknown field {key!r}{_did_you_mean(key, _ITEM_KEYS)}"
        for key in update
        if key not in _ITEM_KEYS
    ]
    status = update.get("status")
    reason, reason_type = update.get("failureReason"), update.get("failureReasonType")
    if status == "failed" and not (reason and reason.strip() and reason_type):
        warnings.append("a failed item without failureReasonType and failureReason")
    if status != "failed" and (reason is not None or reason_type is not None):
        warnings.append(f"failureReason/failureReasonType on a {status} item")
    exported_at = update.get("exportedAt")
    if exported_at is not None and not _SEED_EXPORTED_AT.fullmatch(exported_at):
        warnings.append(f"exportedAt {exported_at!r} is not UTC YYYY-MM-DDTHH:MM:SSZ")
    url = update.get("externalUrl")
    if url is not None and not re.match(r"https?://[^\s/]+", url):
        warnings.append(f"externalUrl {url!r} is not an http(s) URL")
    return [f"item {update.get('accountingEntryId')!r}: {warning}" for warning in warnings]


def status_change_problem(item: Item, status: str) -> str | None:
    """Why ``item`` may not take ``status`` now, or None (the same final status is a no-op)."""
    if item.status in OPEN_ITEM_STATUSES or item.status == status:
        return None
    return f"the item is already {item.status}; it cannot become {status}"


def parse_event(body: object, now: float, *, accept_seed_job_type: bool) -> Event:
    """The event of ``POST /v3/export-job-events``; ``ApiError`` 400 if it breaks the contract."""
    if isinstance(body, dict) and "jobId" not in body and "exportJobId" in body:
        hint = " (send jobId, not exportJobId: the reference uses jobId)"
    else:
        hint = ""
    checked = body
    if (
        isinstance(body, dict)
        and accept_seed_job_type
        and body.get("failureReasonType") == SEED_JOB_TYPE
    ):
        checked = {k: v for k, v in body.items() if k != "failureReasonType"}
    refuse_unless_valid("createExportJobEventV3", checked, hint)
    assert isinstance(body, dict)  # noqa: S101 - the contract asks for an object
    return Event(
        body["jobId"], body["event"], now, body.get("failureReason"), body.get("failureReasonType")
    )


def event_warnings(body: Mapping[str, Any], items: Iterable[Item]) -> list[str]:
    """What a stricter Pleo might refuse in a job event (the spec does not)."""
    warnings = [
        f"unknown field {key!r}{_did_you_mean(key, _EVENT_KEYS)}"
        for key in body
        if key not in _EVENT_KEYS
    ]
    name = body.get("event")
    reason = body.get("failureReason")
    if name != "failed" and (reason is not None or body.get("failureReasonType") is not None):
        warnings.append(f"failureReason/failureReasonType on a {name} event")
    if name == "failed" and not (reason and reason.strip() and body.get("failureReasonType")):
        warnings.append("a failed event without failureReasonType and failureReason")
    if name == "failed" and all(item.status == "successful" for item in items):
        warnings.append("a failed event for a job whose items are all successful")
    return [f"event: {warning}" for warning in warnings]


def transition_problem(job: Job, items: Iterable[Item], event: Event) -> str | None:
    """Why ``event`` may not happen to ``job`` now (422), or None when it may.

    ``failed`` is allowed at any point before the job is finished, as Pleo allows it for a
    job that cannot be processed at all; the others follow the job's lifecycle.
    """
    if job.expired_at is not None:
        return f"the job expired at {_iso(job.expired_at)}; it can no longer change"
    if job.finished:
        return f"the job is already {job.status}; a job takes exactly one final event"
    if event.event == "failed":
        return None
    needed = "pending" if event.event == "started" else "in_progress"
    if job.status != needed:
        hint = "; send the started event first" if job.status == "pending" else ""
        return f"{event.event} needs a {needed} job, this one is {job.status}{hint}"
    if event.event == "started":
        return None
    statuses = [item.status for item in items]
    open_items = [s for s in statuses if s in OPEN_ITEM_STATUSES]
    if open_items:
        return (
            f"{len(open_items)} of {len(statuses)} items have no final status yet; "
            "update every item before completing the job, or send failed"
        )
    unsuccessful = len(statuses) - statuses.count("successful")
    right = "completed" if not unsuccessful else "completed_with_errors"
    if event.event != right:
        counts = f"{statuses.count('successful')} successful, {unsuccessful} not"
        return f"{event.event} does not match the items ({counts}); send {right}"
    return None


def require_list(body: object) -> list[Any]:
    if not isinstance(body, list):
        raise ApiError(400, "BAD_REQUEST", "the body must be a JSON array of item updates")
    return body
