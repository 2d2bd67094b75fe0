"""What classifying a sample error costs per step, against decoding its body, and another commit.

Run on demand: ``python benchmarks/bench_pipeline.py [REF] [--rounds N] [--json FILE]``.
REF (default ``BASELINE``: the commit before the lean pipeline and the result cache) is
unpacked with ``git archive``; one worker process per side (REF and this checkout) times its
own engine on every sample input (tests/samples/*.jsonl). The two are asked for rounds in
turn, so both see the same machine; figures are medians over the rounds, in CPU microseconds
per error, each with its ratio to the floor measured in the same round of the same process:

- floor: ``json.loads`` of the body's JSON text, what any consumer of the error pays;
- distinct: ``classify`` with every error new (cache off where the side has one);
- repeated: ``classify`` of errors seen before, as a busy connector meets them (cache on);
- pre-match: ``signal``, everything before the first rule is tried;
- render: the deciding rule's reason built from its template (``_engine._render``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import unpack  # the sibling benchmark's git archive helper

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"
BASELINE = "5c06e19"
METRICS = ("floor", "distinct", "repeated", "pre-match", "render")


def sample_inputs() -> list[Any]:
    return [
        json.loads(line)["input"]
        for path in sorted(SAMPLES.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


def per_error(run: Callable[[], object], count: int, repeat: int = 3) -> float:
    """CPU microseconds per error, the best of ``repeat`` passes of at least 20 ms each.

    CPU time of this process, not wall time: other work on the machine (a test suite on the
    same cores) would stretch a long pass more than a short one and skew every ratio.
    """
    loops = 1
    while True:
        start = time.process_time()
        for _ in range(loops):
            run()
        if time.process_time() - start >= 0.02:
            break
        loops *= 2
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(loops):
            run()
        best = min(best, time.process_time() - start)
    return best / (count * loops) * 1e6


def worker() -> None:
    """Answer each line on stdin with one round of timings, as JSON on stdout."""
    import failreason  # noqa: PLC0415 -- the side's own engine, from the worker's PYTHONPATH
    from failreason import _engine  # noqa: PLC0415

    inputs = sample_inputs()
    bodies = [json.dumps(raw.get("body")) for raw in inputs]
    try:
        fresh = failreason.load(cache_size=0)  # an older engine has no cache: TypeError
        warm = failreason.load()
    except TypeError:
        fresh = warm = failreason.load()
    renders = []
    for raw in inputs:
        step = fresh.explain(raw).steps[-1]
        if step.reason is not None and step.captures is not None:
            renders.append((step.rule, fresh.signal(raw), step.captures))
    for raw in inputs:
        warm.classify(raw)
    count = len(inputs)
    rounds = {
        "floor": lambda: [json.loads(body) for body in bodies],
        "distinct": lambda: [fresh.classify(raw) for raw in inputs],
        "repeated": lambda: [warm.classify(raw) for raw in inputs],
        "pre-match": lambda: [fresh.signal(raw) for raw in inputs],
        "render": lambda: [_engine._render(*args) for args in renders],
    }
    for _ in sys.stdin:
        result = {
            name: per_error(run, len(renders) if name == "render" else count)
            for name, run in rounds.items()
        }
        info = getattr(warm, "cache_info", None)  # an older engine has no cache
        if info:
            result["cache hit rate"] = info().hits / max(info().hits + info().misses, 1)
        print(json.dumps(result), flush=True)


def start_worker(engine_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(engine_dir), "FAILREASON_CACHE_SIZE": ""}
    return subprocess.Popen(  # noqa: S603 -- this interpreter, this file
        [sys.executable, __file__, "--worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def ask(process: subprocess.Popen[str]) -> dict[str, float]:
    assert process.stdin is not None  # noqa: S101 -- piped in start_worker
    assert process.stdout is not None  # noqa: S101
    process.stdin.write("round\n")
    process.stdin.flush()
    return dict(json.loads(process.stdout.readline()))


def measure(ref: str, rounds: int) -> dict[str, dict[str, float]]:
    """Medians per side and metric, plus each metric's median ratio to its round's floor."""
    with tempfile.TemporaryDirectory() as scratch:
        sides = {"baseline": unpack(ref, Path(scratch)) / "engine", "current": ROOT / "engine"}
        workers = {side: start_worker(path) for side, path in sides.items()}
        seen: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
        try:
            for _ in range(rounds):
                for side, process in workers.items():
                    seen[side].append(ask(process))
        finally:
            for process in workers.values():
                process.stdin.close()  # type: ignore[union-attr]  # piped
                process.wait()
    summary: dict[str, dict[str, float]] = {}
    for side, results in seen.items():
        summary[side] = {m: statistics.median(r[m] for r in results) for m in METRICS}
        summary[side]["cache hit rate"] = results[-1].get("cache hit rate", 0.0)
        for metric in METRICS[1:]:
            ratios = (r[metric] / r["floor"] for r in results)
            summary[side][f"{metric} / floor"] = statistics.median(ratios)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default=BASELINE)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    summary = measure(args.ref, args.rounds)
    print(f"{len(sample_inputs())} sample errors, medians of {args.rounds} interleaved rounds")
    print(
        f"{'µs per error':<14}{'baseline ' + args.ref:>18}{'current':>12}{'current/baseline':>18}"
    )
    for metric in METRICS:
        before, after = summary["baseline"][metric], summary["current"][metric]
        print(f"{metric:<14}{before:>18.1f}{after:>12.1f}{after / before:>17.2f}x")
    print("ratio to the floor (same round, same process)")
    for metric in METRICS[1:]:
        key = f"{metric} / floor"
        before, after = summary["baseline"][key], summary["current"][key]
        print(f"{metric:<14}{before:>17.1f}x{after:>11.1f}x")
    rate = summary["current"]["cache hit rate"]
    print(f"current cache hit rate of the repeated pass: {rate:.2%} (engine.cache_info())")
    if args.json:
        args.json.write_text(json.dumps({"ref": args.ref, **summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
