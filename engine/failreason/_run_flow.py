"""Steps 1-4 of Pleo's export workflow as flows both clients drive (see ``_protocol``).

Find the oldest eligible job, claim it with the ``started`` event (a 422 answered to our
first attempt means another worker moved it first), read every export item's data, and
restate an unfinished item as ``in_progress`` to keep a long job from expiring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from failreason._pleo_http import EVENTS_PATH, error_of, items_path
from failreason._policy import JobEvent, Seen
from failreason._protocol import STATUS_CHANGE_REFUSED, Context, Flow, Send, exchange, job, read
from failreason._vocabulary import MAX_PAGE_SIZE
from failreason._wire import ExportJob, ItemUpdate

JOBS_PATH = "/v3/export-jobs"
EXPORT_ITEMS_PATH = "/v3/export-items"


def eligible_jobs(
    ctx: Context, statuses: Sequence[str], company_id: str | None = None
) -> Flow[list[ExportJob]]:
    """Jobs in one of ``statuses``, oldest first (by ``createdAt``, then Pleo's order)."""
    query: dict[str, Any] = {
        "statuses": list(statuses),
        "sorting_keys": "createdAt",
        "sorting_order": "ASC",
    }
    if company_id:
        query["company_id"] = company_id
    rows = yield from _every_page(ctx, JOBS_PATH, query, "list the export jobs to export")
    jobs = [
        cast(ExportJob, row)
        for row in rows
        if isinstance(row, dict) and isinstance(row.get("id"), str)
    ]
    return sorted(jobs, key=lambda row: str(row.get("createdAt") or ""))


def export_items(ctx: Context, job_id: str) -> Flow[list[dict[str, Any]]]:
    """Every export item's accounting data for the job (``GET /v3/export-items``), all pages."""
    doing = f"read the export items of job {job_id}"
    rows = yield from _every_page(ctx, EXPORT_ITEMS_PATH, {"job_id": job_id}, doing)
    return [row for row in rows if isinstance(row, dict) and row.get("accountingEntryId")]


def _every_page(ctx: Context, path: str, query: Mapping[str, Any], doing: str) -> Flow[list[Any]]:
    found: list[Any] = []
    after: str | None = None
    while True:
        params = {**query, "limit": MAX_PAGE_SIZE, **({"after": after} if after else {})}
        body = yield from read(ctx, path, doing, params)
        body = body if isinstance(body, dict) else {}
        data, pagination = body.get("data"), body.get("pagination")
        found.extend(data if isinstance(data, list) else [])
        pagination = pagination if isinstance(pagination, dict) else {}
        cursor = pagination.get("endCursor")
        if not (pagination.get("hasNextPage") and isinstance(cursor, str) and cursor):
            return found
        after = cursor


def claim(ctx: Context, job_id: str) -> Flow[bool]:
    """Post ``started``: True when this worker started the job, False when another had.

    A 422 to a first attempt is another worker's start. After an attempt whose answer was
    lost, the job read back ``in_progress`` is taken as this worker's start, as the
    reporting flows take their own lost writes.
    """
    doing = f"post the started event of export job {job_id}"

    def landed() -> Flow[Seen]:
        status = str((yield from job(ctx, job_id)).get("status"))
        return status == "in_progress", status

    send = Send("POST", EVENTS_PATH, JobEvent("started").payload(job_id))
    response = yield from exchange(ctx, send, doing, job_id=job_id, landed=landed)
    if response is None or response.status_code < 400:
        return True
    error = error_of(response, doing)
    if error.type.upper() == STATUS_CHANGE_REFUSED:
        return False
    raise error


def keep_alive(ctx: Context, job_id: str, entry: str) -> Flow[None]:
    """Restate one item nobody has an outcome for yet as ``in_progress``: any update of the
    job's items resets the hour after which Pleo expires it. Pleo's refusal of the one
    item (it turned final meanwhile) is harmless and ignored."""
    doing = f"keep export job {job_id} alive"
    update: list[ItemUpdate] = [{"accountingEntryId": entry, "status": "in_progress"}]
    send = Send("PUT", items_path(job_id), update)
    response = yield from exchange(ctx, send, doing, job_id=job_id)
    if response is not None and response.status_code >= 400:
        raise error_of(response, doing)
