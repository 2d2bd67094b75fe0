"""The sandbox's in-memory model of Pleo's Export API: jobs, items, events, pages, expiry.

No I/O and no threads: the caller injects the clock and serialises calls (``_sandbox.py``
holds one lock around it). It is as strict as Pleo's published contract and no stricter:
what the spec allows is accepted, so a client is neither failed nor passed wrongly.

Request-level errors are raised as ``ApiError`` (``status``, ``type``, ``message``):

400 ``BAD_REQUEST``                        a body or query that breaks Pleo's contract
404 ``EXPORT_NOT_FOUND``                   no job with that id
409 ``EXPORT_ALREADY_IN_PROGRESS``         a job created while another is in progress
413 ``EXPORT_JOB_ITEMS_UPDATE_LIMIT``      more than 100 items in one update
422 ``EXPORT_JOB_STATUS_UNPROCESSABLE``    items updated or read while the job is not running
422 ``INVALID_EXPORT_JOB_STATUS_CHANGE``   an event the job's status or its items do not allow

Per-item errors of ``PUT .../items`` (``errors[]`` of a 200) are Pleo's three types:

``ACCOUNTING_ENTRY_DOES_NOT_EXIST``    the id is not an item of this job
``EXPORT_ENTRY_STATUS_UPDATE_FAILED``  the item is already final with another status
                                       (``EXPORT_ITEM_ALREADY_FINAL`` with
                                       ``legacy_item_errors``, as earlier versions answered)
``ACCOUNTING_ENTRY_UPDATE_FAILED``     not answered by the sandbox itself

Re-sending an item's final status is accepted, leaves the item as first reported and counts
in ``duplicate_item_updates``. Starting a job moves its items from ``pending`` to
``in_progress``; expiry, or a ``failed`` event before every item is final, turns unfinished
items ``abandoned``. With ``warnings`` on, checks stricter than the spec are collected in
``warnings`` (the caller drains them per request) instead of being refused.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from failreason._sandbox_checks import (
    event_warnings,
    item_warnings,
    parse_event,
    refuse_unless_valid,
    require_list,
    status_change_problem,
    transition_problem,
)
from failreason._sandbox_export_items import check_shape, export_item
from failreason._sandbox_model import (
    DEFAULT_EXPIRY_SECONDS,
    ITEM_STATUSES,
    JOB_STATUSES,
    OPEN_ITEM_STATUSES,
    ApiError,
    Clock,
    Event,
    Item,
    ItemError,
    Job,
    UpdateResult,
    _bad,
    _did_you_mean,
    _iso,
)
from failreason._sandbox_pages import PAGE_KEYS, Page, PageRequest, paginate
from failreason._vocabulary import MAX_ITEMS_PER_UPDATE

_ITEM_SORT_KEYS = ("accountingEntryId", "status", "exportedAt", "externalId", "failureReasonType")
_JOB_SORT_KEYS = ("createdAt", "lastUpdatedAt", "status", "numberOfItems", "id")
STATUS_UPDATE_FAILED = "EXPORT_ENTRY_STATUS_UPDATE_FAILED"
LEGACY_ALREADY_FINAL = "EXPORT_ITEM_ALREADY_FINAL"


class SandboxState:
    """Every job of one sandbox, with the contract's transitions and expiry.

    ``clock`` gives the time (seconds since the epoch); a job that is not finished expires
    ``expiry_seconds`` after its last update, seen the next time anything looks at it.
    ``seed`` makes ids reproducible. ``accept_seed_job_type`` lets a job event carry the
    seed's ``accounting_system_validation_failure``, which Pleo's enum lacks;
    ``legacy_item_errors`` answers a second, different final status with the sandbox's old
    ``EXPORT_ITEM_ALREADY_FINAL``; ``warnings`` collects checks stricter than the spec.
    """

    def __init__(
        self,
        clock: Clock,
        expiry_seconds: float = DEFAULT_EXPIRY_SECONDS,
        seed: int | None = None,
        *,
        accept_seed_job_type: bool = False,
        legacy_item_errors: bool = False,
        warnings: bool = False,
    ) -> None:
        self._clock = clock
        self.expiry_seconds = expiry_seconds
        self._random = random.Random(seed)  # noqa: S311 - ids for tests, not secrets
        self.company_id = self._new_id()
        self._jobs: dict[str, Job] = {}
        self._items: dict[str, list[Item]] = {}
        self._positions: dict[str, dict[str, int]] = {}
        self._events: dict[str, list[Event]] = {}
        self._shapes: dict[str, dict[str, Any]] = {}  # per job: entry id -> export-item shape
        self.duplicate_item_updates = 0
        self.oversized_puts = 0
        self.accept_seed_job_type = accept_seed_job_type
        self.legacy_item_errors = legacy_item_errors
        self.warnings_on = warnings
        self.warnings: list[str] = []

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def now(self) -> float:
        return self._clock()

    def _warn(self, warnings: Sequence[str]) -> None:
        if self.warnings_on:
            self.warnings.extend(warnings)

    def create_job(
        self,
        entry_ids: Sequence[str] | int,
        *,
        start: bool = False,
        company_id: str | None = None,
        is_interactive: bool = True,
        vendor_based_bookkeeping: bool = False,
        created_by: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Job:
        """A new job with these entry ids (or that many new ones); ``pending`` unless started.

        ``data`` shapes some entries' export items: ``{entry_id: shape}``, a shape as
        ``export_item`` takes it (a name from ``SHAPES`` or a mapping of top-level fields).
        """
        ids = (
            [self._new_id() for _ in range(entry_ids)]
            if isinstance(entry_ids, int)
            else list(entry_ids)
        )
        if not all(isinstance(i, str) and i for i in ids) or len(set(ids)) != len(ids):
            raise _bad("accountingEntryIds must be distinct non-empty strings")
        for entry_id, shape in (data or {}).items():
            if entry_id not in ids:
                raise ValueError(f"data names entry {entry_id!r}, which is not in the job")
            check_shape(shape)
        now, job_id = self._clock(), self._new_id()
        status = "in_progress" if start else "pending"
        job = Job(
            job_id,
            company_id or self.company_id,
            status,
            len(ids),
            now,
            now,
            is_interactive=is_interactive,
            vendor_based_bookkeeping=vendor_based_bookkeeping,
            created_by=created_by,
            started_at=now if start else None,
        )
        self._jobs[job_id] = job
        self._items[job_id] = [Item(i, job_id, status) for i in ids]
        self._positions[job_id] = {i: n for n, i in enumerate(ids)}
        self._events[job_id] = []
        self._shapes[job_id] = dict(data or {})
        return job

    def create_job_from_api(self, body: object) -> Job:
        """``POST /v3/export-jobs``: 409 while another job of the company is in progress."""
        refuse_unless_valid("createExportJobV3", body)
        assert isinstance(body, dict)  # noqa: S101 - the contract asks for an object
        company = body["companyId"]
        running = [j for j in self._all_jobs() if j.company_id == company]
        if any(job.status == "in_progress" for job in running):
            message = "Export Job already in progress for this company"
            raise ApiError(409, "EXPORT_ALREADY_IN_PROGRESS", message)
        options = body.get("options") or {}
        interactive = body.get("isInteractive")
        return self.create_job(
            body["accountingEntryIds"],
            company_id=company,
            is_interactive=True if interactive is None else interactive,
            vendor_based_bookkeeping=bool(options.get("vendorBasedBookkeeping")),
            created_by=body.get("employeeId"),
        )

    def _all_jobs(self) -> list[Job]:
        return [self.job(job_id) for job_id in self._jobs]

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
        self._abandon_open_items(job.id)
        return expired

    def _abandon_open_items(self, job_id: str) -> None:
        self._items[job_id] = [
            replace(item, status="abandoned") if item.status in OPEN_ITEM_STATUSES else item
            for item in self._items[job_id]
        ]

    def job_json(self, job_id: str) -> dict[str, Any]:
        return self.job(job_id).to_json(self._clock(), self.expiry_seconds)

    def items(self, job_id: str) -> tuple[Item, ...]:
        self.job(job_id)
        return tuple(self._items[job_id])

    def events(self, job_id: str) -> tuple[Event, ...]:
        self.job(job_id)
        return tuple(self._events[job_id])

    def _ignore_unknown(self, query: Mapping[str, Sequence[str]], own: Sequence[str]) -> None:
        known = (*PAGE_KEYS, *own)
        self._warn(
            [
                f"unknown query parameter {key!r} was ignored{_did_you_mean(key, known)}"
                for key in query
                if key not in known
            ]
        )

    def list_jobs(self, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """``GET /v3/export-jobs``: optional ``company_id`` and ``statuses``, oldest first."""
        self._ignore_unknown(query, ("company_id", "statuses"))
        request = PageRequest.parse(query, _JOB_SORT_KEYS)
        statuses = _values(query, "statuses", JOB_STATUSES)
        companies = set(query.get("company_id", ()))
        now = self._clock()
        rows = [
            job.to_json(now, self.expiry_seconds)
            for job in self._all_jobs()
            if (not statuses or job.status in statuses)
            and (not companies or job.company_id in companies)
        ]
        page = paginate(list(enumerate(rows)), request, _json_field)
        return page.to_json(lambda row: row)

    def list_items(self, job_id: str, query: Mapping[str, Sequence[str]]) -> Page:
        """``GET /v3/export-jobs/{jobId}/items``, optionally by ``status``."""
        self._ignore_unknown(query, ("status",))
        request = PageRequest.parse(query, _ITEM_SORT_KEYS)
        statuses = _values(query, "status", ITEM_STATUSES)
        rows = [
            (n, item)
            for n, item in enumerate(self.items(job_id))
            if not statuses or item.status in statuses
        ]
        return paginate(rows, request, lambda item, key: item.to_json().get(key))

    def export_items(self, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """``GET /v3/export-items``: the accounting data of a running job's items."""
        self._ignore_unknown(query, ("job_id",))
        request = PageRequest.parse(query, ("accountingEntryId", "date", "type"))
        job_ids = list(query.get("job_id", ())) or [
            job.id for job in self._all_jobs() if job.status in ("pending", "in_progress")
        ]
        rows: list[dict[str, Any]] = []
        for job_id in job_ids:
            job = self.job(job_id)
            if job.status not in ("pending", "in_progress"):
                message = f"the job is {job.status}; only a running job's export items can be read"
                raise ApiError(422, "EXPORT_JOB_STATUS_UNPROCESSABLE", message)
            shapes = self._shapes.get(job_id, {})
            rows += [
                export_item(
                    item.accounting_entry_id,
                    job.company_id,
                    vendor_based=job.vendor_based_bookkeeping,
                    shape=shapes.get(item.accounting_entry_id),
                )
                for item in self.items(job_id)
            ]
        return paginate(list(enumerate(rows)), request, _json_field).to_json(lambda row: row)

    def update_items(self, job_id: str, body: object) -> UpdateResult:
        """``PUT /v3/export-jobs/{jobId}/items`` with its body already parsed from JSON."""
        updates = require_list(body)
        if len(updates) > MAX_ITEMS_PER_UPDATE:
            self.oversized_puts += 1
            raise ApiError(
                413,
                "EXPORT_JOB_ITEMS_UPDATE_LIMIT",
                f"{len(updates)} items in one update; send at most {MAX_ITEMS_PER_UPDATE}",
            )
        refuse_unless_valid("updateExportJobItemsV3", updates)
        job = self.job(job_id)
        if job.status != "in_progress":
            raise ApiError(422, "EXPORT_JOB_STATUS_UNPROCESSABLE", _unprocessable(job))
        data: list[Item] = []
        errors: list[ItemError] = []
        for update in updates:
            self._warn(item_warnings(update))
            outcome = self._update_item(job_id, update)
            if isinstance(outcome, Item):
                data.append(outcome)
            else:
                errors.append(ItemError(update["accountingEntryId"], *outcome))
        self._jobs[job_id] = replace(job, last_updated_at=self._clock())
        return UpdateResult(tuple(data), tuple(errors))

    def _update_item(self, job_id: str, update: dict[str, Any]) -> Item | tuple[str, str]:
        entry_id, status = update["accountingEntryId"], update["status"]
        position = self._positions[job_id].get(entry_id)
        if position is None:
            message = f"accounting entry {entry_id!r} is not an item of job {job_id!r}"
            return ("ACCOUNTING_ENTRY_DOES_NOT_EXIST", message)
        item = self._items[job_id][position]
        problem = status_change_problem(item, status)
        if problem:
            kind = LEGACY_ALREADY_FINAL if self.legacy_item_errors else STATUS_UPDATE_FAILED
            return (kind, problem)
        if item.status == status and status not in OPEN_ITEM_STATUSES:
            self.duplicate_item_updates += 1
            return item
        updated = replace(
            item,
            status=status,
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
        event = parse_event(body, self._clock(), accept_seed_job_type=self.accept_seed_job_type)
        job = self.job(event.job_id)
        problem = transition_problem(job, self._items[job.id], event)
        if problem:
            raise ApiError(422, "INVALID_EXPORT_JOB_STATUS_CHANGE", problem)
        assert isinstance(body, dict)  # noqa: S101 - parse_event checked it
        self._warn(event_warnings(body, self._items[job.id]))
        if event.event == "started":
            self._items[job.id] = [replace(i, status="in_progress") for i in self._items[job.id]]
            job = replace(job, status="in_progress", started_at=event.at)
        else:
            if event.event == "failed":
                self._abandon_open_items(job.id)  # a job failed early leaves its rest undone
            job = replace(
                job,
                status=event.event,
                completed_at=event.at,
                failure_reason=event.failure_reason,
                failure_reason_type=event.failure_reason_type,
            )
        job = replace(job, last_updated_at=event.at)
        self._jobs[job.id] = job
        self._events[job.id].append(event)
        return job


def _values(query: Mapping[str, Sequence[str]], name: str, allowed: Sequence[str]) -> set[str]:
    values = {v for value in query.get(name, ()) for v in value.split(",") if v}
    for value in values:
        if value not in allowed:
            raise _bad(f"unknown {name} {value!r}{_did_you_mean(value, allowed)}")
    return values


def _json_field(row: Mapping[str, Any], key: str) -> object:
    return row.get(key)


def _unprocessable(job: Job) -> str:
    if job.expired_at is not None:
        return f"the job expired at {_iso(job.expired_at)}; its items can no longer change"
    if job.status == "pending":
        return "the job is pending; send the started event before updating items"
    return f"the job is {job.status}; its items can no longer change"
