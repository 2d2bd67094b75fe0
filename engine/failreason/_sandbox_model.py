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
EVENTS = ("started", "completed", "completed_with_errors", "failed")
DEFAULT_EXPIRY_SECONDS = 3600.0


class ApiError(Exception):
    """A request the API refuses as a whole: the HTTP status and Pleo's error body."""

    def __init__(self, status: int, type_: str, message: str) -> None:
        super().__init__(f"{status} {type_}: {message}")
        self.status, self.type, self.message = status, type_, message

    def body(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}


def _bad(message: str) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message)


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
        return {
            "accountingEntryId": self.accounting_entry_id,
            "exportJobId": self.export_job_id,
            "status": self.status,
            "exportedAt": self.exported_at,
            "externalId": self.external_id,
            "externalUrl": self.external_url,
            "failureReason": self.failure_reason,
            "failureReasonType": self.failure_reason_type,
        }


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

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    def to_json(self, now: float, expiry_seconds: float) -> dict[str, Any]:
        """Pleo's ExportJob; ``expiresIn`` is null once the job has finished."""
        left = self.last_updated_at + expiry_seconds - now
        return {
            "id": self.id,
            "companyId": self.company_id,
            "status": self.status,
            "numberOfItems": self.number_of_items,
            "lastUpdatedAt": _iso(self.last_updated_at),
            "expiresIn": None if self.finished else max(0, math.ceil(left)),
            "expiredAt": _iso(self.expired_at),
            "failureReason": self.failure_reason,
            "failureReasonType": self.failure_reason_type,
            "createdAt": _iso(self.created_at),
        }


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
