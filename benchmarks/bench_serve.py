"""``failreason serve`` over loopback: latency percentiles and classifications a second.

Run on demand: ``python benchmarks/bench_serve.py [--quick] [--json PATH]`` from a checkout
with the serve extra installed. The server runs as ``failreason serve`` in its own process
(built-in rules, ``--isolated``), the clients as threads of this one, each with one kept-alive
connection through the standard library's ``http.client`` (a lean client, as a connector in
Go or Node would be); on a 2-core machine clients and server share the two cores.

- ``single repeated``: one client, one envelope a request, the same envelope each time (the
  result cache answers): p50/p99 of the round trip. Target: p99 under 5 ms.
- ``single distinct``: as above, cycling through the sample errors, against a server started
  with the result cache off (``FAILREASON_CACHE_SIZE=0``), so every request classifies.
- ``concurrent repeated``: four clients at once, one repeated envelope a request:
  classifications a second. Target: at least 2,000.
- ``batch repeated``: two clients, 100 repeated envelopes a request (a JSON array).

``run(quick)`` returns the figures as a dict, for the suite's runner.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "samples" / "erp-errors.dev.jsonl"
REPEATED = {"system": "xero", "status": 400, "body": {"Message": "Account code 123 is not valid"}}
TARGET_P99_MS = 5.0
TARGET_PER_SECOND = 2000.0


@contextmanager
def server(cache_size: int | None = None) -> Iterator[tuple[str, int]]:
    """``failreason serve --port 0`` in a child process; yields its host and port."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "engine")}
    if cache_size is not None:
        env["FAILREASON_CACHE_SIZE"] = str(cache_size)
    command = [sys.executable, "-m", "failreason", "serve", "--port", "0", "--isolated"]
    # this interpreter, our own command
    child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        line = child.stderr.readline() if child.stderr else ""
        if "listening on http://" not in line:
            raise RuntimeError(f"failreason serve did not start: {line}")
        host, port = line.split("http://")[1].split()[0].rsplit(":", 1)
        yield host, int(port)
    finally:
        child.terminate()
        child.wait(timeout=30)
        if child.stderr is not None:
            child.stderr.close()


def timed_requests(address: tuple[str, int], bodies: list[bytes], count: int) -> list[float]:
    """Round-trip seconds of ``count`` POST /classify requests on one kept-alive connection."""
    connection = http.client.HTTPConnection(*address)
    headers = {"Content-Type": "application/json"}
    seconds: list[float] = []
    for number in range(count):
        started = time.perf_counter()
        connection.request("POST", "/classify", bodies[number % len(bodies)], headers)
        response = connection.getresponse()
        response.read()
        seconds.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"POST /classify answered {response.status}")
    connection.close()
    return seconds


def scenario(
    address: tuple[str, int], bodies: list[bytes], clients: int, count: int, per_request: int
) -> dict[str, float]:
    """``clients`` threads sending ``count`` requests each: percentiles and throughput."""
    timed_requests(address, bodies, min(count, 200))  # warm: connections, caches, the index
    results: list[list[float]] = [[] for _ in range(clients)]

    def client(index: int) -> None:
        results[index] = timed_requests(address, bodies, count)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(s for result in results for s in result)
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "requests": len(latencies),
        "classifications_per_second": len(latencies) * per_request / elapsed,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Every scenario's figures, with the targets they are held to."""
    count = 500 if quick else 5000
    repeated = [json.dumps(REPEATED).encode()]
    corpus = [json.loads(line)["input"] for line in CORPUS.read_text("utf-8").splitlines()]
    distinct = [json.dumps(envelope).encode() for envelope in corpus]
    batch = [json.dumps([REPEATED] * 100).encode()]
    figures: dict[str, Any] = {}
    with server() as address:
        figures["single repeated"] = scenario(address, repeated, 1, count, 1)
        figures["concurrent repeated"] = scenario(address, repeated, 4, count // 2, 1)
        figures["batch repeated"] = scenario(address, batch, 2, count // 20, 100)
    with server(cache_size=0) as address:
        figures["single distinct"] = scenario(address, distinct, 1, count, 1)
    figures["targets"] = {
        "p99_ms_single_under": TARGET_P99_MS,
        "p99_ms_single_met": figures["single repeated"]["p99_ms"] < TARGET_P99_MS,
        "per_second_repeated_at_least": TARGET_PER_SECOND,
        "per_second_repeated_met": figures["concurrent repeated"]["classifications_per_second"]
        >= TARGET_PER_SECOND,
        "cpus": os.cpu_count(),
    }
    return figures


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'scenario':<22}{'p50 ms':>9}{'p99 ms':>9}{'classif./s':>12}{'requests':>10}"]
    for name, row in figures.items():
        if name == "targets":
            continue
        lines.append(
            f"{name:<22}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{row['classifications_per_second']:>12.0f}{row['requests']:>10}"
        )
    targets = figures["targets"]
    lines.append(
        f"target p99 < {TARGET_P99_MS} ms (single repeated): "
        f"{'met' if targets['p99_ms_single_met'] else 'MISSED'}; "
        f">= {TARGET_PER_SECOND:.0f}/s (concurrent repeated): "
        f"{'met' if targets['per_second_repeated_met'] else 'MISSED'}"
        f" ({targets['cpus']} CPUs)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer requests, for a smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(quick=args.quick)
    print(table(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
