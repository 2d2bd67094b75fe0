"""The sandbox's records: jobs, items, events, and the errors its API answers with."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from failreason._vocabulary import FINISHED_JOB_STATUSES

Clock = Callable[[], float]  # seconds since the epoch, like time.time

ITEM_STATUSES = ("pending", "in_progress", "failed", "successful", "abandoned")
OPEN_ITEM_STATUSES = ("pending", "in_progress")  # the rest are final: the item is done with
JOB_STATUSES = ("pending", "in_progress", "failed", "completed", "completed_with_errors")
EVENTS = ("started", "completed", "completed_with_errors", "failed")
DEFAULT_EXPIRY_SECONDS = 3600.0


class ApiError(Exception):
    """A request the API refuses as a whole: the HTTP status and Pleo's error body."""

    def __init__(
        self, status: int, type_: str, message: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(f"{status} {type_}: {message}")
        self.status, self.type, self.message = status, type_, message
        self.headers = headers  # e.g. Allow on a 405

    def body(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}


def _bad(message: str) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message)


def _compact(fields: dict[str, Any], *keep_null: str) -> dict[str, Any]:
    """Pleo leaves out absent values, except where its schema allows null."""
    return {k: v for k, v in fields.items() if v is not None or k in keep_null}


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    text = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(choices)}"


@dataclass(frozen=True)
class Item:
    """One export item as Pleo stores it."""

    accounting_entry_id: str
    export_job_id: str
    status: str = "pending"
    exported_at: str | None = None
    external_id: str | None = None
    external_url: str | None = None
    failure_reason: str | None = None
    failure_reason_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Pleo's ExportJobItemV3: ``failureReasonType`` is left out when there is none."""
        fields = {
            "accountingEntryId": self.accounting_entry_id,
            "exportJobId": self.export_job_id,
            "status": self.status,
            "exportedAt": self.exported_at,
            "externalId": self.external_id,
            "externalUrl": self.external_url,
            "failureReason": self.failure_reason,
            "failureReasonType": self.failure_reason_type,
        }
        return _compact(fields, "exportedAt", "externalId", "externalUrl", "failureReason")


@dataclass(frozen=True)
class Job:
    """One export job; times are seconds since the epoch."""

    id: str
    company_id: str
    status: str
    number_of_items: int
    created_at: float
    last_updated_at: float
    expired_at: float | None = None
    failure_reason: str | None = None
    failure_reason_type: str | None = None
    is_interactive: bool = True  # Pleo's default for a job made over the API
    vendor_based_bookkeeping: bool = False
    created_by: str | None = None
    started_at: float | None = None
    completed_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    def to_json(self, now: float, expiry_seconds: float) -> dict[str, Any]:
        """Pleo's ExportJobV3; ``expiresIn`` (never null) is 0 once the job has finished."""
        left = (
            0 if self.finished else max(0, math.ceil(self.last_updated_at + expiry_seconds - now))
        )
        fields = {
            "id": self.id,
            "companyId": self.company_id,
            "createdAt": _iso(self.created_at),
            "createdBy": self.created_by,
            "status": self.status,
            "isInteractive": self.is_interactive,
            "vendorBasedBookkeeping": self.vendor_based_bookkeeping,
            "numberOfItems": self.number_of_items,
            "startedAt": _iso(self.started_at),
            "completedAt": _iso(self.completed_at),
            "lastUpdatedAt": _iso(self.last_updated_at),
            "expiresIn": left,
            "expiredAt": _iso(self.expired_at),
            "failureReason": self.failure_reason,
            "failureReasonType": self.failure_reason_type,
        }
        nullable = ("createdBy", "startedAt", "completedAt", "expiredAt", "failureReason")
        return _compact(fields, *nullable)


@dataclass(frozen=True)
class Event:
    """A job event the API accepted."""

    job_id: str
    event: str
    at: float
    failure_reason: str | None = None
    failure_reason_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "event": self.event,
            "at": _iso(self.at),
            "failureReason": self.failure_reason,
            "failureReasonType": self.failure_reason_type,
        }


@dataclass(frozen=True)
class ItemError:
    """One rejected item of an update (``errors[]`` of a 200)."""

    accounting_entry_id: str
    type: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "accountingEntryId": self.accounting_entry_id,
            "type": self.type,
            "message": self.message,
        }


@dataclass(frozen=True)
class UpdateResult:
    """What ``PUT .../items`` answers with a 200."""

    data: tuple[Item, ...]
    errors: tuple[ItemError, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "data": [i.to_json() for i in self.data],
            "errors": [e.to_json() for e in self.errors],
        }
