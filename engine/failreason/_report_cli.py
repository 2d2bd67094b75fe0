"""``failreason report``: item outcomes as JSON Lines in, reported to Pleo, the job completed.

The lines are described in ``_report_lines``; what the summary counts, in ``_report_tally``.
Exit 0 when Pleo ends up holding exactly what the input says (also on a rerun, even after the
job was completed), 1 when something is not as the input says or a line was unusable, 2 when
the command could not report at all (bad usage, no credentials, Pleo unreachable at the
start, an expired job), 130 on Ctrl-C.

When Pleo stops taking updates, the lines that follow are still read and checked, and sent
once more at the end; a batch that still cannot be sent is charged to its items.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import httpx

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._exits import INTERRUPTED, OK, SOME_FAILED, debugging, described, internal_error
from failreason._jsonl import BadLine, json_lines
from failreason._load import load
from failreason._pleo import PleoClient, Report
from failreason._pleo_http import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    IncompleteJobError,
    PleoError,
    PleoSettings,
    PleoSettingsError,
)
from failreason._report_lines import ItemLine, check_fail_missing, queue_line, read_item
from failreason._report_summary import summary, write
from failreason._report_tally import Run, line_ranges
from failreason._terminal import escaped
from failreason._vocabulary import (
    FINAL_ITEM_STATUSES,
    FINISHED_JOB_STATUSES,
    ITEM_FAILURE_TYPES,
    JOB_FAILURE_TYPES,
)
from failreason._wire import ExportJob

PROGRESS_EVERY = 500  # items between progress lines on stderr
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SHOWN = 10  # items named in one message
_VARIABLES = (
    ("timeout", "PLEO_TIMEOUT"),
    ("settle_seconds", "PLEO_SETTLE_SECONDS"),
    ("concurrency", "PLEO_CONCURRENCY"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="report item outcomes (JSON Lines) to Pleo and complete the export job"
    )
    report.add_argument(
        "--job", required=True, type=job_id, metavar="JOB_ID", help="the export job's id (a UUID)"
    )
    report.add_argument("--base-url", help="Pleo's API (default: PLEO_BASE_URL or production)")
    report.add_argument(
        "--start", action="store_true", help="post the job's started event first if it is pending"
    )
    report.add_argument(
        "--fail-missing",
        nargs=2,
        metavar=("TYPE", "REASON"),
        help="fail the job's items no line reports, with this failure type and reason",
    )
    failing = report.add_mutually_exclusive_group()
    failing.add_argument(
        "--fail-job",
        nargs=2,
        metavar=("TYPE", "REASON"),
        help="fail the whole job instead of completing it, with this type and reason; the "
        "input's items, if any, are sent first",
    )
    failing.add_argument(
        "--fail-job-error",
        metavar="ENVELOPE",
        help="fail the whole job with a raw error (a JSON envelope), classified by the rules",
    )
    report.add_argument(
        "--concurrency",
        type=concurrency,
        metavar="N",
        help=f"item updates in flight at once (default: PLEO_CONCURRENCY or "
        f"{DEFAULT_CONCURRENCY}; 1 sends one at a time)",
    )
    report.add_argument("--no-complete", action="store_true", help="report items only")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--rules", metavar="DIR", help="your rule files, tried before built-ins")
    report.add_argument("--templates", metavar="DIR", help="your templates, found first")
    report.add_argument("input", nargs="?", metavar="FILE|-", help="default: standard input")
    report.set_defaults(run=run_report)


def job_id(text: str) -> str:
    """An export job id as Pleo gives them: a UUID, so it is safe in a URL path."""
    if not _UUID.fullmatch(text):
        shown = escaped(text if len(text) <= 60 else text[:59] + "…")
        raise argparse.ArgumentTypeError(
            f"{shown!r} is not an export job id: Pleo's job ids are UUIDs, such as "
            "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        )
    return text.lower()


def concurrency(text: str) -> int:
    """``--concurrency``: a whole number of requests, 1 to ``MAX_CONCURRENCY``."""
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(
            f"{escaped(text[:20])!r} is not a number of requests from 1 to {MAX_CONCURRENCY}"
        )
    return int(text)


def pleo_client(settings: PleoSettings) -> PleoClient:
    """The client the command reports with (a seam for tests that must not sleep)."""
    return PleoClient(settings=settings)


def run_report(args: argparse.Namespace, out: IO[str]) -> int:
    """Report every line, then tell what Pleo holds; the exit status follows from that."""
    try:
        fail_missing = check_fail_missing(args.fail_missing)
    except ValueError as exc:
        raise FailreasonError(str(exc)) from None
    if fail_missing and args.no_complete:
        raise FailreasonError("--fail-missing applies when completing the job: drop --no-complete")
    args.job_failure = job_failure_args(args)
    if args.input is None:  # failing a job needs no items; otherwise they come on stdin
        args.input = "" if args.job_failure else "-"
    settings = _settings(args.base_url, args.concurrency)
    engine = load(args.rules, args.templates)
    if args.input not in ("-", ""):
        Path(args.input).open("rb").close()  # unreadable input: say so before touching Pleo
    run = Run(args.job)
    try:
        with pleo_client(settings) as pleo, _retries_told_on_stderr():
            _report(pleo, args, engine, run, fail_missing)
    except KeyboardInterrupt:
        write(out, summary(run, args.format, interrupted=True)[0])
        return INTERRUPTED
    except httpx.HTTPError as exc:  # what the client does not translate: a local misuse
        raise FailreasonError(f"cannot talk to Pleo: {described(exc)}") from exc
    text, problems = summary(run, args.format, interrupted=False)
    write(out, text)
    return SOME_FAILED if problems else OK


@contextlib.contextmanager
def _retries_told_on_stderr() -> Iterator[None]:
    """The client's retry and fallback warnings as lines on stderr while the command runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("failreason: %(message)s"))
    logger = logging.getLogger("failreason.pleo")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.WARNING)  # setLevel, not the attribute: it clears logging's cache
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _settings(base_url: str | None, concurrency: int | None) -> PleoSettings:
    """Settings from the environment; a bad value is named by its variable, not its field."""
    try:
        return PleoSettings.from_env(base_url=base_url, concurrency=concurrency)
    except PleoSettingsError as exc:
        message = str(exc)
        for field_name, variable in _VARIABLES:
            if message.startswith(field_name + " "):
                message = variable + message.removeprefix(field_name)
        raise PleoSettingsError(message) from None


def _report(
    pleo: PleoClient,
    args: argparse.Namespace,
    engine: Engine,
    run: Run,
    fail_missing: tuple[str, str] | None,
) -> None:
    job = _ready(pleo, args)
    if str(job.get("status")) in FINISHED_JOB_STATUSES and not _expired(job):
        _compare_only(pleo, args, engine, run, str(job.get("status")))
        return
    report = run.report = pleo.report(args.job, engine)
    for line in _item_lines(args.input, engine, run):
        _send(report, line, run)
        if run.lines % PROGRESS_EVERY == 0:
            print(f"failreason: {run.lines} lines read", file=sys.stderr)
    drained = _drain(report, run)
    if args.no_complete:
        return
    if args.job_failure:
        _fail(report, run, *args.job_failure)
    elif drained:
        _complete(report, run, fail_missing)
    else:
        run.completion_problem = (
            f"export job {args.job} was not completed, as some items were not sent; run the "
            "same command again to finish: what Pleo holds is not sent twice"
        )


def _ready(pleo: PleoClient, args: argparse.Namespace) -> ExportJob:
    """The job as Pleo holds it; a pending job is started with ``--start``."""
    job = pleo.job(args.job)
    if job.get("status") == "pending":
        if not args.start:
            raise FailreasonError(
                f"export job {args.job} is pending: it was never started; add --start to post "
                "its started event first"
            )
        pleo.start(args.job)
    return job


def _expired(job: ExportJob) -> bool:
    return bool(job.get("expiredAt")) or job.get("failureReasonType") == "job_expired"


def _compare_only(
    pleo: PleoClient, args: argparse.Namespace, engine: Engine, run: Run, status: str
) -> None:
    """A finished job cannot change: compare the input with what Pleo holds, send nothing."""
    run.finished = status
    for line in _item_lines(args.input, engine, run):
        run.intents[line.entry] = line
    run.held = {str(item["accountingEntryId"]): item for item in pleo.items(args.job)}


def _item_lines(name: str, engine: Engine, run: Run) -> Iterator[ItemLine]:
    """Each usable line; the others are charged to their line in ``run``. No name, no lines."""
    if not name:
        return
    for number, value in json_lines(name):
        run.lines += 1
        if isinstance(value, BadLine):
            run.unusable.append((number, value.message))
            continue
        try:
            yield read_item(number, value, engine)
        except (FailreasonError, ValueError, TypeError) as exc:
            run.unusable.append((number, str(exc)))
        except Exception as exc:  # a bug in one item must not stop the others being reported
            if debugging():
                raise
            run.unusable.append((number, internal_error(exc)))


def _send(report: Report, line: ItemLine, run: Run) -> None:
    """Queue one line; a batch Pleo cannot take now is charged to its items, not this line."""
    before = run.intents.get(line.entry)
    run.intents[line.entry] = line  # from here on the input says this about the item
    if run.stalled:
        run.parked.append(line)  # sent once more at the end
        return
    try:
        queue_line(report, line)
    except PleoError as exc:  # the line was queued; the flush it set off failed
        run.stall(report, exc)
        _say_stalled(run)
    except ValueError as exc:
        held: Mapping[str, Any] = report.ledger.in_pleo.get(line.entry) or {}
        if held.get("status") in FINAL_ITEM_STATUSES:
            return  # Pleo holds another final status for it: the tally tells so
        run.unusable.append((line.number, str(exc)))
        if before is None or before is line:
            del run.intents[line.entry]
        else:
            run.intents[line.entry] = before


def _say_stalled(run: Run) -> None:
    stall = run.stalls[-1]
    where = line_ranges(run.intents[e].number for e in stall.entries if e in run.intents)
    print(
        f"failreason: Pleo did not take the items of {where}: {escaped(stall.error)}; "
        "reading on, they are sent again at the end",
        file=sys.stderr,
    )


def _drain(report: Report, run: Run) -> bool:
    """Send what is queued or parked; False when Pleo still does not take it.

    A batch sent alongside the reading that Pleo did not take is told here, at the first
    flush, and is a stall like one told while reading: it is tried once more.
    """
    if not run.stalled:
        try:
            report.flush()
        except PleoError as exc:
            run.stall(report, exc)
            _say_stalled(run)
    if run.stalled:
        try:
            report.flush()
        except PleoError as exc:
            run.stall(report, exc)
            return False
        run.stalled = False
        parked, run.parked = run.parked, []
        for line in parked:
            _send(report, line, run)
    try:
        report.flush()
    except PleoError as exc:
        run.stall(report, exc)
        return False
    return not run.stalled and not run.parked


def job_failure_args(args: argparse.Namespace) -> tuple[object, str | None] | None:
    """``--fail-job TYPE REASON`` or ``--fail-job-error ENVELOPE``, checked before Pleo is."""
    if args.fail_job is None and args.fail_job_error is None:
        return None
    if args.fail_missing or args.no_complete:
        raise FailreasonError(
            "--fail-job fails the job instead of completing it: drop --fail-missing and "
            "--no-complete"
        )
    if args.fail_job_error is not None:
        try:
            envelope = json.loads(args.fail_job_error)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            raise FailreasonError(
                "--fail-job-error takes one raw-error envelope as JSON, such as "
                '\'{"system": "xero", "status": 503}\''
            )
        return envelope, None
    failure_type, reason = args.fail_job
    if failure_type not in (*JOB_FAILURE_TYPES, *ITEM_FAILURE_TYPES):
        raise FailreasonError(
            f"--fail-job: {escaped(failure_type)!r} is not a failureReasonType; use a "
            f"job-level one: {', '.join(JOB_FAILURE_TYPES)}"
        )
    if not reason.strip():
        raise FailreasonError("--fail-job: give a reason the bookkeeper can act on")
    return failure_type, reason


def _fail(report: Report, run: Run, error_or_type: object, reason: str | None) -> None:
    try:
        run.outcome = report.fail(error_or_type, reason)
    except PleoError as exc:
        if report.ledger.queued:
            run.stall(report, exc)
        run.completion_problem = (
            f"export job {run.job_id} was not failed: {exc}; run the same command again"
        )


def _complete(report: Report, run: Run, fail_missing: tuple[str, str] | None) -> None:
    try:
        run.outcome = report.complete(fail_missing=fail_missing)
    except IncompleteJobError as exc:
        shown = ", ".join(exc.missing[:_SHOWN]) + (" …" if len(exc.missing) > _SHOWN else "")
        count = len(exc.missing)
        run.completion_problem = (
            f"export job {run.job_id} was not completed: {count} of its items "
            f"{'has' if count == 1 else 'have'} no final status ({shown}); add lines for "
            "them, or add --fail-missing TYPE REASON to fail them"
        )
    except PleoError as exc:
        if report.ledger.queued:
            run.stall(report, exc)
        run.completion_problem = (
            f"export job {run.job_id} was not completed: {exc}; run the same command again "
            "to finish"
        )
