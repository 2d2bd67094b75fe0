"""Start-up: loading rules cold and from the rule-set cache, and a one-line classify process.

Run on demand: ``python benchmarks/bench_startup.py [--rounds N] [--json PATH]`` from a
checkout (it puts ``engine/`` first on the path of every interpreter it starts). Every figure
is timed in a fresh interpreter, the measurements of one round taken one after another and
the rounds repeated, so a busy machine slows all of them alike; the table shows medians of
wall-clock time (what the targets of issue 11 name) and of CPU time (which other work on a
shared machine disturbs less), and the ratios the targets name:

- the built-in rules loaded cold (``FAILREASON_CACHE=0``) and from a warm cache;
- 1,000 synthetic rules (generated into a temporary directory, each with its own regex or
  text and its own inline message) loaded with the built-in ones, cold and cached;
- ``echo LINE | failreason classify`` with a warm cache (the console script's own entry:
  ``failreason._cli.main``), against ``python -c pass``.

Modules run from their bytecode, as in an installed package: the interpreters write it under
the temporary directory's ``failreason-bench-bytecode`` (``PYTHONPYCACHEPREFIX``), even where
``PYTHONDONTWRITEBYTECODE`` is set.

The cache lives in a temporary directory for the run; the user's is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LINE = '{"system": "xero", "status": 400, "body": {"Message": "Account code 123 is not valid"}}\n'
TIMED_LOAD = (
    "import sys, time, failreason\n"
    "start, cpu = time.perf_counter(), time.process_time()\n"
    "engine = failreason.load(sys.argv[1] if len(sys.argv) > 1 else None)\n"
    "print(time.perf_counter() - start, time.process_time() - cpu, len(engine.rules))\n"
)
CLASSIFY = "import sys; from failreason._cli import main; sys.exit(main())"
TARGETS = {
    "built-in rules, cached load": 0.050,
    "1,000 rules (+ built-in), cold load": 0.5,
}
CLASSIFY_TARGET_RATIO = 10.0
CLASSIFY_WARM = "echo LINE | failreason classify (warm cache)"
BYTECODE = Path(tempfile.gettempdir()) / "failreason-bench-bytecode"


def synthetic_rules(directory: Path, count: int, per_file: int = 100) -> Path:
    """``count`` generic rules in failreason's format, ``per_file`` to a file, each distinct."""
    directory.mkdir(parents=True, exist_ok=True)
    for first in range(0, count, per_file):
        lines = ["rules:"]
        for number in range(first, min(first + per_file, count)):
            if number % 2:
                matcher = f"      regex: 'widget {number} (?P<thing>\\w+) was refused'"
                message = f"Widget {number} refused {{{{ thing }}}}; check its set-up."
            else:
                matcher = f"      contains: 'gadget {number} is out of order'"
                message = f"Gadget {number} is out of order; check its set-up."
            lines += [
                f"  - id: synthetic.rule-{number:05d}",
                "    type: invalid_configuration",
                "    match:",
                matcher,
                f"    message: '{message}'",
            ]
        (directory / f"synthetic-{first // per_file:03d}.yaml").write_text(
            "\n".join(lines) + "\n", "utf-8"
        )
    return directory


def environment(cache: Path | None) -> dict[str, str]:
    """What every interpreter runs with: this checkout's engine, its bytecode kept (as an
    installed package has it) in the run's own directory, and the cache given or none."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAILREASON")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    env["PYTHONPATH"] = str(ROOT / "engine")
    if cache is None:
        env["FAILREASON_CACHE"] = "0"
    else:
        env["FAILREASON_CACHE_DIR"] = str(cache)
    return env


Sample = tuple[float, float]  # (wall-clock seconds, CPU seconds)


def timed_load(rules: Path | None, cache: Path | None) -> Sample:
    """Seconds ``failreason.load`` takes in a fresh interpreter (its own clocks)."""
    args = [sys.executable, "-c", TIMED_LOAD, *([str(rules)] if rules else [])]
    output = subprocess.run(  # noqa: S603 (this interpreter, our own snippet)
        args, check=True, capture_output=True, text=True, env=environment(cache)
    ).stdout.split()
    return float(output[0]), float(output[1])


def whole_process(args: list[str], cache: Path | None, stdin: str = "") -> Sample:
    """Seconds of a whole process, from start to exit: wall clock, and CPU it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 (this interpreter, our own snippet)
        args, check=True, capture_output=True, text=True, input=stdin, env=environment(cache)
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def measure(rounds: int, scratch: Path) -> dict[str, list[Sample]]:
    cache = scratch / "cache"
    synthetic = synthetic_rules(scratch / "synthetic", 1000)
    classify = [sys.executable, "-c", CLASSIFY, "classify"]
    # Fill the rule-set cache for both sets of layers, and the bytecode of every module.
    whole_process(classify, cache, LINE)
    timed_load(None, cache)
    timed_load(synthetic, cache)
    runs: dict[str, Callable[[], Sample]] = {
        "built-in rules, cold load": lambda: timed_load(None, None),
        "built-in rules, cached load": lambda: timed_load(None, cache),
        "1,000 rules (+ built-in), cold load": lambda: timed_load(synthetic, None),
        "1,000 rules (+ built-in), cached load": lambda: timed_load(synthetic, cache),
        "python -c pass": lambda: whole_process([sys.executable, "-c", "pass"], None),
        CLASSIFY_WARM: lambda: whole_process(classify, cache, LINE),
        "echo LINE | failreason classify (cache off)": lambda: whole_process(classify, None, LINE),
    }
    samples: dict[str, list[Sample]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name].append(run())
    return samples


def summary(samples: dict[str, list[Sample]]) -> dict[str, Any]:
    wall = {name: statistics.median(s[0] for s in values) for name, values in samples.items()}
    cpu = {name: statistics.median(s[1] for s in values) for name, values in samples.items()}
    builtin_cold = wall["built-in rules, cold load"]
    return {
        "median_wall_s": wall,
        "median_cpu_s": cpu,
        "rounds": len(samples["python -c pass"]),
        "classify_over_python_pass": wall[CLASSIFY_WARM] / wall["python -c pass"],
        "classify_over_python_pass_cpu": cpu[CLASSIFY_WARM] / cpu["python -c pass"],
        "cached_over_cold_builtin": wall["built-in rules, cached load"] / builtin_cold,
        "synthetic_1000_cold_minus_builtin_s": wall["1,000 rules (+ built-in), cold load"]
        - builtin_cold,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average": os.getloadavg(),
        },
    }


def table(result: dict[str, Any]) -> str:
    wall, cpu = result["median_wall_s"], result["median_cpu_s"]
    lines = [f"{'measurement':46} {'wall':>9} {'CPU':>9}  target (wall)", "-" * 84]
    for name, value in wall.items():
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"< {target * 1000:.0f} ms: {'met' if value < target else 'MISSED'}"
        lines.append(f"{name:46} {value * 1000:6.1f} ms {cpu[name] * 1000:6.1f} ms  {verdict}")
    ratio, ratio_cpu = result["classify_over_python_pass"], result["classify_over_python_pass_cpu"]
    met = "met" if ratio < CLASSIFY_TARGET_RATIO else "MISSED"
    extra = result["synthetic_1000_cold_minus_builtin_s"]
    lines += [
        "-" * 84,
        f"classify (warm cache) / python -c pass: {ratio:.1f}x wall, {ratio_cpu:.1f}x CPU"
        f"  (target < 10x: {met})",
        f"cached / cold, built-in rules: {result['cached_over_cold_builtin']:.3f}",
        f"1,000 synthetic rules alone (cold, minus the built-in cold load): {extra * 1000:.0f} ms",
        f"{result['rounds']} interleaved rounds, medians; machine: {result['machine']}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", metavar="PATH", help="also write the figures here as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        result = summary(measure(args.rounds, Path(scratch)))
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
