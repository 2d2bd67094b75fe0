"""``failreason report``: item outcomes as JSON Lines in, reported to Pleo, the job completed.

Each line is one item:
    {"accountingEntryId": ..., "status": "successful", "externalId"?, "externalUrl"?, "exportedAt"?}
    {"accountingEntryId": ..., "status": "failed", "error": <raw-error envelope>}
    {"accountingEntryId": ..., "status": "failed", "failureReasonType": ..., "failureReason": ...}
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from failreason._engine import Engine
from failreason._errors import FailreasonError
from failreason._jsonl import lines
from failreason._load import load
from failreason._outcome import ReportOutcome
from failreason._pleo import PleoClient, Report
from failreason._pleo_http import PleoError, PleoSettings

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


def run_report(args: argparse.Namespace, out: IO[str]) -> int:
    """Report every line; exit 1 when anything could not be reported, 2 when nothing could."""
    settings = PleoSettings.from_env(base_url=args.base_url)
    engine = load(args.rules, args.templates)
    problems: list[str] = []
    with PleoClient(settings=settings) as pleo:
        report = pleo.report(args.job, engine)
        count = 0
        for number, item in _items(args.input, problems):
            try:
                _add(report, item, engine)
            except (FailreasonError, ValueError, TypeError) as exc:
                problems.append(f"line {number}: {exc}")
                continue
            count += 1
            if count % PROGRESS_EVERY == 0:
                print(f"failreason: {count} items queued", file=sys.stderr)
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
    _summary(out, args.format, args.job, count, outcome, problems)
    return 1 if problems else 0


def _items(name: str, problems: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in lines(name):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("accountingEntryId"), str):
            problems.append(f"line {number}: expected an object with an accountingEntryId")
            continue
        yield number, item


def _add(report: Report, item: dict[str, Any], engine: Engine) -> None:
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
    out: IO[str],
    form: str,
    job: str,
    count: int,
    outcome: ReportOutcome | None,
    problems: list[str],
) -> None:
    if form == "json":
        record = {"jobId": job, "items": count, "problems": problems}
        record["outcome"] = outcome.to_json() if outcome else None
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    out.write(f"export job {job}: {count} items read\n")
    if outcome is not None:
        out.write(
            f"  {outcome.successful} successful, {outcome.failed} failed, "
            f"{outcome.sent} sent in this run; event: {outcome.event.event}\n"
        )
    for problem in problems:
        out.write(f"  problem: {problem}\n")
