"""What ``ExportRunner`` and ``AsyncExportRunner`` share: every decision that needs no I/O.

A runner asks this base whether a job is for it, which items to post and which the
pre-checks fail, what a call of the connector came to (or how long to wait before trying
again), what the summary says, and whether the job needs keeping alive; it only does the
talking, with or without ``await``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from failreason._pleo_http import PleoError, PleoSettings
from failreason._prechecks import ExportConfiguration
from failreason._protocol import Context
from failreason._report_flow import ReportState
from failreason._result import Classification
from failreason._run_plan import (
    FINISHED_JOB,
    CallResult,
    ItemFailure,
    Judge,
    RunOptions,
    RunSummary,
    failure_of,
    log,
    posted_of,
    retry_after,
    taken,
    work_to_do,
)
from failreason._run_types import ExportItem, Failed, Posted, StopRunError

MISSING_CONTRA = "MISSING_CONTRA_ACCOUNTS"
CONTRA_REASON = "Contra accounts missing: map the contra accounts in Pleo's accounting settings"


class RunnerBase:
    """Options, the judge, and the decisions both runners take alike."""

    def __init__(self, settings: PleoSettings, context: Context, options: Mapping[str, Any]):
        self.options = RunOptions(**options)
        self.judge = Judge(self.options.engine, self.options.system)
        self._policy = settings.policy
        self._ctx = context
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret

    def _not_ours(self, job: Mapping[str, Any]) -> RunSummary | None:
        """The summary for a job this run leaves alone (finished, or another worker's)."""
        job_id, status = str(job["id"]), str(job.get("status"))
        if status in FINISHED_JOB:
            return RunSummary("finished_before", job_id, message=f"export job {job_id} is {status}")
        if status == "in_progress" and not self.options.recover:
            return taken(job_id)  # another worker's, unless this run recovers an interrupted one
        return None

    def _validation_failure(self, said: object) -> Classification | None:
        """What pre-export validation said, classified when it failed the job."""
        if not isinstance(said, Failed):
            return None
        result = self.judge.classify(said.error)
        log.warning("pre-export validation failed: %s", result.failure_reason)
        return result

    @staticmethod
    def _missing_contra(error: PleoError) -> bool:
        """Pleo refused the export items because the contra accounts are not mapped."""
        return error.type.upper() == MISSING_CONTRA

    def _plan(
        self, summary: RunSummary, data: Sequence[Mapping[str, Any]], held: Mapping[str, Any]
    ) -> tuple[list[ExportItem], list[ItemFailure]]:
        """The items to post, and those the pre-checks fail (already in the summary)."""
        todo, summary.already_final = work_to_do(data, held)
        summary.items = len(data)
        configuration = self.options.configuration or ExportConfiguration()
        to_post: list[ExportItem] = []
        failed: list[ItemFailure] = []
        for item in todo:
            failure = self.judge.precheck(item, configuration)
            if failure is None:
                to_post.append(item)
            else:
                failed.append(failure)
        summary.failures.extend(failed)
        log.info(
            "export job %s: %d items, %d final before, %d failed by the pre-checks, %d to post",
            summary.job_id, len(data), summary.already_final, len(failed), len(to_post),
        )  # fmt: skip
        return to_post, failed

    @staticmethod
    def _caught(call: Callable[[], object]) -> object:
        """What the connector's function returned, or ``Failed`` with what it raised (the
        accounting system's error, whatever its class); ``StopRunError`` goes through."""
        try:
            return call()
        except StopRunError:
            raise
        except Exception as error:  # the accounting system's error, whatever its class
            return Failed(error)

    def _verdict(self, item: ExportItem, attempt: int, returned: object) -> CallResult | float:
        """The call's result, or the seconds to wait before trying the item again."""
        said = posted_of(returned)
        if isinstance(said, Posted):
            return CallResult(item, attempt, posted=said)
        result = self.judge.classify(said.error)
        if not result.retryable or attempt >= self.options.attempts:
            return CallResult(item, attempt, failure=result)
        asked = retry_after(said.error)
        delay = (
            min(asked, self._policy.max_retry_after)
            if asked is not None
            else self._policy.backoff(attempt, self._rng)
        )
        log.warning(
            "entry %s: %s (attempt %d of %d); trying again in %.1f s",
            item["accountingEntryId"], result.failure_reason_type, attempt,
            self.options.attempts, delay,
        )  # fmt: skip
        return delay

    @staticmethod
    def _tally(summary: RunSummary, done: CallResult) -> dict[str, Any] | Classification:
        """Count the result; the ``succeeded`` arguments, or the classification to report."""
        summary.retries += done.attempts - 1
        if done.posted is None:
            assert done.failure is not None  # noqa: S101 - a CallResult holds one or the other
            summary.failures.append(
                failure_of(done.entry, done.failure, prechecked=False, attempts=done.attempts)
            )
            return done.failure
        summary.successful += 1
        posted = done.posted
        return {
            "external_id": posted.external_id,
            "external_url": posted.external_url,
            "exported_at": posted.exported_at or datetime.now(UTC),
        }

    def _keep_alive_due(self, state: ReportState, running: Iterable[str]) -> str | bool:
        """Nothing was sent for ``keep_alive_every`` seconds: True to flush what is queued,
        or the entry to restate as in progress; False when nothing is due."""
        if self._ctx.clock() - state.last_flush < self.options.keep_alive_every:
            return False
        if state.ledger.queued:
            return True
        return next(iter(running), False)

    def _kept_alive(self, state: ReportState, entry: str) -> None:
        state.last_flush = self._ctx.clock()
        log.info("export job %s kept alive while entry %s is posted", state.ledger.job_id, entry)
