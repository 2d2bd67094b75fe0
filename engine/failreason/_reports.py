"""``Report`` and ``AsyncReport``: one job's reporting, driven by the sync or async client.

Both run the flows of ``_report_flow`` through their client's loop; they differ only in
whether the caller awaits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from failreason import _report_flow as flows
from failreason._outcome import ReportOutcome, explicit_failure, failed_item, success_update
from failreason._result import Classification
from failreason._wire import ItemUpdate

if TYPE_CHECKING:
    from failreason._pleo import PleoClient
    from failreason._pleo_async import AsyncPleoClient


class _Reporting:
    flush_every = 60.0  # seconds: keeps the job from expiring during long runs

    def __init__(self, state: flows.ReportState, context: flows.Context) -> None:
        self._state, self._ctx, self.ledger = state, context, state.ledger
        self._engine = state.engine

    def _failed(
        self, entry: str, raw_error: object, context: Mapping[str, Any]
    ) -> tuple[flows.Flow[None], Classification]:
        update, result = failed_item(entry, raw_error, self._engine, context)
        return self._queue(update), result

    def _queue(self, update: ItemUpdate) -> flows.Flow[None]:
        return flows.queue(self._ctx, self._state, update, self.flush_every)


class Report(_Reporting):
    """One job's reporting: queue outcomes as they come, then ``complete()`` or ``fail()`` once."""

    def __init__(self, client: PleoClient, state: flows.ReportState) -> None:
        super().__init__(state, client._ctx)
        self._run = client._run

    def succeeded(
        self,
        accounting_entry_id: str,
        *,
        external_id: str | None = None,
        external_url: str | None = None,
        exported_at: datetime | None = None,
    ) -> None:
        update = success_update(accounting_entry_id, external_id, external_url, exported_at)
        self._run(self._queue(update))

    def failed(self, accounting_entry_id: str, raw_error: object, **context: Any) -> Classification:
        """Classify ``raw_error`` (or take a Classification) and queue the failed item."""
        flow, result = self._failed(accounting_entry_id, raw_error, context)
        self._run(flow)
        return result

    def failed_as(self, accounting_entry_id: str, failure_type: str, reason: str) -> None:
        """Queue a failed item with a type and reason you chose (checked against Pleo's)."""
        self._run(self._queue(explicit_failure(accounting_entry_id, failure_type, reason)))

    def flush(self) -> None:
        """Send every queued update now, in batches of at most 100."""
        self._run(flows.flush(self._ctx, self._state))

    def complete(
        self,
        *,
        fail_missing: tuple[str, str] | None = None,
        job_types: Mapping[str, str] | None = None,
    ) -> ReportOutcome:
        """Flush, check every item is final, and post the job's event exactly once."""
        return self._run(flows.complete(self._ctx, self._state, fail_missing, job_types))

    def fail(self, error_or_type: object, reason: str | None = None) -> ReportOutcome:
        """Post ``failed`` for the whole job now, from a raw error (classified by the rules
        and mapped to a job-level type) or a type and reason; items already sent stay."""
        return self._run(flows.fail(self._ctx, self._state, error_or_type, reason))


class AsyncReport(_Reporting):
    """One job's reporting, awaited: queue outcomes as they come, then ``complete()`` once."""

    def __init__(self, client: AsyncPleoClient, state: flows.ReportState) -> None:
        super().__init__(state, client._ctx)
        self._run = client._run

    async def succeeded(
        self,
        accounting_entry_id: str,
        *,
        external_id: str | None = None,
        external_url: str | None = None,
        exported_at: datetime | None = None,
    ) -> None:
        update = success_update(accounting_entry_id, external_id, external_url, exported_at)
        await self._run(self._queue(update))

    async def failed(
        self, accounting_entry_id: str, raw_error: object, **context: Any
    ) -> Classification:
        """Classify ``raw_error`` (or take a Classification) and queue the failed item."""
        flow, result = self._failed(accounting_entry_id, raw_error, context)
        await self._run(flow)
        return result

    async def failed_as(self, accounting_entry_id: str, failure_type: str, reason: str) -> None:
        """Queue a failed item with a type and reason you chose (checked against Pleo's)."""
        await self._run(self._queue(explicit_failure(accounting_entry_id, failure_type, reason)))

    async def flush(self) -> None:
        """Send every queued update now, in batches of at most 100."""
        await self._run(flows.flush(self._ctx, self._state))

    async def complete(
        self,
        *,
        fail_missing: tuple[str, str] | None = None,
        job_types: Mapping[str, str] | None = None,
    ) -> ReportOutcome:
        """Flush, check every item is final, and post the job's event exactly once."""
        return await self._run(flows.complete(self._ctx, self._state, fail_missing, job_types))

    async def fail(self, error_or_type: object, reason: str | None = None) -> ReportOutcome:
        """Post ``failed`` for the whole job now (see ``Report.fail``); items already sent stay."""
        return await self._run(flows.fail(self._ctx, self._state, error_or_type, reason))
