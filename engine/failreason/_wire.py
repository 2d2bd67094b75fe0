"""The shapes sent to and read from Pleo's Export API v3, as ``TypedDict``s.

Field names and which are required follow Pleo's published OpenAPI description of the
Export API (the ``api-evangelist/pleo`` copy; schemas ``ExportJob``, ``ExportJobItem``,
``UpdateExportJobItem``, ``CreateExportJobEvent`` and the pagination block). What we send is
typed exactly; what we read is typed as Pleo describes it, and read with ``.get`` where a
field is optional, because an answer is data from the network, not a promise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict, cast

ItemStatus = Literal["pending", "in_progress", "failed", "successful", "abandoned"]
JobStatus = Literal["pending", "in_progress", "failed", "completed", "completed_with_errors"]
EventName = Literal["started", "completed", "completed_with_errors", "failed"]


class ItemUpdate(TypedDict):
    """One element of the bare array ``PUT /v3/export-jobs/{jobId}/items`` takes."""

    accountingEntryId: str
    status: str
    exportedAt: NotRequired[str]
    externalId: NotRequired[str]
    externalUrl: NotRequired[str]
    failureReasonType: NotRequired[str]
    failureReason: NotRequired[str]


class ExportJobItem(TypedDict):
    """An item as Pleo holds it (``GET .../items`` and the PUT's ``data``)."""

    accountingEntryId: str
    status: str
    exportJobId: NotRequired[str]
    exportedAt: NotRequired[str]
    externalId: NotRequired[str]
    externalUrl: NotRequired[str]
    failureReasonType: NotRequired[str]
    failureReason: NotRequired[str]


class ItemError(TypedDict):
    """One refused item in the PUT's 200 answer (``errors``)."""

    accountingEntryId: str
    type: str
    message: NotRequired[str]


class ItemsUpdated(TypedDict):
    """The PUT's 200 answer."""

    data: list[ExportJobItem]
    errors: NotRequired[list[ItemError]]


class Pagination(TypedDict):
    """The pagination block of a list answer; absent values are omitted, not null."""

    currentRequestPagination: NotRequired[dict[str, object]]
    hasNextPage: NotRequired[bool]
    hasPreviousPage: NotRequired[bool]
    startCursor: NotRequired[str]
    endCursor: NotRequired[str]
    total: NotRequired[int]


class ItemsPage(TypedDict):
    """One page of ``GET /v3/export-jobs/{jobId}/items``."""

    data: list[ExportJobItem]
    pagination: NotRequired[Pagination]


class ExportJob(TypedDict):
    """The export job (``GET /v3/export-jobs/{jobId}``'s ``data``)."""

    id: str
    status: str
    companyId: NotRequired[str]
    createdAt: NotRequired[str]
    expiresIn: NotRequired[int]
    isInteractive: NotRequired[bool]
    numberOfItems: NotRequired[int]
    vendorBasedBookkeeping: NotRequired[bool]
    startedAt: NotRequired[str]
    completedAt: NotRequired[str]
    lastUpdatedAt: NotRequired[str]
    expiredAt: NotRequired[str]
    failureReasonType: NotRequired[str]
    failureReason: NotRequired[str]


class JobAnswer(TypedDict):
    data: ExportJob


class JobEventBody(TypedDict):
    """The body of ``POST /v3/export-job-events``."""

    event: str
    jobId: str
    failureReasonType: NotRequired[str]
    failureReason: NotRequired[str]


class ErrorBody(TypedDict, total=False):
    """Pleo's error answer; ``type`` is compared case-insensitively."""

    type: str
    message: str


def as_item(read: Mapping[str, Any]) -> ExportJobItem:
    """An item read from Pleo, with its two required fields as text (entry ids compare as text).

    A KeyError when ``accountingEntryId`` is missing: such an answer cannot be matched to
    anything we sent.
    """
    item = dict(read)
    item["accountingEntryId"] = str(read["accountingEntryId"])
    item["status"] = str(read.get("status"))
    return cast(ExportJobItem, item)


def merged(held: ExportJobItem | None, update: ItemUpdate) -> ExportJobItem:
    """What Pleo holds after accepting ``update`` for an item it held as ``held``."""
    return cast(ExportJobItem, {**(held or {}), **update})
