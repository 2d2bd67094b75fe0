"""``failreason run``: the whole export job, with the posting step in any language.

    failreason run --entry-command 'node post-entry.js' --config connector.yaml

The runner (``run_export``) does Pleo's workflow; the connector's program posts one export
item at a time, spoken to over JSON Lines (``_entry_protocol``). Progress goes to stderr, the
summary to stdout (``--format json``: one JSON object).

Exit status: 0 the job completed, or there was nothing to do (no job waiting, another worker
took it, the named job was already finished); 1 the job completed with failed items, or was
failed; 2 the run could not go on (bad usage or configuration, no credentials, Pleo refused
or unreachable, the connector's program broke the protocol): the job, if started, stays in
progress and ``--recover`` finishes it; 130 interrupted (Ctrl-C, or SIGTERM from a
supervisor), after reporting the outcomes of the calls under way.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import IO

from failreason._cli_sources import engine_for, engine_options, settings_of
from failreason._engine import Engine
from failreason._entry_command import EntryCommand
from failreason._exits import CANNOT_RUN, INTERRUPTED, OK, SOME_FAILED
from failreason._pleo import PleoClient
from failreason._pleo_http import PleoError
from failreason._prechecks import ExportConfiguration
from failreason._report_cli import _settings, job_id, pleo_client
from failreason._run_config import read_configuration
from failreason._run_plan import RunSummary
from failreason._run_types import StopRunError
from failreason._runner import run_export
from failreason._terminal import escaped

MAX_WORKERS = 64  # the runner's bound on calls at once
_QUIET_ENDS = ("completed", "no_job", "taken", "finished_before")
_RECOVER = "a job this run started stays in progress: run again with --recover to finish it"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run", help="export one job: find, start, validate, post through your program, report"
    )
    run.add_argument(
        "--entry-command",
        required=True,
        metavar="CMD",
        help="the program that posts one export item (JSON Lines on stdin/stdout)",
    )
    run.add_argument(
        "--workers",
        type=_count(MAX_WORKERS),
        default=1,
        metavar="N",
        help="copies of the program, each posting one item at a time (1)",
    )
    run.add_argument(
        "--entry-timeout",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="seconds the program may take to answer (300)",
    )
    run.add_argument(
        "--validate",
        action="store_true",
        help="ask the program to validate the job first (the validate message)",
    )
    run.add_argument("--job-id", type=job_id, metavar="ID", help="this job, not the oldest waiting")
    run.add_argument("--company-id", metavar="ID", help="only this company's jobs")
    run.add_argument(
        "--recover",
        action="store_true",
        help="also pick up a job left in progress, without sending started again",
    )
    run.add_argument("--system", metavar="ID", help="the accounting system's id, for the rules")
    run.add_argument(
        "--config",
        metavar="FILE",
        help="the connector's configuration for the pre-checks (JSON or YAML)",
    )
    run.add_argument(
        "--attempts",
        type=_count(20),
        default=3,
        metavar="N",
        help="tries per item while the rules call its error retryable (3)",
    )
    run.add_argument(
        "--keep-alive-every",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="seconds without an update before the job is kept alive (300)",
    )
    run.add_argument("--base-url", help="Pleo's API (default: PLEO_BASE_URL or production)")
    run.add_argument("--format", choices=("text", "json"), default="text")
    engine_options(run)
    run.set_defaults(run=run_command)


def _count(most: int) -> argparse._ActionType:
    def whole(text: str) -> int:
        if not text.strip().isdigit() or not 1 <= int(text) <= most:
            raise argparse.ArgumentTypeError(f"{escaped(text[:20])!r} is not from 1 to {most}")
        return int(text)

    return whole


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{escaped(text[:20])!r} is not a number of seconds")
    return value


def run_command(args: argparse.Namespace, out: IO[str]) -> int:
    """Export one job; the summary on ``out``, the exit status from how it ended."""
    configuration = read_configuration(args.config) if args.config else ExportConfiguration()
    engine = engine_for(settings_of(args))  # broken rule files stop here, before Pleo
    settings = _settings(args.base_url, None)
    entry = EntryCommand(
        args.entry_command,
        workers=args.workers,
        timeout=args.entry_timeout,
        validate=args.validate,
    )
    entry.start()  # a program that cannot start: exit 2 (in main) before Pleo is asked
    try:
        with (
            entry,
            _terminate_as_interrupt(),
            _progress_on_stderr(),
            pleo_client(settings) as pleo,
        ):
            summary = _export(args, pleo, entry, configuration, engine)
    except (StopRunError, PleoError) as exc:
        _say(f"failreason: {exc}; {_RECOVER}")
        return CANNOT_RUN
    except KeyboardInterrupt:
        _say(f"failreason: interrupted after reporting the outcomes in hand; {_RECOVER}")
        return INTERRUPTED
    _write(out, summary, args.format)
    return OK if summary.result in _QUIET_ENDS else SOME_FAILED


def _export(
    args: argparse.Namespace,
    pleo: PleoClient,
    entry: EntryCommand,
    configuration: ExportConfiguration,
    engine: Engine,
) -> RunSummary:
    return run_export(
        pleo,
        entry.post_entry,
        validate=entry.validator,
        configuration=configuration,
        job_id=args.job_id,
        company_id=args.company_id,
        recover=args.recover,
        engine=engine,
        system=args.system,
        concurrency=args.workers,
        attempts=args.attempts,
        keep_alive_every=args.keep_alive_every,
        # the runner looks at the clock this often while calls run: well inside the interval
        poll_interval=min(0.5, args.keep_alive_every / 4),
    )


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a supervisor stopping the run) stops it as Ctrl-C does: no new call starts,
    the outcomes of calls under way are reported, and the programs are ended."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler (a test calling main in a thread)
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _progress_on_stderr() -> Iterator[None]:
    """The runner's progress and the client's retries as lines on stderr while it runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("failreason: %(message)s"))
    levels = {"failreason.run": logging.INFO, "failreason.pleo": logging.WARNING}
    before = {}
    for name, level in levels.items():
        logger = logging.getLogger(name)
        before[name] = logger.level
        logger.addHandler(handler)
        logger.setLevel(level)
    try:
        yield
    finally:
        for name in levels:
            logger = logging.getLogger(name)
            logger.removeHandler(handler)
            logger.setLevel(before[name])


def _write(out: IO[str], summary: RunSummary, form: str) -> None:
    if form == "json":
        out.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
        return
    out.write(escaped(_headline(summary)) + "\n")
    event = summary.outcome.event if summary.outcome else None
    if event is not None and event.failure_reason_type is not None:
        out.write(escaped(f"  {event.failure_reason_type}: {event.failure_reason}") + "\n")
    for failure in summary.failures:
        how = "pre-check" if failure.prechecked else f"{failure.attempts} attempt(s)"
        line = (
            f"  {failure.accounting_entry_id}  {failure.failure_reason_type}: "
            f"{failure.failure_reason}  ({how}; rule {failure.rule})"
        )
        out.write(escaped(line) + "\n")


def _headline(summary: RunSummary) -> str:
    if summary.outcome is None:
        return summary.message
    counts = (
        f"{summary.items} items: {summary.successful} posted, {summary.failed} failed "
        f"({summary.prechecked} by the pre-checks), {summary.already_final} final before"
    )
    resumed = ", resumed" if summary.resumed else ""
    retries = f", {summary.retries} retried" if summary.retries else ""
    return f"export job {summary.job_id} {summary.result}{resumed}: {counts}{retries}"


def _say(text: str) -> None:
    print(escaped(text), file=sys.stderr)
