"""``run_export_async`` / ``AsyncExportRunner``: ``ExportRunner``, awaited.

The same decisions (``_run_plan``) and the same Pleo flows (``_run_flow``), driven by the
async client; the connector's function may be a coroutine function, or a plain function,
which then runs in a worker thread so it cannot stall the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from failreason import _run_flow as steps
from failreason._joblock import JobLockedError
from failreason._outcome import ReportOutcome
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoError
from failreason._prechecks import ExportConfiguration
from failreason._reports import AsyncReport
from failreason._run_plan import (
    FINISHED_JOB,
    CallResult,
    Judge,
    RunOptions,
    RunSummary,
    failure_of,
    finish,
    log,
    pick_job,
    posted_of,
    retry_after,
    taken,
    work_to_do,
)
from failreason._run_types import ExportItem, Failed, PostResult, StopRunError
from failreason._runner import CONTRA_REASON, MISSING_CONTRA

AnyPost = Callable[[ExportItem], Awaitable[PostResult] | PostResult]
AnyValidate = Callable[[Mapping[str, Any]], Awaitable[Failed | None] | Failed | None]


class AsyncExportRunner:
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
        self.client, self.post_entry, self.validate = client, post_entry, validate
        self.options = RunOptions(**options)
        self.judge = Judge(self.options.engine, self.options.system)
        self._sleep = sleep or client._sleep
        self._ctx = client._ctx
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret

    async def run(self) -> RunSummary:
        """Export one job: the one named, or the oldest eligible; see ``RunSummary``."""
        job = await self._find()
        if job is None:
            return RunSummary("no_job", message="no export job waits to be exported")
        job_id, status = str(job["id"]), str(job.get("status"))
        if status in FINISHED_JOB:
            return RunSummary("finished_before", job_id, message=f"export job {job_id} is {status}")
        resumed = status == "in_progress"
        if resumed and not self.options.recover:
            return taken(job_id)  # another worker's, unless this run recovers an interrupted one
        if not resumed and not await self.client._run(steps.claim(self._ctx, job_id)):
            return taken(job_id)
        log.info("export job %s %s", job_id, "resumed" if resumed else "started")
        try:
            report = await self.client.report(job_id, self.judge.engine)
        except JobLockedError:
            return taken(job_id)
        summary = RunSummary("", job_id, resumed=resumed)
        if await self._validation_failed(job, report):
            return finish(summary, await self._fail_validation(report))
        try:
            data = await self.client._run(steps.export_items(self._ctx, job_id))
        except PleoError as error:
            if error.type.upper() != MISSING_CONTRA:
                raise
            return finish(summary, await report.fail("missing_configuration", CONTRA_REASON))
        return await self._export(report, summary, data)

    async def _find(self) -> Mapping[str, Any] | None:
        if self.options.job_id is not None:
            return await self.client.job(self.options.job_id)
        found = steps.eligible_jobs(self._ctx, self.options.statuses(), self.options.company_id)
        return pick_job(await self.client._run(found))

    async def _validation_failed(self, job: Mapping[str, Any], report: AsyncReport) -> bool:
        if self.validate is None:
            return False
        try:
            said = await _maybe_awaited(self.validate(job))
        except StopRunError:
            raise
        except Exception as error:  # the accounting system's error, whatever its class
            said = Failed(error)
        self._validation = said
        return isinstance(said, Failed)

    async def _fail_validation(self, report: AsyncReport) -> ReportOutcome:
        said = cast(Failed, self._validation)
        result = self.judge.classify(said.error)
        log.warning("pre-export validation failed: %s", result.failure_reason)
        return await report.fail(result)

    async def _export(
        self, report: AsyncReport, summary: RunSummary, data: list[dict[str, Any]]
    ) -> RunSummary:
        todo, summary.already_final = work_to_do(data, report.ledger.in_pleo)
        summary.items = len(data)
        configuration = self.options.configuration or ExportConfiguration()
        to_post: list[ExportItem] = []
        for item in todo:
            failure = self.judge.precheck(item, configuration)
            if failure is None:
                to_post.append(item)
                continue
            entry, kind, reason = (
                failure.accounting_entry_id,
                failure.failure_reason_type,
                failure.failure_reason,
            )
            await report.failed_as(entry, kind, reason)
            summary.failures.append(failure)
        await self._post_all(report, summary, to_post)
        return finish(summary, await report.complete())

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
                done_task = (await asyncio.wait({task}))[0].pop()
                if not done_task.cancelled() and done_task.exception() is None:
                    await self._record(report, summary, done_task.result())
            await report.flush()
            raise

    async def _call(self, item: ExportItem) -> CallResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                said = posted_of(await self._post(item))
            except StopRunError:
                raise
            except Exception as error:  # the accounting system's error, whatever its class
                said = Failed(error)
            if not isinstance(said, Failed):
                return CallResult(item, attempt, posted=said)
            result = self.judge.classify(said.error)
            if not result.retryable or attempt >= self.options.attempts:
                return CallResult(item, attempt, failure=result)
            policy = self.client.settings.policy
            asked = retry_after(said.error)
            delay = (
                min(asked, policy.max_retry_after)
                if asked is not None
                else policy.backoff(attempt, self._rng)
            )
            log.warning(
                "entry %s: %s (attempt %d of %d); trying again in %.1f s",
                item["accountingEntryId"], result.failure_reason_type, attempt,
                self.options.attempts, delay,
            )  # fmt: skip
            await self._sleep(delay)

    async def _post(self, item: ExportItem) -> object:
        if inspect.iscoroutinefunction(self.post_entry):
            return await self.post_entry(item)
        return await _maybe_awaited(await asyncio.to_thread(self.post_entry, item))

    async def _record(self, report: AsyncReport, summary: RunSummary, done: CallResult) -> None:
        summary.retries += done.attempts - 1
        if done.posted is not None:
            posted = done.posted
            await report.succeeded(
                done.entry,
                external_id=posted.external_id,
                external_url=posted.external_url,
                exported_at=posted.exported_at or datetime.now(UTC),
            )
            summary.successful += 1
            return
        assert done.failure is not None  # noqa: S101 - a CallResult holds one or the other
        await report.failed(done.entry, done.failure)
        failure = failure_of(done.entry, done.failure, prechecked=False, attempts=done.attempts)
        summary.failures.append(failure)

    async def _keep_alive(self, report: AsyncReport, running: Iterable[str]) -> None:
        state = report._state
        if self._ctx.clock() - state.last_flush < self.options.keep_alive_every:
            return
        if report.ledger.queued:
            await report.flush()
            return
        entry = next(iter(running), None)
        if entry is not None:
            await self.client._run(steps.keep_alive(self._ctx, report.ledger.job_id, entry))
            state.last_flush = self._ctx.clock()


async def _maybe_awaited(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def run_export_async(
    client: AsyncPleoClient,
    post_entry: AnyPost,
    *,
    validate: AnyValidate | None = None,
    **options: Any,
) -> RunSummary:
    """``run_export``, awaited; ``AsyncExportRunner`` takes the same arguments."""
    return await AsyncExportRunner(client, post_entry, validate=validate, **options).run()
