"""``run_export`` / ``ExportRunner``: one export job, found, started, posted and completed.

    summary = failreason.run_export(pleo, post_entry, configuration=config, recover=True)

The connector gives one function that posts one export item into its accounting system;
the runner does Pleo's workflow around it: the oldest eligible job (one at a time), its
``started`` event (or a clean stop when another worker sent it first), the connector's
pre-export validation, every item's data, the pre-checks, the calls (``concurrency`` at
once, errors the rules call retryable tried again), each outcome reported as it comes, the
job kept alive while calls run long, and the job's event, once. Killed at any point, the
same call with ``recover=True`` finishes the job: items Pleo holds as final are not posted
again, and ``started`` is not sent twice. The posting function must be safe to call again
for an item whose outcome never reached Pleo (look the entry up by its accountingEntryId).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from failreason import _run_flow as steps
from failreason._joblock import JobLockedError
from failreason._pleo import PleoClient
from failreason._pleo_http import PleoError
from failreason._prechecks import ExportConfiguration
from failreason._reports import Report
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
from failreason._run_types import ExportItem, Failed, PostEntry, StopRunError, Validate

MISSING_CONTRA = "MISSING_CONTRA_ACCOUNTS"
CONTRA_REASON = "Contra accounts missing: map the contra accounts in Pleo's accounting settings"


class ExportRunner:
    """Runs one export job at a time through the connector's ``post_entry``; see the module."""

    def __init__(
        self,
        client: PleoClient,
        post_entry: PostEntry,
        *,
        validate: Validate | None = None,
        sleep: Callable[[float], None] | None = None,
        **options: Any,
    ) -> None:
        self.client, self.post_entry, self.validate = client, post_entry, validate
        self.options = RunOptions(**options)
        self.judge = Judge(self.options.engine, self.options.system)
        self._sleep = sleep or client._sleep
        self._ctx = client._ctx
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret

    def run(self) -> RunSummary:
        """Export one job: the one named, or the oldest eligible; see ``RunSummary``."""
        job = self._find()
        if job is None:
            return RunSummary("no_job", message="no export job waits to be exported")
        job_id, status = str(job["id"]), str(job.get("status"))
        if status in FINISHED_JOB:
            return RunSummary("finished_before", job_id, message=f"export job {job_id} is {status}")
        resumed = status == "in_progress"
        if resumed and not self.options.recover:
            return taken(job_id)  # another worker's, unless this run recovers an interrupted one
        if not resumed and not self.client._run(steps.claim(self._ctx, job_id)):
            return taken(job_id)
        log.info("export job %s %s", job_id, "resumed" if resumed else "started")
        try:
            report = self.client.report(job_id, self.judge.engine)
        except JobLockedError:
            return taken(job_id)
        summary = RunSummary("", job_id, resumed=resumed)
        if self._validation_failed(job, report, summary):
            return summary
        try:
            data = self.client._run(steps.export_items(self._ctx, job_id))
        except PleoError as error:
            if error.type.upper() != MISSING_CONTRA:
                raise
            return finish(summary, report.fail("missing_configuration", CONTRA_REASON))
        return self._export(report, summary, data)

    def _find(self) -> Mapping[str, Any] | None:
        if self.options.job_id is not None:
            return self.client.job(self.options.job_id)
        found = steps.eligible_jobs(self._ctx, self.options.statuses(), self.options.company_id)
        return pick_job(self.client._run(found))

    def _validation_failed(
        self, job: Mapping[str, Any], report: Report, summary: RunSummary
    ) -> bool:
        """Run the connector's pre-export validation; on failure, fail the job with its reason."""
        if self.validate is None:
            return False
        try:
            said = self.validate(job)
        except StopRunError:
            raise
        except Exception as error:  # the accounting system's error, whatever its class
            said = Failed(error)
        if not isinstance(said, Failed):
            return False
        result = self.judge.classify(said.error)
        log.warning("pre-export validation failed: %s", result.failure_reason)
        finish(summary, report.fail(result))
        return True

    def _export(
        self, report: Report, summary: RunSummary, data: list[dict[str, Any]]
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
            report.failed_as(
                failure.accounting_entry_id, failure.failure_reason_type, failure.failure_reason
            )
            summary.failures.append(failure)
        log.info(
            "export job %s: %d items, %d final before, %d failed by the pre-checks, %d to post",
            summary.job_id, len(data), summary.already_final, summary.prechecked, len(to_post),
        )  # fmt: skip
        self._post_all(report, summary, to_post)
        return finish(summary, report.complete())

    def _post_all(self, report: Report, summary: RunSummary, items: list[ExportItem]) -> None:
        """Call the connector for every item, ``concurrency`` at once, reporting as they end."""
        waiting = iter(items)
        running: dict[Future[CallResult], str] = {}
        pool = ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="failreason-run")
        try:
            while True:
                while len(running) < self.options.concurrency:
                    item = next(waiting, None)
                    if item is None:
                        break
                    running[pool.submit(self._call, item)] = str(item["accountingEntryId"])
                if not running:
                    return
                done, _ = wait(running, self.options.poll_interval, FIRST_COMPLETED)
                for future in done:
                    del running[future]
                    self._record(report, summary, future.result())
                self._keep_alive(report, running.values())
        except BaseException:
            # Start nothing more; what the accounting system already took is still reported.
            for future in list(running):
                if not future.cancel() and future.exception() is None:
                    self._record(report, summary, future.result())
            report.flush()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _call(self, item: ExportItem) -> CallResult:
        """One item through the connector, tried again while the rules call its error
        retryable and attempts remain."""
        attempt = 0
        while True:
            attempt += 1
            try:
                said = posted_of(self.post_entry(item))
            except StopRunError:
                raise
            except Exception as error:  # the accounting system's error, whatever its class
                said = Failed(error)
            if not isinstance(said, Failed):
                return CallResult(item, attempt, posted=said)
            result = self.judge.classify(said.error)
            if not result.retryable or attempt >= self.options.attempts:
                return CallResult(item, attempt, failure=result)
            delay = self._delay(attempt, said.error)
            log.warning(
                "entry %s: %s (attempt %d of %d); trying again in %.1f s",
                item["accountingEntryId"], result.failure_reason_type, attempt,
                self.options.attempts, delay,
            )  # fmt: skip
            self._sleep(delay)

    def _delay(self, attempt: int, raw: object) -> float:
        policy = self.client.settings.policy
        asked = retry_after(raw)
        if asked is not None:
            return min(asked, policy.max_retry_after)
        return policy.backoff(attempt, self._rng)

    def _record(self, report: Report, summary: RunSummary, done: CallResult) -> None:
        summary.retries += done.attempts - 1
        if done.posted is not None:
            posted = done.posted
            report.succeeded(
                done.entry,
                external_id=posted.external_id,
                external_url=posted.external_url,
                exported_at=posted.exported_at or datetime.now(UTC),
            )
            summary.successful += 1
            return
        assert done.failure is not None  # noqa: S101 - a CallResult holds one or the other
        report.failed(done.entry, done.failure)
        summary.failures.append(
            failure_of(done.entry, done.failure, prechecked=False, attempts=done.attempts)
        )

    def _keep_alive(self, report: Report, running: Any) -> None:
        """When nothing was sent for ``keep_alive_every`` seconds, send: what is queued, or
        one running item restated as in progress."""
        state = report._state
        if self._ctx.clock() - state.last_flush < self.options.keep_alive_every:
            return
        if report.ledger.queued:
            report.flush()
            return
        entry = next(iter(running), None)
        if entry is not None:
            self.client._run(steps.keep_alive(self._ctx, report.ledger.job_id, entry))
            state.last_flush = self._ctx.clock()
            log.info(
                "export job %s kept alive while entry %s is posted", report.ledger.job_id, entry
            )


def run_export(
    client: PleoClient,
    post_entry: PostEntry,
    *,
    validate: Validate | None = None,
    **options: Any,
) -> RunSummary:
    """Export one job through ``post_entry``; ``ExportRunner`` takes the same arguments."""
    return ExportRunner(client, post_entry, validate=validate, **options).run()


__all__ = ["ExportRunner", "RunSummary", "run_export"]
