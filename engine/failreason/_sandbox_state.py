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

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from failreason._sandbox_checks import (
    _json_kind,
    item_problems,
    parse_event,
    transition_problem,
)
from failreason._sandbox_model import (
    DEFAULT_EXPIRY_SECONDS,
    ApiError,
    Clock,
    Event,
    Item,
    ItemError,
    Job,
    UpdateResult,
    _bad,
    _iso,
)
from failreason._sandbox_pages import (
    Page,
    PageRequest,
    paginate,
)
from failreason._vocabulary import FINAL_ITEM_STATUSES, MAX_ITEMS_PER_UPDATE


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
