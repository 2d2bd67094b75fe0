"""Reporting 10,000 items to the sandbox with added latency, against a minimal client.

Run on demand: ``python benchmarks/bench_report.py [--quick] [--json PATH]``. Every request
to the sandbox waits ``--latency`` seconds before it is served (its ``slow`` fault, on every
request), as a network round trip to Pleo would. Each round reports a fresh job of
``--items`` successful items with:

- ``minimal``: the floor a connector could write by hand: httpx, one ``PUT`` per 100 items
  one after another, then the event. It reads nothing, so it cannot resume a killed run or
  avoid sending an item twice;
- ``failreason cN``: ``PleoClient`` with ``concurrency=N``: it reads the job and what Pleo
  already holds, sends the updates N at a time, and posts the event.

The variants run interleaved, round after round, and the table shows medians. The target
(issue 11) is a wall time within 1.5 times ``batches x latency / concurrency``, and exactly
the minimum of requests: one job read, the pages to resume (of a new job: one empty page
each of its successful and failed items), one update per 100 items, one event.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "engine"))

from failreason._pleo import PleoClient  # noqa: E402 - after the path is set
from failreason._pleo_http import PleoSettings  # noqa: E402
from failreason._sandbox import Sandbox  # noqa: E402
from failreason._sandbox_faults import FaultPlan  # noqa: E402

TOKEN = "sandbox"  # noqa: S105 - the sandbox's loopback token
Run = Callable[[str, str, tuple[str, ...]], None]


def minimal(base_url: str, job_id: str, entries: tuple[str, ...]) -> None:
    """One PUT per 100 items, one after another, then the event: nothing read, nothing checked."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        for start in range(0, len(entries), 100):
            batch = [
                {"accountingEntryId": e, "status": "successful"}
                for e in entries[start : start + 100]
            ]
            http.put(f"/v3/export-jobs/{job_id}/items", json=batch).raise_for_status()
        event = {"event": "completed", "jobId": job_id}
        http.post("/v3/export-job-events", json=event).raise_for_status()


def failreason_client(concurrency: int) -> Run:
    def run(base_url: str, job_id: str, entries: tuple[str, ...]) -> None:
        settings = PleoSettings(token=TOKEN, base_url=base_url, concurrency=concurrency)
        with PleoClient(settings=settings) as pleo:
            report = pleo.report(job_id)
            for entry in entries:
                report.succeeded(entry)
            outcome = report.complete()
        if outcome.event.event != "completed" or outcome.sent != len(entries):
            raise SystemExit(f"failreason c{concurrency} did not report every item: {outcome}")

    return run


def one_round(run: Run, items: int, latency: float) -> tuple[float, int]:
    """Seconds to report ``items`` on a fresh job, and the requests it took."""
    faults = FaultPlan.parse("slow=1", slow_seconds=latency)
    with Sandbox(token=TOKEN, faults=faults, contract=False) as sandbox:
        job_id, entries = sandbox.create_job(items)
        start = time.perf_counter()
        run(sandbox.base_url, job_id, entries)
        seconds = time.perf_counter() - start
        if sandbox.duplicate_item_updates:
            raise SystemExit("an item was updated twice")
        return seconds, len(sandbox.log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--quick", action="store_true", help="1,000 items, 3 rounds")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON too")
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.rounds = 1_000, 3
    variants: dict[str, tuple[Run, int]] = {"minimal": (minimal, 1)}
    for n in args.concurrency:
        variants[f"failreason c{n}"] = (failreason_client(n), n)
    times: dict[str, list[float]] = {name: [] for name in variants}
    requests: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as locks:
        os.environ["FAILREASON_LOCK_DIR"] = locks
        for _ in range(args.rounds):
            for name, (run, _n) in variants.items():
                seconds, count = one_round(run, args.items, args.latency)
                times[name].append(seconds)
                requests[name] = count
    batches = math.ceil(args.items / 100)
    rows = []
    base = statistics.median(times["minimal"])
    for name, (_run, n) in variants.items():
        median = statistics.median(times[name])
        bound = batches * args.latency / n
        rows.append(
            {
                "variant": name,
                "concurrency": n,
                "medianSeconds": round(median, 4),
                "requests": requests[name],
                "vsMinimal": round(median / base, 3),
                "vsBatchesTimesLatencyOverConcurrency": round(median / bound, 3),
                "vsRequestsTimesLatencyOverConcurrency": round(
                    median / (requests[name] * args.latency / n), 3
                ),
            }
        )
    minimum = 1 + 2 + batches + 1  # the job, its successful and failed items (none), the event
    print(
        f"{args.items} items, {args.latency * 1000:g} ms a request, {args.rounds} rounds "
        f"interleaved, medians; the minimum of requests is {minimum}"
    )
    heads = ("median s", "requests", "/minimal", "/(b*L/c)", "/(r*L/c)")
    print(f"{'variant':<16} " + " ".join(f"{head:>9}" for head in heads))
    for row in rows:
        print(
            f"{row['variant']:<16} {row['medianSeconds']:>9.3f} {row['requests']:>9} "
            f"{row['vsMinimal']:>9.2f} {row['vsBatchesTimesLatencyOverConcurrency']:>9.2f} "
            f"{row['vsRequestsTimesLatencyOverConcurrency']:>9.2f}"
        )
    print("b: batches of 100, r: requests made, L: latency, c: concurrency")
    if args.json:
        record: dict[str, Any] = {
            "items": args.items,
            "latencySeconds": args.latency,
            "rounds": args.rounds,
            "minimumRequests": minimum,
            "rows": rows,
        }
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
