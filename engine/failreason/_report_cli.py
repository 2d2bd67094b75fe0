"""``failreason report``: item outcomes as JSON Lines in, reported to Pleo, the job completed.

Each line is one item:
    {"accountingEntryId": ..., "status": "successful", "externalId"?, "externalUrl"?, "exportedAt"?}
    {"accountingEntryId": ..., "status": "failed", "error": <raw-error envelope>}
    {"accountingEntryId": ..., "status": "failed", "failureReasonType": ..., "failureReason": ...}
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import httpx

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._exits import (
    INTERRUPTED,
    OK,
    SOME_FAILED,
    debugging,
    described,
    internal_error,
    silence,
)
from failreason._jsonl import BadLine, dumps, json_lines
from failreason._load import load
from failreason._outcome import ReportOutcome
from failreason._pleo import PleoClient, Report
from failreason._pleo_http import PleoError, PleoSettings
from failreason._terminal import escaped_lines

PROGRESS_EVERY = 500  # items between progress lines on stderr


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="report item outcomes (JSON Lines) to Pleo and complete the export job"
    )
    report.add_argument("--job", required=True, metavar="JOB_ID", help="the export job's id")
    report.add_argument("--base-url", help="Pleo's API (default: PLEO_BASE_URL or production)")
    report.add_argument("--no-complete", action="store_true", help="report items only")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--rules", metavar="DIR", help="your rule files, tried before built-ins")
    report.add_argument("--templates", metavar="DIR", help="your templates, found first")
    report.add_argument("input", nargs="?", default="-", metavar="FILE|-")
    report.set_defaults(run=run_report)


@dataclass
class _Progress:
    """How far a run got: what it read, what it queued, what went wrong so far."""

    read: int = 0
    report: Report | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """Items Pleo confirmed from this run."""
        return self.report.ledger.sent_count if self.report is not None else 0


def run_report(args: argparse.Namespace, out: IO[str]) -> int:
    """Report every line; exit 1 when anything could not be reported, 2 when nothing could.

    Ctrl-C stops at once: the summary says how many items Pleo confirmed, exit status 130.
    """
    settings = PleoSettings.from_env(base_url=args.base_url)
    engine = load(args.rules, args.templates)
    progress = _Progress()
    try:
        outcome = _report_all(args, settings, engine, progress)
    except KeyboardInterrupt:
        _write(out, _interrupted(args.format, args.job, progress))
        return INTERRUPTED
    except httpx.HTTPError as exc:  # what the client does not translate: a local misuse
        raise FailreasonError(f"cannot talk to Pleo: {described(exc)}") from exc
    _write(out, _summary(args.format, args.job, progress.read, outcome, progress.problems))
    return SOME_FAILED if progress.problems else OK


def _report_all(
    args: argparse.Namespace, settings: PleoSettings, engine: Engine, progress: _Progress
) -> ReportOutcome | None:
    problems = progress.problems
    with PleoClient(settings=settings) as pleo:
        report = progress.report = pleo.report(args.job, engine)
        for number, item in _items(args.input, problems):
            problem = _add(report, item, engine)
            if problem:
                problems.append(f"line {number}: {problem}")
                continue
            progress.read += 1
            if progress.read % PROGRESS_EVERY == 0:
                print(f"failreason: {progress.read} items queued", file=sys.stderr)
        report.flush()
        outcome = None
        if not args.no_complete:
            try:
                outcome = report.complete()
            except PleoError as exc:
                problems.append(str(exc))
        problems += [
            f"{r.accounting_entry_id}: Pleo refused it ({r.type}: {r.message})"
            for r in report.ledger.rejected.values()
        ]
    return outcome


def _items(name: str, problems: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, item in json_lines(name):
        if isinstance(item, BadLine):
            problems.append(f"line {number}: {item.message}")
        elif not isinstance(item, dict) or not isinstance(item.get("accountingEntryId"), str):
            problems.append(f"line {number}: expected an object with an accountingEntryId")
        else:
            yield number, item


def _add(report: Report, item: dict[str, Any], engine: Engine) -> str | None:
    """Queue one item; why it could not be, or None."""
    try:
        _queue(report, item, engine)
    except (FailreasonError, ValueError, TypeError) as exc:
        return str(exc)
    except Exception as exc:  # a bug in one item must not stop the others being reported
        if debugging():
            raise
        return internal_error(exc)
    return None


def _queue(report: Report, item: dict[str, Any], engine: Engine) -> None:
    entry, status = item["accountingEntryId"], item.get("status")
    if status == "successful":
        _only(item, {"accountingEntryId", "status", "externalId", "externalUrl", "exportedAt"})
        when = item.get("exportedAt")
        report.succeeded(
            entry,
            external_id=item.get("externalId"),
            external_url=item.get("externalUrl"),
            exported_at=datetime.fromisoformat(when) if when else None,
        )
    elif status == "failed" and "error" in item:
        _only(item, {"accountingEntryId", "status", "error"})
        if not isinstance(item["error"], dict):
            raise TypeError("'error' must be a raw-error envelope (a JSON object)")
        report.failed(entry, engine.classify(item["error"]))
    elif status == "failed":
        _only(item, {"accountingEntryId", "status", "failureReasonType", "failureReason"})
        report.failed_as(
            entry, str(item.get("failureReasonType")), str(item.get("failureReason") or "")
        )
    else:
        raise ValueError(f"status must be 'successful' or 'failed', got {status!r}")


def _only(item: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ValueError(f"unknown keys {unknown} for a {item.get('status')} item")


def _summary(
    form: str, job: str, count: int, outcome: ReportOutcome | None, problems: list[str]
) -> str:
    if form == "json":
        record = {"jobId": job, "items": count, "problems": problems, "interrupted": False}
        record["outcome"] = outcome.to_json() if outcome else None
        return dumps(record) + "\n"
    lines = [f"export job {job}: {count} items read"]
    if outcome is not None:
        lines.append(
            f"  {outcome.successful} successful, {outcome.failed} failed, "
            f"{outcome.sent} sent in this run; event: {outcome.event.event}"
        )
    lines += [f"  problem: {problem}" for problem in problems]
    return escaped_lines("\n".join(lines)) + "\n"


def _interrupted(form: str, job: str, progress: _Progress) -> str:
    if form == "json":
        record = {
            "jobId": job,
            "items": progress.read,
            "sent": progress.sent,
            "problems": progress.problems,
            "interrupted": True,
            "outcome": None,
        }
        return dumps(record) + "\n"
    lines = [
        f"export job {job}: interrupted after {progress.read} items read; Pleo confirmed "
        f"{progress.sent} items from this run; the job was not completed",
        "  run the same command again to finish: items Pleo already holds are not sent twice",
        *(f"  problem: {problem}" for problem in progress.problems),
    ]
    return escaped_lines("\n".join(lines)) + "\n"


def _write(out: IO[str], text: str) -> None:
    """Write the summary; a reader gone away (``| head``) does not change the exit status."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        silence(out)
