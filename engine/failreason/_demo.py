"""``failreason demo``: a connector's whole report against an in-process sandbox Pleo.

It starts the sandbox, creates and starts a job, plays a connector whose entries succeed or
fail with real accounting-system errors (the built-in rules' own examples, from several
systems), reports them through the client over HTTP, completes the job, and prints what Pleo
now holds: each item's status, type and reason, and the job's event.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from typing import IO, Any

from failreason._engine import Engine
from failreason._jsonl import dumps, use_utf8
from failreason._load import load
from failreason._pleo import PleoClient
from failreason._pleo_http import PleoSettings
from failreason._policy import RetryPolicy
from failreason._sandbox import MAX_JOB_ITEMS, Sandbox
from failreason._sandbox_cli import fault_spec, whole_number
from failreason._sandbox_faults import FaultPlan
from failreason._terminal import escaped_lines

DEFAULT_FAULTS = "429=0.1,503=0.1,drop=0.05,lost=0.05"
TOKEN = "sandbox"  # noqa: S105 - the in-process sandbox's loopback token


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="report a job's items to an in-process sandbox Pleo and show the result"
    )
    demo.add_argument(
        "--items",
        type=whole_number(1, MAX_JOB_ITEMS),
        default=12,
        help="entries in the job (default 12)",
    )
    demo.add_argument(
        "--faults",
        type=fault_spec,
        default=FaultPlan.parse(DEFAULT_FAULTS),
        metavar="SPEC",
        help=f'sandbox faults to ride out (default "{DEFAULT_FAULTS}")',
    )
    demo.add_argument("--seed", type=int, default=7, help="seed of the fault schedule")
    demo.add_argument("--format", choices=("text", "json"), default="text")
    demo.set_defaults(run=run_demo)


# The failure types the demo shows, in turn: what a bookkeeper can fix, then the rest.
SHOWN_TYPES = (
    "vendor_unknown",
    "invalid_configuration",
    "missing_configuration",
    "accounting_system_validation_failure",
    "accounting_system_authentication_failure",
    "accounting_system_rate_limit",
)


def failing_samples(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    """Real errors from the system packs' examples, one system after another, types in turn."""
    by_system: dict[str, dict[str, dict[str, Any]]] = {}
    for rule in engine.rules:
        for system in sorted(rule.systems):
            if rule.examples and rule.type in SHOWN_TYPES:
                by_system.setdefault(system, {}).setdefault(rule.type, dict(rule.examples[0].input))
    samples = []
    for turn, (system, by_type) in enumerate(sorted(by_system.items())):
        wanted = SHOWN_TYPES[turn % len(SHOWN_TYPES)]
        chosen = by_type.get(wanted) or next(by_type[t] for t in SHOWN_TYPES if t in by_type)
        samples.append((system, chosen))
    return samples


def run_demo(args: argparse.Namespace, out: IO[str]) -> int:
    engine = load()
    samples = failing_samples(engine)
    plan = replace(args.faults, seed=args.seed, slow_seconds=0.05)
    policy = RetryPolicy(base_delay=0.05, max_delay=0.5, max_retry_after=2.0)
    with Sandbox(token=TOKEN, faults=plan) as sandbox:
        job_id, entries = sandbox.create_job(args.items)
        settings = PleoSettings(token=TOKEN, base_url=sandbox.base_url, policy=policy)
        sources: dict[str, str] = {}
        with PleoClient(settings=settings) as pleo:
            report = pleo.report(job_id, engine)
            for index, entry in enumerate(entries):
                if index % 3 == 2:
                    label, raw = samples[(index // 3) % len(samples)]
                    report.failed(entry, raw)
                    sources[entry] = label
                else:
                    report.succeeded(
                        entry,
                        external_id=f"JE-{10450 + index}",
                        external_url=f"https://erp.example.com/journal/JE-{10450 + index}",
                        exported_at=datetime.now(UTC),
                    )
            outcome = report.complete()
            job = pleo.job(job_id)  # read back as a connector would see it
        items = [item.to_json() for item in sandbox.items(job_id)]
        faults = [record.fault for record in sandbox.log if record.fault]
    summary = {
        "jobId": job_id,
        "job": job,
        "items": [{**item, "source": sources.get(item["accountingEntryId"])} for item in items],
        "outcome": outcome.to_json(),
        "faultsRiddenOut": len(faults),
    }
    if args.format == "json":
        use_utf8(out)
        out.write(dumps(summary, indent=2) + "\n")
    else:
        out.write(escaped_lines(_text(summary)))
    return 0


def _text(summary: dict[str, Any]) -> str:
    lines = [f"export job {summary['jobId']}: {len(summary['items'])} items"]
    for item in summary["items"]:
        entry = item["accountingEntryId"][:8]
        if item["status"] == "successful":
            lines.append(f"  {entry}  successful  {item.get('externalId') or ''}")
        else:
            where = f"[{item['source']}] " if item.get("source") else ""
            lines.append(f"  {entry}  failed      {item['failureReasonType']}")
            lines.append(f"            {where}{item['failureReason']}")
    outcome = summary["outcome"]
    lines.append(
        f"job event: {outcome['event']} (Pleo shows the job as {summary['job']['status']})"
    )
    if outcome.get("failureReason"):
        lines.append(f"  {outcome['failureReasonType']}: {outcome['failureReason']}")
    lines.append(f"faults ridden out on the way: {summary['faultsRiddenOut']}")
    return "\n".join(lines) + "\n"
