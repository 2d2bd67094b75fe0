"""Checks and results around a job's report, shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import Any

import yaml

from failreason._clean import truncate
from failreason._engine import Engine
from failreason._ledger import Ledger, Rejection
from failreason._load import builtin_dir, load
from failreason._pleo_http import IncompleteJobError, JobNotReportableError
from failreason._policy import JobEvent, exported_at
from failreason._result import Classification
from failreason._sanitize import visible
from failreason._vocabulary import FINISHED_JOB_STATUSES, ITEM_FAILURE_TYPES
from failreason._wire import ItemUpdate

_SHOWN = 10  # missing items named in an error message; the exception carries all of them
MAX_REASON = 500  # Pleo's limit on failureReason, in characters


def check_reportable(job: Mapping[str, Any], job_id: str) -> None:
    """A clear error for a job that cannot take updates, rather than a loop of 422s."""
    status = str(job.get("status"))
    if job.get("expiredAt") or job.get("failureReasonType") == "job_expired":
        raise JobNotReportableError(
            f"export job {job_id} expired at {job.get('expiredAt')}: its unfinished items are "
            "abandoned; export them again in a new job",
            type="JOB_EXPIRED",
        )
    if status in FINISHED_JOB_STATUSES:
        raise JobNotReportableError(
            f"export job {job_id} is already {status}: no item can change any more",
            type="JOB_FINISHED",
        )
    if status == "pending":
        raise JobNotReportableError(
            f"export job {job_id} is pending: post its `started` event first (client.start)",
            type="JOB_NOT_STARTED",
        )


@cache
def _builtin_engine() -> Engine:
    return load()


JOB_TYPES_FILE = "job.yaml"  # the built-in rule file that holds ``job_failure_types``


@cache
def builtin_job_types() -> Mapping[str, str]:
    """The built-in ``job_failure_types``, read from their one rule file: completing a job
    needs this mapping, not the whole rule set (a test keeps it equal to the loaded one)."""
    text = (builtin_dir("rules") / JOB_TYPES_FILE).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    mapping = yaml.load(text, Loader=loader)["job_failure_types"]  # noqa: S506 - a safe loader
    return MappingProxyType({str(key): str(value) for key, value in mapping.items()})


def default_job_types(engine: Engine | None) -> Mapping[str, str]:
    """``engine``'s item-to-job failure type mapping, or the built-in one without loading
    the rules."""
    return engine.job_failure_types if engine is not None else builtin_job_types()


def default_engine(engine: Engine | None) -> Engine:
    """``engine``, or the built-in one, loaded once on first use."""
    return engine if engine is not None else _builtin_engine()


def failed_item(
    entry: str, raw_error: object, engine: Engine | None, context: Mapping[str, Any]
) -> tuple[ItemUpdate, Classification]:
    """The failed-item update for ``raw_error``, classified by ``engine`` (built-ins if None)."""
    if isinstance(raw_error, Classification):
        result = raw_error
    else:
        result = default_engine(engine).classify(raw_error, **context)
    payload = result.item_payload(entry)
    update: ItemUpdate = {
        "accountingEntryId": payload["accountingEntryId"],
        "status": payload["status"],
        "failureReasonType": payload["failureReasonType"],
        "failureReason": fit_reason(str(payload.get("failureReason") or ""))
        or "The accounting system refused the item without saying why",
    }
    return update, result


def fit_reason(reason: str) -> str:
    """A reason Pleo and a bookkeeper can take: valid, visible text, at most 500 characters.

    A lone surrogate or control character in one reason would otherwise fail the whole
    batch it travels in, and every rerun with it.
    """
    return truncate(" ".join(visible(reason).split()), MAX_REASON)


def success_update(
    entry: str,
    external_id: str | None,
    external_url: str | None,
    exported_at_time: datetime | None,
) -> ItemUpdate:
    """A successful-item update; references the AS gave are included when known."""
    update: ItemUpdate = {"accountingEntryId": entry, "status": "successful"}
    if external_id is not None:
        update["externalId"] = external_id
    if external_url is not None:
        update["externalUrl"] = external_url
    moment = exported_at(exported_at_time)
    if moment is not None:
        update["exportedAt"] = moment
    return update


def explicit_failure(entry: str, failure_type: str, reason: str) -> ItemUpdate:
    """A failed-item update with a type and reason the caller chose, checked."""
    if failure_type not in ITEM_FAILURE_TYPES:
        raise ValueError(f"{failure_type!r} is not one of Pleo's item failureReasonType values")
    fitted = fit_reason(reason)
    if not fitted:
        raise ValueError("a failed item needs a failureReason with visible text")
    return {
        "accountingEntryId": entry,
        "status": "failed",
        "failureReasonType": failure_type,
        "failureReason": fitted,
    }


def completion_check(ledger: Ledger, fail_missing: tuple[str, str] | None) -> list[ItemUpdate]:
    """Updates that fail the items still without a final status, or an error naming them."""
    missing = ledger.not_final()
    if not missing:
        return []
    if fail_missing is None:
        shown = ", ".join(missing[:_SHOWN]) + (" ..." if len(missing) > _SHOWN else "")
        refused = [f"{r.accounting_entry_id} ({r.type})" for r in ledger.rejected.values()]
        note = f"; Pleo refused: {', '.join(refused[:_SHOWN])}" if refused else ""
        raise IncompleteJobError(
            f"export job {ledger.job_id} has {len(missing)} items without a final status "
            f"({shown}){note}; report them, or complete with fail_missing=(type, reason)",
            missing,
        )
    failure_type, reason = fail_missing
    return [explicit_failure(entry, failure_type, reason) for entry in missing]


@dataclass(frozen=True)
class ReportOutcome:
    """How a job's report ended: the event posted and what each item got."""

    job_id: str
    event: JobEvent
    successful: int
    failed: int
    sent: int  # item updates this run sent and Pleo accepted (resumed runs send fewer)
    rejected: tuple[Rejection, ...]
    written_elsewhere: tuple[str, ...] = ()  # items another reporter gave a final status

    @classmethod
    def of(cls, ledger: Ledger, event: JobEvent) -> ReportOutcome:
        finals = ledger.finals()
        return cls(
            job_id=ledger.job_id,
            event=event,
            successful=sum(1 for item in finals if item.get("status") == "successful"),
            failed=sum(1 for item in finals if item.get("status") == "failed"),
            sent=ledger.sent_count,
            rejected=tuple(ledger.rejected.values()),
            written_elsewhere=tuple(ledger.written_elsewhere),
        )

    @property
    def job_type_fallback(self) -> str | None:
        """The job failureReasonType Pleo refused before it took ``event``'s, if it did."""
        return self.event.refused_type

    @property
    def notes(self) -> tuple[str, ...]:
        """What a person should know about how the job ended, in words."""
        if self.event.refused_type is None:
            return ()
        return (
            f"Pleo refused the job failureReasonType {self.event.refused_type!r}; "
            f"the job was failed as {self.event.failure_reason_type!r} instead",
        )

    def to_json(self) -> dict[str, Any]:
        record = {
            "jobId": self.job_id,
            "event": self.event.event,
            "failureReasonType": self.event.failure_reason_type,
            "failureReason": self.event.failure_reason,
            "successful": self.successful,
            "failed": self.failed,
            "sent": self.sent,
            "rejected": [r.__dict__ for r in self.rejected],
            "writtenElsewhere": list(self.written_elsewhere),
        }
        if self.event.refused_type is not None:
            record["refusedFailureReasonType"] = self.event.refused_type
            record["notes"] = list(self.notes)
        return record
