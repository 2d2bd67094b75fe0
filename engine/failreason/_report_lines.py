"""One input line of ``failreason report``: what it asks Pleo to hold, checked before sending.

Each line is one item:
    {"accountingEntryId": ..., "status": "successful", "externalId"?, "externalUrl"?, "exportedAt"?}
    {"accountingEntryId": ..., "status": "failed", "error": <raw-error envelope>}
    {"accountingEntryId": ..., "status": "failed", "failureReasonType": ..., "failureReason": ...}

An ``ItemLine`` carries the item update exactly as the client will build it, so what the
input says can be compared with what Pleo ends up holding, even on a job already completed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from failreason._engine import Engine
from failreason._outcome import explicit_failure, failed_item, success_update
from failreason._pleo import Report
from failreason._result import Classification
from failreason._vocabulary import FINAL_ITEM_STATUSES, ITEM_FAILURE_TYPES
from failreason._wire import ItemUpdate

_SUCCESS_KEYS = {"accountingEntryId", "status", "externalId", "externalUrl", "exportedAt"}
_ERROR_KEYS = {"accountingEntryId", "status", "error"}
_GIVEN_KEYS = {"accountingEntryId", "status", "failureReasonType", "failureReason"}
# What tells one final item from another; as the client's ledger compares them.
COMPARED = ("status", "failureReasonType", "failureReason", "externalId")
_QUOTED = 60  # characters of a bad value quoted back in a message


@dataclass(frozen=True)
class ItemLine:
    """A usable input line: its number, its item, and the update Pleo should hold."""

    number: int
    entry: str
    update: ItemUpdate
    item: dict[str, Any]
    exported_at: datetime | None = None
    classification: Classification | None = None  # for a line with a raw error


def read_item(number: int, value: object, engine: Engine) -> ItemLine:
    """The line's item, checked; ValueError, TypeError or FailreasonError say what to fix."""
    if not isinstance(value, dict) or not isinstance(value.get("accountingEntryId"), str):
        raise TypeError("expected an object with an accountingEntryId")
    entry, status = value["accountingEntryId"], value.get("status")
    if status == "successful":
        _only(value, _SUCCESS_KEYS)
        when = _exported_at(value.get("exportedAt"))
        for key in ("externalId", "externalUrl"):
            if key in value and not isinstance(value[key], str):
                raise TypeError(f"{key} must be a string")
        update = success_update(entry, value.get("externalId"), value.get("externalUrl"), when)
        return ItemLine(number, entry, update, value, exported_at=when)
    if status == "failed" and "error" in value:
        _only(value, _ERROR_KEYS)
        if not isinstance(value["error"], dict):
            raise ValueError("'error' must be a raw-error envelope (a JSON object)")
        result = engine.classify(value["error"])
        update, _ = failed_item(entry, result, engine, {})
        return ItemLine(number, entry, update, value, classification=result)
    if status == "failed":
        _only(value, _GIVEN_KEYS)
        kind, reason = value.get("failureReasonType"), value.get("failureReason")
        if not isinstance(kind, str) or not isinstance(reason, str):
            raise ValueError(
                "a failed item needs an 'error' envelope, or a failureReasonType and a "
                "failureReason (both strings)"
            )
        return ItemLine(number, entry, explicit_failure(entry, kind, reason), value)
    raise ValueError(f"status must be 'successful' or 'failed', got {_quoted(status)}")


def queue_line(report: Report, line: ItemLine) -> None:
    """Queue the line's update; the report may flush, and a flush may raise PleoError."""
    update = line.update
    if update["status"] == "successful":
        report.succeeded(
            line.entry,
            external_id=update.get("externalId"),
            external_url=update.get("externalUrl"),
            exported_at=line.exported_at,
        )
    elif line.classification is not None:
        report.failed(line.entry, line.classification)
    else:
        report.failed_as(line.entry, update["failureReasonType"], line.item["failureReason"])


def holds(held: Mapping[str, Any] | None, update: Mapping[str, Any]) -> bool:
    """True when Pleo's item is final with the values of ``update``."""
    if held is None or held.get("status") not in FINAL_ITEM_STATUSES:
        return False
    return all(held.get(key) == update.get(key) for key in COMPARED if key in update)


def shown(item: Mapping[str, Any]) -> str:
    """An item's final values in a few words: ``failed (tag_unknown: Tag SALES is gone)``."""
    status = str(item.get("status"))
    if status == "failed":
        return f"failed ({item.get('failureReasonType')}: {item.get('failureReason')})"
    reference = item.get("externalId")
    return f"{status} (externalId {reference})" if reference else status


def check_fail_missing(values: list[str] | None) -> tuple[str, str] | None:
    """``--fail-missing TYPE REASON`` checked before anything is sent; ValueError if unusable."""
    if values is None:
        return None
    kind, reason = values
    if kind not in ITEM_FAILURE_TYPES:
        raise ValueError(
            f"--fail-missing: {_quoted(kind)} is not one of Pleo's item failure types "
            f"({', '.join(ITEM_FAILURE_TYPES)})"
        )
    explicit_failure("-", kind, reason)  # the reason must have visible text
    return kind, reason


def _exported_at(value: object) -> datetime | None:
    if value is None:
        return None
    example = "such as 2026-04-22T10:08:56Z"
    if not isinstance(value, str):
        raise TypeError(f"exportedAt must be an ISO 8601 time as a string, {example}")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"exportedAt {_quoted(value)} is not an ISO 8601 time; write it {example}"
        ) from None
    if when.tzinfo is None:
        raise ValueError(f"exportedAt {_quoted(value)} has no time zone; write it {example}")
    return when


def _only(item: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ValueError(f"unknown keys {unknown} for a {item.get('status')} item")


def _quoted(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"
