"""``failreason sandbox``: serve a local Pleo Export API, true to its spec, with one started job.

Prints one JSON line on stdout (``baseUrl``, ``jobId``, ``accountingEntryIds``, ``token``,
``apiKey``, ``faults``, ``seed``) and serves until interrupted; Ctrl-C exits 0. A bad
``--faults`` spec is a usage error (exit 2) that names the kind or value at fault.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import IO

from failreason._errors import FailreasonError
from failreason._sandbox import MAX_JOB_ITEMS, Sandbox
from failreason._sandbox_faults import FaultPlan, FaultSpecError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sandbox`` subcommand; running it calls ``args.run(args, stdout)``."""
    parser = commands.add_parser(
        "sandbox",
        help="serve a local Pleo Export API, true to its spec, for integration tests",
        description=(
            "Serve Pleo's export endpoints on 127.0.0.1 from memory, with one started job, "
            "and print the base URL, job id and entry ids as JSON. Ctrl-C stops it."
        ),
    )
    parser.add_argument(
        "--port", type=whole_number(0, 65535), default=0, help="0 (default) picks a free port"
    )
    parser.add_argument(
        "--items",
        type=whole_number(0, MAX_JOB_ITEMS),
        default=10,
        help=f"items of the job (default 10, at most {MAX_JOB_ITEMS})",
    )
    parser.add_argument(
        "--faults",
        type=fault_spec,
        default=FaultPlan(),
        metavar="SPEC",
        help='fault probabilities, e.g. "429=0.1,500=0.05,503=0.05,slow=0.05,drop=0.05,lost=0.05"',
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault plan (default 0)")
    parser.add_argument("--token", default="sandbox", help="bearer token to accept")
    parser.add_argument("--api-key", help="API key to accept as HTTP Basic user name")
    parser.add_argument(
        "--expiry", type=float, default=3600.0, metavar="SECONDS", help="job expiry (default 3600)"
    )
    parser.add_argument(
        "--slow", type=float, default=0.2, metavar="SECONDS", help="delay of a slow fault"
    )
    parser.add_argument(
        "--contract",
        action="store_true",
        help="check every request and answer against Pleo's contract; see GET /sandbox/log",
    )
    parser.add_argument(
        "--warnings",
        action="store_true",
        help="log checks stricter than Pleo's spec (unknown fields, ...) in GET /sandbox/log",
    )
    parser.add_argument(
        "--accept-seed-job-type",
        action="store_true",
        help="accept accounting_system_validation_failure on job events (Pleo's enum lacks it)",
    )
    parser.add_argument(
        "--legacy-item-errors",
        action="store_true",
        help="answer a second final status with EXPORT_ITEM_ALREADY_FINAL, as before",
    )
    parser.set_defaults(run=_run)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else a usage error."""

    def parse(text: str) -> int:
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and low <= int(digits[:12]) <= high):
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high}, got {text[:40]!r}"
            )
        return int(digits)

    return parse


def fault_spec(text: str) -> FaultPlan:
    """An argparse type: a fault spec such as ``429=0.1,drop=0.05``, else a usage error."""
    try:
        return FaultPlan.parse(text)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _wait_forever() -> None:
    while True:
        time.sleep(3600)


def _run(args: argparse.Namespace, out: IO[str], wait: Callable[[], None] = _wait_forever) -> int:
    plan = replace(args.faults, seed=args.seed, slow_seconds=args.slow)
    sandbox = Sandbox(
        port=args.port,
        token=args.token,
        api_key=args.api_key,
        faults=plan,
        expiry_seconds=args.expiry,
        contract=args.contract,
        warnings=args.warnings,
        accept_seed_job_type=args.accept_seed_job_type,
        legacy_item_errors=args.legacy_item_errors,
    )
    try:
        sandbox.start()
    except OSError as exc:
        raise FailreasonError(f"cannot serve on port {args.port}: {exc.strerror or exc}") from exc
    with sandbox:
        job_id, entry_ids = sandbox.create_job(args.items)
        started = {
            "baseUrl": sandbox.base_url,
            "jobId": job_id,
            "accountingEntryIds": list(entry_ids),
            "token": args.token,
            "apiKey": args.api_key,
            "faults": plan.spec,
            "seed": plan.seed,
        }
        out.write(json.dumps(started) + "\n")
        out.flush()
        print(f"serving {sandbox.base_url}; Ctrl-C stops it", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it is meant to stop
            wait()
    return 0
