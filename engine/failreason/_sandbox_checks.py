"""The checks the sandbox makes on item updates and job events."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from failreason._sandbox_model import (
    EVENTS,
    Event,
    Item,
    Job,
    _bad,
    _did_you_mean,
    _iso,
)
from failreason._vocabulary import FINAL_ITEM_STATUSES, ITEM_FAILURE_TYPES, JOB_FAILURE_TYPES

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
_EXPORTED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def item_problems(update: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(type, message)`` wrong with one item update, in a stable order."""
    problems: list[tuple[str, str]] = []
    for key, value in update.items():
        if key not in _ITEM_KEYS:
            hint = _did_you_mean(key, _ITEM_KEYS)
            problems.append(("INVALID_EXPORT_ITEM_FIELD", f"unknown field {key!r}{hint}"))
        elif value is not None and not isinstance(value, str):
            kind = _json_kind(value)
            problems.append(("INVALID_EXPORT_ITEM_FIELD", f"{key} must be a string, got {kind}"))
    if problems:
        return problems
    status = update.get("status")
    if status not in FINAL_ITEM_STATUSES:
        problems.append(
            ("INVALID_EXPORT_ITEM_STATUS", f"status must be successful or failed, got {status!r}")
        )
    reason, reason_type = update.get("failureReason"), update.get("failureReasonType")
    if status == "failed" and not (reason and reason.strip() and reason_type):
        problems.append(
            ("MISSING_FAILURE_REASON", "a failed item needs failureReasonType and failureReason")
        )
    if status == "successful" and (reason is not None or reason_type is not None):
        problems.append(
            ("INVALID_EXPORT_ITEM_FIELD", "failureReason/failureReasonType are for failed items")
        )
    if reason_type is not None and reason_type not in ITEM_FAILURE_TYPES:
        hint = _did_you_mean(reason_type, ITEM_FAILURE_TYPES)
        problems.append(
            ("INVALID_FAILURE_REASON_TYPE", f"unknown item failureReasonType {reason_type!r}{hint}")
        )
    exported_at = update.get("exportedAt")
    if exported_at is not None and not _valid_exported_at(exported_at):
        problems.append(
            (
                "INVALID_EXPORTED_AT",
                f"exportedAt must be UTC YYYY-MM-DDTHH:MM:SSZ, got {exported_at!r}",
            )
        )
    url = update.get("externalUrl")
    if url is not None and not re.match(r"https?://[^\s/]+", url):
        problems.append(("INVALID_EXPORT_ITEM_FIELD", f"externalUrl must be http(s), got {url!r}"))
    return problems


def _valid_exported_at(text: str) -> bool:
    if not _EXPORTED_AT.fullmatch(text):
        return False
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")  # only checks the calendar
    except ValueError:
        return False
    return True


def transition_problem(job: Job, items: Iterable[Item], event: Event) -> str | None:
    """Why ``event`` may not happen to ``job`` now, or None when it may."""
    if job.expired_at is not None:
        return f"the job expired at {_iso(job.expired_at)}; it can no longer change"
    if job.finished:
        return f"the job is already {job.status}; a job takes exactly one final event"
    needed = "pending" if event.event == "started" else "in_progress"
    if job.status != needed:
        hint = "; send the started event first" if job.status == "pending" else ""
        return f"{event.event} needs a {needed} job, this one is {job.status}{hint}"
    if event.event != "failed" and (event.failure_reason or event.failure_reason_type):
        return "failureReason and failureReasonType belong only to the failed event"
    if event.event == "started":
        return None
    statuses = [item.status for item in items]
    open_items = [s for s in statuses if s not in FINAL_ITEM_STATUSES]
    if open_items:
        return (
            f"{len(open_items)} of {len(statuses)} items have no final status yet; "
            "update every item before finishing the job"
        )
    return _outcome_problem(event, statuses.count("failed"), statuses.count("successful"))


def _outcome_problem(event: Event, failed: int, successful: int) -> str | None:
    right = "completed" if not failed else "failed" if not successful else "completed_with_errors"
    if event.event != right and not (event.event == "failed" and not successful):
        return (
            f"{event.event} does not match the items ({successful} successful, {failed} failed); "
            f"send {right}"
        )
    if event.event == "failed":
        if not (event.failure_reason and event.failure_reason.strip()):
            return "the failed event needs a failureReason"
        if event.failure_reason_type not in JOB_FAILURE_TYPES:
            hint = _did_you_mean(str(event.failure_reason_type), JOB_FAILURE_TYPES)
            return f"failureReasonType {event.failure_reason_type!r} is not a job-level type{hint}"
    return None


def parse_event(body: object, now: float) -> Event:
    """Check the body of ``POST /v3/export-job-events``; raise ``ApiError`` 400 if malformed."""
    if not isinstance(body, dict):
        raise _bad(f"the body must be a JSON object, got {_json_kind(body)}")
    for key, value in body.items():
        if key == "exportJobId":  # some of Pleo's how-to pages say so; the reference does not
            raise _bad("unknown field 'exportJobId'; did you mean 'jobId'? (the reference uses it)")
        if key not in _EVENT_KEYS:
            raise _bad(f"unknown field {key!r}{_did_you_mean(key, _EVENT_KEYS)}")
        if value is not None and not isinstance(value, str):
            raise _bad(f"{key} must be a string, got {_json_kind(value)}")
    name, job_id = body.get("event"), body.get("jobId")
    if name not in EVENTS:
        raise _bad(f"event must be one of {', '.join(EVENTS)}, got {name!r}")
    if not job_id:
        raise _bad("jobId is required")
    return Event(job_id, name, now, body.get("failureReason"), body.get("failureReasonType"))


def _json_kind(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
