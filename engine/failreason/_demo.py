"""``failreason demo``: a connector's whole export job, run on this machine.

It starts the sandbox Pleo with a pending job of realistic export items and a fake
accounting system, and runs the export runner between them: the runner starts the job,
validates, reads the items, fails the ones without a GL account by the pre-checks, posts the
rest through the fake (which refuses some entries with real errors from several systems'
examples, rate-limits one and answers one too late), classifies, reports and completes the
job. It prints each item's status, and for a handful of items the accounting system's raw
error next to the reason Pleo received.
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
import uuid
from dataclasses import replace
from typing import IO, Any

from failreason._engine import Engine
from failreason._fake_accounting import Answer, FakeAccountingSystem, Outcome, RateLimit, Slow
from failreason._jsonl import dumps, use_utf8
from failreason._load import load
from failreason._pleo import PleoClient
from failreason._pleo_http import PleoSettings
from failreason._policy import RetryPolicy
from failreason._prechecks import ExportConfiguration
from failreason._run_types import ExportItem
from failreason._runner import run_export
from failreason._sandbox import MAX_JOB_ITEMS, Sandbox
from failreason._sandbox_cli import fault_spec, whole_number
from failreason._sandbox_export_items import export_item
from failreason._sandbox_faults import FaultPlan
from failreason._terminal import escaped_lines

DEFAULT_FAULTS = "429=0.1,503=0.1,drop=0.05,lost=0.05"
TOKEN = "sandbox"  # noqa: S105 - the in-process sandbox's loopback token
POST_TIMEOUT = 1.0  # seconds the connector waits for the accounting system's answer
WIDTH = 80
LISTED = 20  # items listed one by one; the rest are counted
EXPLAINED = (
    ("export job", "the expenses Pleo hands a connector to book, as one batch"),
    ("item", "one expense in the job: booked, or failed with a reason"),
    ("job event", "how the job ends: completed, completed_with_errors or failed"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="run an export job between an in-process Pleo and a fake accounting system"
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
    demo.add_argument("--seed", type=int, default=7, help="seed of the job and its faults")
    demo.add_argument("--format", choices=("text", "json"), default="text")
    demo.set_defaults(run=run_demo)


# The failure types the demo's refusals show, in turn: what a bookkeeper can fix, then more.
SHOWN_TYPES = (
    "vendor_unknown",
    "invalid_configuration",
    "tax_code_unknown",
    "account_unknown",
    "accounting_system_validation_failure",
    "accounting_system_authentication_failure",
)


def failing_samples(engine: Engine) -> list[Answer]:
    """Real error answers from the system packs' examples, one system after another, types
    in turn (none the rules call retryable: the demo's refusals are final)."""
    by_system: dict[str, dict[str, Answer]] = {}
    for rule in engine.rules:
        for example in rule.examples:
            found = example.input
            status, system = found.get("status"), found.get("system")
            if rule.type not in SHOWN_TYPES or not (isinstance(status, int) and status >= 400):
                continue
            if not isinstance(system, str) or rule.retryable:
                continue
            headers = dict(found.get("headers") or {})
            answer = Answer(status, found.get("body"), headers, system, rule.type)
            by_system.setdefault(system, {}).setdefault(rule.type, answer)
    samples = []
    for turn, (_, by_type) in enumerate(sorted(by_system.items())):
        wanted = SHOWN_TYPES[turn % len(SHOWN_TYPES)]
        samples.append(by_type.get(wanted) or next(by_type[t] for t in SHOWN_TYPES if t in by_type))
    return samples


class Script:
    """What the fake accounting system does with each entry, in the order they are posted:
    the first is rate-limited, the third answered too late, every third from the second
    refused with the next real error."""

    def __init__(self, samples: list[Answer], seed: int) -> None:
        self.samples, self.turn = samples, seed % len(samples)
        self.posted = 0
        self.systems: dict[str, str] = {}  # entry -> the system whose error it got
        self.limited: str | None = None
        self.late: str | None = None

    def __call__(self, item: ExportItem) -> list[Outcome]:
        self.posted += 1
        entry = str(item["accountingEntryId"])
        if self.posted == 1:
            self.limited = entry
            return [RateLimit(retry_after=1)]
        if self.posted == 3:
            self.late = entry
            return [Slow(seconds=10 * POST_TIMEOUT)]
        if self.posted % 3 != 2:
            return []
        answer = self._next_sample()
        if answer.rule == "vendor_unknown" and "vendor" not in item:  # no vendor to be unknown
            answer = self._next_sample()
        self.systems[entry] = answer.system or ""
        return [answer]

    def _next_sample(self) -> Answer:
        self.turn += 1
        return self.samples[self.turn % len(self.samples)]


def entry_ids(count: int, seed: int) -> list[str]:
    rng = random.Random(f"demo entries {seed}")  # noqa: S311 - made-up ids, one set per seed
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def run_demo(args: argparse.Namespace, out: IO[str]) -> int:
    engine = load()
    script = Script(failing_samples(engine), args.seed)
    plan = replace(args.faults, seed=args.seed, slow_seconds=0.05)
    policy = RetryPolicy(base_delay=0.05, max_delay=0.5, max_retry_after=2.0)
    ids = entry_ids(args.items, args.seed)
    unmapped = {ids[min(4, len(ids) - 1)]: "no_gl_account"}  # a pre-check failure, always
    with Sandbox(token=TOKEN, faults=plan, seed=args.seed) as pleo, FakeAccountingSystem() as books:
        job_id, _ = pleo.create_job(entry_ids=ids, start=False, data=unmapped)
        books.script_by(script)
        settings = PleoSettings(token=TOKEN, base_url=pleo.base_url, policy=policy)
        with PleoClient(settings=settings) as client:
            summary = run_export(
                client,
                books.post_entry(system="answer", timeout=POST_TIMEOUT),
                validate=books.validate(),
                configuration=ExportConfiguration(journals={"Purchases": "PUR"}),
                job_id=job_id,
                engine=engine,
                concurrency=1,  # one entry at a time: the same output for the same seed
            )
            job = client.job(job_id)
        items = [item.to_json() for item in pleo.items(job_id)]
        faults = sum(1 for record in pleo.log if record.fault)
        exchanges = books.log
    types = {entry: export_item(entry, job["companyId"])["type"] for entry in ids}
    raw = _raw_errors(exchanges, script.systems)
    result = {
        "jobId": job_id,
        "job": job,
        "items": [_item_row(item, types, raw) for item in items],
        "run": summary.to_json(),
        "outcome": summary.outcome.to_json() if summary.outcome else None,
        "accountingSystem": {"entries": len(books.entries), "posts": len(exchanges)},
        "faultsRiddenOut": faults,
        "rateLimited": script.limited,
        "answeredLate": script.late,
    }
    if args.format == "json":
        use_utf8(out)
        out.write(dumps(result, indent=2) + "\n")
    else:
        out.write(escaped_lines(_text(result)))
    return 0


def _raw_errors(exchanges: Any, systems: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each refused entry's last error answer, as the accounting system sent it."""
    raw: dict[str, dict[str, Any]] = {}
    for exchange in exchanges:
        if exchange.status >= 400:
            system = systems.get(exchange.entry_id)
            raw[exchange.entry_id] = {
                "system": system,
                "status": exchange.status,
                "body": exchange.body,
            }
    return raw


def _item_row(
    item: dict[str, Any], types: dict[str, str], raw: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    entry = item["accountingEntryId"]
    return {**item, "type": types.get(entry), "raw": raw.get(entry)}


# -- the text a person reads -----------------------------------------------------------------


def _text(result: dict[str, Any]) -> str:
    lines = ["failreason demo: an export job, run between Pleo and an accounting system"]
    lines += [f"  {term:<10}  {meaning}" for term, meaning in EXPLAINED]
    items = result["items"]
    lines += [
        "",
        *textwrap.wrap(
            f"Pleo (the sandbox) holds export job {result['jobId'][:8]} with "
            f"{_counted(len(items), 'item')}. The export runner read them, checked them, "
            "and posted them to a fake accounting system that refuses some with real "
            "errors of several systems.",
            WIDTH,
        ),
        "",
        f"  {'item':<8}  {'type':<13}  {'status':<10}  entry in the books, or failure type",
    ]
    for item in items[:LISTED]:
        shown = item.get("externalId") or item.get("failureReasonType") or ""
        kind = item.get("type") or ""
        lines.append(
            f"  {item['accountingEntryId'][:8]}  {kind:<13}  {item['status']:<10}  {shown}"
        )
    if len(items) > LISTED:
        lines.append(f"  ... and {len(items) - LISTED} more")
    lines += ["", "What the accounting system said, and the reason Pleo received:"]
    lines += _said_and_received(result)
    run, job = result["run"], result["job"]
    lines += [
        "",
        f"job event: {run['result']} (Pleo shows the job as {job['status']})",
        f"runner: {_counted(run['items'], 'item')}, {run['successful']} posted, "
        f"{run['failed']} failed ({run['prechecked']} by the pre-checks), "
        f"{_counted(run['retries'], 'retry', 'retries')}",
        f"faults ridden out on the way: {result['faultsRiddenOut']}",
    ]
    return "\n".join(lines) + "\n"


def _said_and_received(result: dict[str, Any]) -> list[str]:
    """A handful of items: the raw error (or what happened) and what Pleo now holds."""
    by_entry = {item["accountingEntryId"]: item for item in result["items"]}
    prechecked = [f["accountingEntryId"] for f in result["run"]["failures"] if f["prechecked"]]
    refused = [item for item in result["items"] if item.get("raw") and item["status"] == "failed"]
    lines: list[str] = []
    for item in refused[:4]:
        raw = item["raw"]
        said = f"{raw['system'] or 'the system'} {raw['status']}: {_compact(raw['body'])}"
        lines += _pair(item, said)
    for entry in prechecked[:1]:
        lines += _pair(by_entry[entry], "not posted: a line has no GL account (a pre-check)")
    if result["rateLimited"] in by_entry:
        item = by_entry[result["rateLimited"]]
        lines += _pair(item, "429 Too Many Requests, Retry-After: 1", "waited, posted again:")
    if result["answeredLate"] in by_entry:
        item = by_entry[result["answeredLate"]]
        said = f"no answer within {POST_TIMEOUT:g} s (httpx.ReadTimeout)"
        lines += _pair(item, said, "posted again, the entry made once:")
    return lines


def _pair(item: dict[str, Any], said: str, then: str = "") -> list[str]:
    head = f"  {item['accountingEntryId'][:8]}  "
    indent = " " * len(head)
    said_lines = textwrap.wrap(  # the start of a long body is enough to recognise it
        said, WIDTH, initial_indent=head, subsequent_indent=indent, max_lines=2, placeholder=" ..."
    )
    if item["status"] == "successful":
        received = f"-> {then} {item.get('externalId') or ''}".rstrip()
    else:
        received = f"-> {item['failureReasonType']}: {item['failureReason']}"
    wrapped = textwrap.wrap(
        received, WIDTH, initial_indent=indent, subsequent_indent=indent + "   "
    )
    return [*said_lines, *wrapped]


def _compact(body: str) -> str:
    """A body on one line: JSON as ``json.dumps`` writes it, text with single spaces."""
    if not body.strip():
        return "(an empty body)"
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return " ".join(body.split())


def _clip(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."


def _counted(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"
