"""The sandbox's in-memory model of Pleo's Export API: jobs, items, events, pages, expiry.

No I/O and no threads: the caller injects the clock and serialises calls (``_sandbox.py``
holds one lock around it). Every rule of the contract is enforced here, strictly, so a
client's bugs show up as errors instead of passing silently.

Request-level errors are raised as ``ApiError`` (``status``, ``type``, ``message``):

400 ``BAD_REQUEST``                        malformed body or query (the message says what)
404 ``EXPORT_NOT_FOUND``                   no job with that id
413 ``EXPORT_JOB_ITEMS_UPDATE_LIMIT``      more than 100 items in one update
422 ``EXPORT_JOB_STATUS_UNPROCESSABLE``    items updated while the job is not ``in_progress``
422 ``INVALID_EXPORT_JOB_STATUS_CHANGE``   an event the job's status or its items do not allow

Per-item errors of ``PUT .../items`` (``errors[]`` of a 200; each problem is listed):

``ACCOUNTING_ENTRY_DOES_NOT_EXIST``  the id is not an item of this job (Pleo's own type)
``INVALID_EXPORT_ITEM_STATUS``       ``status`` is missing or not ``successful``/``failed``
``MISSING_FAILURE_REASON``           a failed item without ``failureReasonType`` or
                                     ``failureReason`` (absent, null or blank)
``INVALID_FAILURE_REASON_TYPE``      not one of Pleo's 18 item-level types
``INVALID_EXPORTED_AT``              ``exportedAt`` is not ``YYYY-MM-DDTHH:MM:SSZ``
``INVALID_EXPORT_ITEM_FIELD``        an unknown key, a value that is not a string, an
                                     ``externalUrl`` that is not http(s), or failure fields
                                     on a successful item
``EXPORT_ITEM_ALREADY_FINAL``        the item already has a different final status

Re-sending an item's final status is accepted, leaves the item as first reported and counts
in ``duplicate_item_updates``. Starting a job moves its items from ``pending`` to
``in_progress``; expiry turns unfinished items ``abandoned``.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import math
import random
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from failreason._vocabulary import ITEM_FAILURE_TYPES, JOB_FAILURE_TYPES

Clock = Callable[[], float]  # seconds since the epoch, like time.time

ITEM_STATUSES = ("pending", "in_progress", "failed", "successful", "abandoned")
FINAL_ITEM_STATUSES = ("successful", "failed")
FINISHED_JOB_STATUSES = ("failed", "completed", "completed_with_errors")
EVENTS = ("started", "completed", "completed_with_errors", "failed")
MAX_ITEMS_PER_UPDATE = 100
MAX_LIMIT = 100
DEFAULT_EXPIRY_SECONDS = 3600.0

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
_QUERY_KEYS = ("limit", "offset", "after", "before", "status")
_EXPORTED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


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


def encode_cursor(position: int) -> str:
    """An opaque cursor for the item at ``position`` in its job (stable: items never move)."""
    return base64.urlsafe_b64encode(f"item:{position}".encode()).decode().rstrip("=")


def decode_cursor(name: str, cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "item" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise _bad(f"{name}={cursor!r} is not a cursor this API gave out (use endCursor/startCursor)")


@dataclass(frozen=True)
class PageRequest:
    """The query of ``GET .../items``, checked."""

    limit: int = MAX_LIMIT
    offset: int | None = None
    after: str | None = None
    before: str | None = None
    statuses: tuple[str, ...] = ()

    @classmethod
    def parse(cls, query: Mapping[str, Sequence[str]]) -> PageRequest:
        """Check a parsed query string (``parse_qs`` shape); raise ``ApiError`` 400 if wrong."""
        for key, values in query.items():
            if key not in _QUERY_KEYS:
                raise _bad(f"unknown query parameter {key!r}{_did_you_mean(key, _QUERY_KEYS)}")
            if key != "status" and len(values) > 1:
                raise _bad(f"query parameter {key!r} given {len(values)} times")
        one = {key: values[0] for key, values in query.items() if key != "status"}
        limit = _integer(one, "limit", MAX_LIMIT, minimum=1)
        if limit > MAX_LIMIT:
            raise _bad(f"limit={limit} is over the maximum of {MAX_LIMIT}")
        offset = _integer(one, "offset", 0, minimum=0) if "offset" in one else None
        if offset is not None and ("after" in one or "before" in one):
            raise _bad("use either offset or a cursor (after/before), not both")
        if "after" in one and "before" in one:
            raise _bad("use either after or before, not both")
        for name in ("after", "before"):
            if name in one:
                decode_cursor(name, one[name])
        statuses = tuple(s for v in query.get("status", ()) for s in v.split(",") if s)
        for status in statuses:
            if status not in ITEM_STATUSES:
                raise _bad(f"unknown status {status!r}{_did_you_mean(status, ITEM_STATUSES)}")
        return cls(limit, offset, one.get("after"), one.get("before"), statuses)


def _integer(query: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    if name not in query:
        return default
    text = query[name]
    if not re.fullmatch(r"-?\d{1,9}", text) or int(text) < minimum:
        raise _bad(f"{name}={text!r} must be a whole number of at least {minimum}")
    return int(text)


@dataclass(frozen=True)
class Page:
    """One page of a job's items and Pleo's ``pagination`` block."""

    request: PageRequest
    rows: tuple[tuple[int, Item], ...]  # (position in the job, item)
    total: int
    has_next_page: bool
    has_previous_page: bool

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for _, item in self.rows)

    def to_json(self) -> dict[str, Any]:
        request = self.request
        return {
            "data": [item.to_json() for item in self.items],
            "pagination": {
                "hasNextPage": self.has_next_page,
                "hasPreviousPage": self.has_previous_page,
                "startCursor": encode_cursor(self.rows[0][0]) if self.rows else None,
                "endCursor": encode_cursor(self.rows[-1][0]) if self.rows else None,
                "total": self.total,
                "currentRequestPagination": {
                    "limit": request.limit,
                    "offset": request.offset,
                    "after": request.after,
                    "before": request.before,
                },
            },
        }


def paginate(items: Sequence[Item], request: PageRequest) -> Page:
    """The page ``request`` asks for, by offset or by cursor, after the status filter."""
    rows = [
        (n, item)
        for n, item in enumerate(items)
        if item.status in (request.statuses or ITEM_STATUSES)
    ]
    limit = request.limit
    if request.after is not None:
        mark = decode_cursor("after", request.after)
        later = [row for row in rows if row[0] > mark]
        page, has_next = later[:limit], len(later) > limit
        has_previous = len(later) < len(rows)
    elif request.before is not None:
        mark = decode_cursor("before", request.before)
        earlier = [row for row in rows if row[0] < mark]
        page, has_previous = earlier[-limit:], len(earlier) > limit
        has_next = len(earlier) < len(rows)
    else:
        start = request.offset or 0
        page = rows[start : start + limit]
        has_next, has_previous = start + limit < len(rows), start > 0
    return Page(request, tuple(page), len(rows), has_next, has_previous)


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


class SandboxState:
    """Every job of one sandbox, with the contract's transitions and expiry.

    ``clock`` gives the time (seconds since the epoch); a job that is not finished expires
    ``expiry_seconds`` after its last update, seen the next time anything looks at it.
    ``seed`` makes ids reproducible.
    """

    def __init__(
        self, clock: Clock, expiry_seconds: float = DEFAULT_EXPIRY_SECONDS, seed: int | None = None
    ) -> None:
        self._clock = clock
        self.expiry_seconds = expiry_seconds
        self._random = random.Random(seed)  # noqa: S311 - ids for tests, not secrets
        self.company_id = self._new_id()
        self._jobs: dict[str, Job] = {}
        self._items: dict[str, list[Item]] = {}
        self._positions: dict[str, dict[str, int]] = {}
        self._events: dict[str, list[Event]] = {}
        self.duplicate_item_updates = 0
        self.oversized_puts = 0

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def now(self) -> float:
        return self._clock()

    def create_job(self, entry_ids: Sequence[str] | int, *, start: bool = False) -> Job:
        """A new job with these entry ids (or that many new ones); ``pending`` unless started."""
        ids = (
            [self._new_id() for _ in range(entry_ids)]
            if isinstance(entry_ids, int)
            else list(entry_ids)
        )
        if not all(isinstance(i, str) and i for i in ids) or len(set(ids)) != len(ids):
            raise _bad("accountingEntryIds must be distinct non-empty strings")
        now, job_id = self._clock(), self._new_id()
        status = "in_progress" if start else "pending"
        job = Job(job_id, self.company_id, status, len(ids), now, now)
        self._jobs[job_id] = job
        self._items[job_id] = [Item(i, job_id, "in_progress" if start else "pending") for i in ids]
        self._positions[job_id] = {i: n for n, i in enumerate(ids)}
        self._events[job_id] = []
        return job

    def job(self, job_id: str) -> Job:
        """The job as it is now (expired if its time ran out); ``ApiError`` 404 if unknown."""
        job = self._jobs.get(job_id)
        if job is None:
            raise ApiError(404, "EXPORT_NOT_FOUND", f"no export job with id {job_id!r}")
        deadline = job.last_updated_at + self.expiry_seconds
        if not job.finished and self._clock() >= deadline:
            job = self._expire(job, deadline)
        return job

    def _expire(self, job: Job, deadline: float) -> Job:
        reason = f"The export job expired: no update for {self.expiry_seconds:g} seconds"
        expired = replace(
            job,
            status="failed",
            failure_reason=reason,
            failure_reason_type="job_expired",
            expired_at=deadline,
            last_updated_at=deadline,
        )
        self._jobs[job.id] = expired
        self._items[job.id] = [
            item if item.status in FINAL_ITEM_STATUSES else replace(item, status="abandoned")
            for item in self._items[job.id]
        ]
        return expired

    def job_json(self, job_id: str) -> dict[str, Any]:
        return self.job(job_id).to_json(self._clock(), self.expiry_seconds)

    def items(self, job_id: str) -> tuple[Item, ...]:
        self.job(job_id)
        return tuple(self._items[job_id])

    def events(self, job_id: str) -> tuple[Event, ...]:
        self.job(job_id)
        return tuple(self._events[job_id])

    def list_items(self, job_id: str, query: Mapping[str, Sequence[str]]) -> Page:
        """``GET /v3/export-jobs/{jobId}/items``."""
        request = PageRequest.parse(query)
        return paginate(self.items(job_id), request)

    def update_items(self, job_id: str, body: object) -> UpdateResult:
        """``PUT /v3/export-jobs/{jobId}/items`` with its body already parsed from JSON."""
        if not isinstance(body, list):
            raise _bad(f"the body must be a JSON array of item updates, got {_json_kind(body)}")
        if len(body) > MAX_ITEMS_PER_UPDATE:
            self.oversized_puts += 1
            raise ApiError(
                413,
                "EXPORT_JOB_ITEMS_UPDATE_LIMIT",
                f"{len(body)} items in one update; send at most {MAX_ITEMS_PER_UPDATE}",
            )
        for n, update in enumerate(body):
            if not isinstance(update, dict):
                raise _bad(f"item [{n}] must be a JSON object, got {_json_kind(update)}")
            entry_id = update.get("accountingEntryId")
            if not isinstance(entry_id, str) or not entry_id:
                raise _bad(f"item [{n}] needs an accountingEntryId string")
        job = self.job(job_id)
        if job.status != "in_progress":
            raise ApiError(422, "EXPORT_JOB_STATUS_UNPROCESSABLE", _unprocessable(job))
        data: list[Item] = []
        errors: list[ItemError] = []
        for update in body:
            outcome = self._update_item(job_id, update)
            if isinstance(outcome, Item):
                data.append(outcome)
            else:
                errors.extend(ItemError(update["accountingEntryId"], *p) for p in outcome)
        self._jobs[job_id] = replace(job, last_updated_at=self._clock())
        return UpdateResult(tuple(data), tuple(errors))

    def _update_item(self, job_id: str, update: dict[str, Any]) -> Item | list[tuple[str, str]]:
        entry_id = update["accountingEntryId"]
        position = self._positions[job_id].get(entry_id)
        if position is None:
            message = f"accounting entry {entry_id!r} is not an item of job {job_id!r}"
            return [("ACCOUNTING_ENTRY_DOES_NOT_EXIST", message)]
        problems = item_problems(update)
        if problems:
            return problems
        item = self._items[job_id][position]
        if item.status == update["status"]:
            self.duplicate_item_updates += 1
            return item
        if item.status in FINAL_ITEM_STATUSES:
            message = f"the item is already {item.status}; it cannot become {update['status']}"
            return [("EXPORT_ITEM_ALREADY_FINAL", message)]
        updated = replace(
            item,
            status=update["status"],
            exported_at=update.get("exportedAt"),
            external_id=update.get("externalId"),
            external_url=update.get("externalUrl"),
            failure_reason=update.get("failureReason"),
            failure_reason_type=update.get("failureReasonType"),
        )
        self._items[job_id][position] = updated
        return updated

    def post_event(self, body: object) -> Job:
        """``POST /v3/export-job-events`` with its body already parsed from JSON."""
        event = parse_event(body, self._clock())
        job = self.job(event.job_id)
        problem = transition_problem(job, self._items[job.id], event)
        if problem:
            raise ApiError(422, "INVALID_EXPORT_JOB_STATUS_CHANGE", problem)
        if event.event == "started":
            self._items[job.id] = [replace(i, status="in_progress") for i in self._items[job.id]]
            status = "in_progress"
        else:
            status = event.event
        job = replace(
            job,
            status=status,
            last_updated_at=event.at,
            failure_reason=event.failure_reason,
            failure_reason_type=event.failure_reason_type,
        )
        self._jobs[job.id] = job
        self._events[job.id].append(event)
        return job


def _unprocessable(job: Job) -> str:
    if job.expired_at is not None:
        return f"the job expired at {_iso(job.expired_at)}; its items can no longer change"
    if job.status == "pending":
        return "the job is pending; send the started event before updating items"
    return f"the job is {job.status}; its items can no longer change"
