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

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from failreason import _run_flow as steps
from failreason._joblock import JobLockedError
from failreason._pleo import PleoClient
from failreason._pleo_http import PleoError
from failreason._reports import Report
from failreason._run_base import CONTRA_REASON, RunnerBase
from failreason._run_plan import CallResult, RunSummary, finish, log, no_job, pick_job, taken
from failreason._run_types import ExportItem, PostEntry, Validate

__all__ = ["ExportRunner", "RunSummary", "run_export"]


class ExportRunner(RunnerBase):
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
        super().__init__(client.settings, client._ctx, options)
        self.client, self.post_entry, self.validate = client, post_entry, validate
        self._sleep = sleep or client._sleep

    def run(self) -> RunSummary:
        """Export one job: the one named, or the oldest eligible; see ``RunSummary``."""
        job = self._find()
        if job is None:
            return no_job()
        left = self._not_ours(job)
        if left is not None:
            return left
        job_id = str(job["id"])
        resumed = job.get("status") == "in_progress"
        if not resumed and not self.client._run(steps.claim(self._ctx, job_id)):
            return taken(job_id)
        log.info("export job %s %s", job_id, "resumed" if resumed else "started")
        try:
            report = self.client.report(job_id, self.judge.engine)
        except JobLockedError:
            return taken(job_id)
        summary = RunSummary("", job_id, resumed=resumed)
        failure = self._validation_failure(self._validated(job))
        if failure is not None:
            return finish(summary, report.fail(failure))
        try:
            data = self.client._run(steps.export_items(self._ctx, job_id))
        except PleoError as error:
            if not self._missing_contra(error):
                raise
            return finish(summary, report.fail("missing_configuration", CONTRA_REASON))
        to_post, prechecked = self._plan(summary, data, report.ledger.in_pleo)
        for item in prechecked:
            entry, kind, reason = (
                item.accounting_entry_id,
                item.failure_reason_type,
                item.failure_reason,
            )
            report.failed_as(entry, kind, reason)
        self._post_all(report, summary, to_post)
        return finish(summary, report.complete())

    def _find(self) -> Mapping[str, Any] | None:
        if self.options.job_id is not None:
            return self.client.job(self.options.job_id)
        found = steps.eligible_jobs(self._ctx, self.options.statuses(), self.options.company_id)
        return pick_job(self.client._run(found))

    def _validated(self, job: Mapping[str, Any]) -> object:
        """The connector's pre-export validation: None, or its ``Failed``."""
        if self.validate is None:
            return None
        validate = self.validate
        return self._caught(lambda: validate(job))

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
            verdict = self._verdict(item, attempt, self._caught(lambda: self.post_entry(item)))
            if isinstance(verdict, CallResult):
                return verdict
            self._sleep(verdict)

    def _record(self, report: Report, summary: RunSummary, done: CallResult) -> None:
        told = self._tally(summary, done)
        if isinstance(told, dict):
            report.succeeded(done.entry, **told)
        else:
            report.failed(done.entry, told)

    def _keep_alive(self, report: Report, running: Iterable[str]) -> None:
        """Send something when nothing was sent for ``keep_alive_every`` seconds."""
        due = self._keep_alive_due(report._state, running)
        if due is True:
            report.flush()
        elif isinstance(due, str):
            self.client._run(steps.keep_alive(self._ctx, report.ledger.job_id, due))
            self._kept_alive(report._state, due)


def run_export(
    client: PleoClient,
    post_entry: PostEntry,
    *,
    validate: Validate | None = None,
    **options: Any,
) -> RunSummary:
    """Export one job through ``post_entry``; ``ExportRunner`` takes the same arguments."""
    return ExportRunner(client, post_entry, validate=validate, **options).run()
