"""``run_export_async`` / ``AsyncExportRunner``: ``ExportRunner``, awaited.

The same decisions (``_run_plan``) and the same Pleo flows (``_run_flow``), driven by the
async client; the connector's function may be a coroutine function, or a plain function,
which then runs in a worker thread so it cannot stall the loop.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from failreason import _run_flow as steps
from failreason._joblock import JobLockedError
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoError
from failreason._reports import AsyncReport
from failreason._run_base import CONTRA_REASON, RunnerBase
from failreason._run_plan import CallResult, RunSummary, finish, log, no_job, pick_job, taken
from failreason._run_types import ExportItem, Failed, PostResult, StopRunError

AnyPost = Callable[[ExportItem], Awaitable[PostResult] | PostResult]
AnyValidate = Callable[[Mapping[str, Any]], Awaitable[Failed | None] | Failed | None]


class AsyncExportRunner(RunnerBase):
    """Runs one export job at a time through the connector's ``post_entry``, awaited."""

    def __init__(
        self,
        client: AsyncPleoClient,
        post_entry: AnyPost,
        *,
        validate: AnyValidate | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(client.settings, client._ctx, options)
        self.client, self.post_entry, self.validate = client, post_entry, validate
        self._sleep = sleep or client._sleep

    async def run(self) -> RunSummary:
        """Export one job: the one named, or the oldest eligible; see ``RunSummary``."""
        job = await self._find()
        if job is None:
            return no_job()
        left = self._not_ours(job)
        if left is not None:
            return left
        job_id = str(job["id"])
        resumed = job.get("status") == "in_progress"
        if not resumed and not await self.client._run(steps.claim(self._ctx, job_id)):
            return taken(job_id)
        log.info("export job %s %s", job_id, "resumed" if resumed else "started")
        try:
            report = await self.client.report(job_id, self.judge.engine)
        except JobLockedError:
            return taken(job_id)
        summary = RunSummary("", job_id, resumed=resumed)
        failure = self._validation_failure(await self._validated(job))
        if failure is not None:
            return finish(summary, await report.fail(failure))
        try:
            data = await self.client._run(steps.export_items(self._ctx, job_id))
        except PleoError as error:
            if not self._missing_contra(error):
                raise
            return finish(summary, await report.fail("missing_configuration", CONTRA_REASON))
        to_post, prechecked = self._plan(summary, data, report.ledger.in_pleo)
        for item in prechecked:
            entry, kind, reason = (
                item.accounting_entry_id,
                item.failure_reason_type,
                item.failure_reason,
            )
            await report.failed_as(entry, kind, reason)
        await self._post_all(report, summary, to_post)
        return finish(summary, await report.complete())

    async def _find(self) -> Mapping[str, Any] | None:
        if self.options.job_id is not None:
            return await self.client.job(self.options.job_id)
        found = steps.eligible_jobs(self._ctx, self.options.statuses(), self.options.company_id)
        return pick_job(await self.client._run(found))

    async def _validated(self, job: Mapping[str, Any]) -> object:
        """The connector's pre-export validation: None, or its ``Failed``."""
        if self.validate is None:
            return None
        validate = self.validate
        return await _caught(lambda: validate(job))

    async def _post_all(
        self, report: AsyncReport, summary: RunSummary, items: list[ExportItem]
    ) -> None:
        waiting = iter(items)
        running: dict[asyncio.Task[CallResult], str] = {}
        try:
            while True:
                while len(running) < self.options.concurrency:
                    item = next(waiting, None)
                    if item is None:
                        break
                    task = asyncio.ensure_future(self._call(item))
                    running[task] = str(item["accountingEntryId"])
                if not running:
                    return
                done, _ = await asyncio.wait(
                    running, timeout=self.options.poll_interval, return_when="FIRST_COMPLETED"
                )
                for task in done:
                    del running[task]
                    await self._record(report, summary, task.result())
                await self._keep_alive(report, running.values())
        except BaseException:
            # Start nothing more; what the accounting system already took is still reported.
            for task in running:
                finished = (await asyncio.wait({task}))[0].pop()
                if not finished.cancelled() and finished.exception() is None:
                    await self._record(report, summary, finished.result())
            await report.flush()
            raise

    async def _call(self, item: ExportItem) -> CallResult:
        attempt = 0
        while True:
            attempt += 1
            verdict = self._verdict(item, attempt, await _caught(lambda: self._post(item)))
            if isinstance(verdict, CallResult):
                return verdict
            await self._sleep(verdict)

    def _post(self, item: ExportItem) -> Awaitable[Any]:
        """A coroutine function is awaited; a plain function runs in a worker thread, so it
        cannot stall the loop."""
        if inspect.iscoroutinefunction(self.post_entry):
            return self.post_entry(item)
        return asyncio.to_thread(self.post_entry, item)

    async def _record(self, report: AsyncReport, summary: RunSummary, done: CallResult) -> None:
        told = self._tally(summary, done)
        if isinstance(told, dict):
            await report.succeeded(done.entry, **told)
        else:
            await report.failed(done.entry, told)

    async def _keep_alive(self, report: AsyncReport, running: Iterable[str]) -> None:
        due = self._keep_alive_due(report._state, running)
        if due is True:
            await report.flush()
        elif isinstance(due, str):
            await self.client._run(steps.keep_alive(self._ctx, report.ledger.job_id, due))
            self._kept_alive(report._state, due)


async def _caught(call: Callable[[], object]) -> object:
    """``RunnerBase._caught`` for a function whose result may be awaited."""
    try:
        value = call()
        return await value if inspect.isawaitable(value) else value
    except StopRunError:
        raise
    except Exception as error:  # the accounting system's error, whatever its class
        return Failed(error)


async def run_export_async(
    client: AsyncPleoClient,
    post_entry: AnyPost,
    *,
    validate: AnyValidate | None = None,
    **options: Any,
) -> RunSummary:
    """``run_export``, awaited; ``AsyncExportRunner`` takes the same arguments."""
    return await AsyncExportRunner(client, post_entry, validate=validate, **options).run()
