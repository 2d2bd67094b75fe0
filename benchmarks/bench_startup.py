"""Start-up: loading rules cold and from the rule-set cache, and a one-line classify process.

Run on demand: ``python benchmarks/bench_startup.py [--rounds N] [--json PATH]`` from a
checkout (it puts ``engine/`` first on the path of every interpreter it starts). Every figure
is timed in a fresh interpreter, the measurements of one round taken one after another and
the rounds repeated, so a busy machine slows all of them alike; the table shows medians and
the ratios the targets of issue 11 name:

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
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = '{"system": "xero", "status": 400, "body": {"Message": "Account code 123 is not valid"}}\n'
TIMED_LOAD = (
    "import sys, time, failreason\n"
    "start = time.perf_counter()\n"
    "engine = failreason.load(sys.argv[1] if len(sys.argv) > 1 else None)\n"
    "print(time.perf_counter() - start, len(engine.rules))\n"
)
CLASSIFY = "import sys; from failreason._cli import main; sys.exit(main())"
TARGETS = {
    "built-in rules, cached load": 0.050,
    "1,000 rules (+ built-in), cold load": 0.5,
}
CLASSIFY_TARGET_RATIO = 10.0
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


def timed_load(rules: Path | None, cache: Path | None) -> float:
    """Seconds ``failreason.load`` takes in a fresh interpreter (its own clock)."""
    args = [sys.executable, "-c", TIMED_LOAD, *([str(rules)] if rules else [])]
    output = subprocess.run(  # noqa: S603 (this interpreter, our own snippet)
        args, check=True, capture_output=True, text=True, env=environment(cache)
    ).stdout.split()
    return float(output[0])


def wall(args: list[str], cache: Path | None, stdin: str = "") -> float:
    """Wall-clock seconds of a whole process, from start to exit."""
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 (this interpreter, our own snippet)
        args, check=True, capture_output=True, text=True, input=stdin, env=environment(cache)
    )
    return time.perf_counter() - start


def measure(rounds: int, scratch: Path) -> dict[str, list[float]]:
    cache = scratch / "cache"
    synthetic = synthetic_rules(scratch / "synthetic", 1000)
    # Fill the rule-set cache for both sets of layers, and the bytecode of every module.
    wall([sys.executable, "-c", CLASSIFY, "classify"], cache, LINE)
    timed_load(None, cache)
    timed_load(synthetic, cache)
    runs: dict[str, Callable[[], float]] = {
        "built-in rules, cold load": lambda: timed_load(None, None),
        "built-in rules, cached load": lambda: timed_load(None, cache),
        "1,000 rules (+ built-in), cold load": lambda: timed_load(synthetic, None),
        "1,000 rules (+ built-in), cached load": lambda: timed_load(synthetic, cache),
        "python -c pass": lambda: wall([sys.executable, "-c", "pass"], None),
        "echo LINE | failreason classify (warm cache)": lambda: wall(
            [sys.executable, "-c", CLASSIFY, "classify"], cache, LINE
        ),
        "echo LINE | failreason classify (cache off)": lambda: wall(
            [sys.executable, "-c", CLASSIFY, "classify"], None, LINE
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            times[name].append(run())
    return times


def summary(times: dict[str, list[float]]) -> dict[str, object]:
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["python -c pass"]
    classify = medians["echo LINE | failreason classify (warm cache)"]
    builtin_cold = medians["built-in rules, cold load"]
    return {
        "medians_s": medians,
        "rounds": len(times["python -c pass"]),
        "classify_over_python_pass": classify / floor,
        "cached_over_cold_builtin": medians["built-in rules, cached load"] / builtin_cold,
        "synthetic_1000_cold_minus_builtin_s": medians["1,000 rules (+ built-in), cold load"]
        - builtin_cold,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }


def table(result: dict[str, object]) -> str:
    medians = result["medians_s"]
    assert isinstance(medians, dict)  # noqa: S101 (built above)
    lines = [f"{'measurement':48} {'median':>10}  target", "-" * 72]
    for name, value in medians.items():
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"< {target * 1000:.0f} ms: {'met' if value < target else 'MISSED'}"
        lines.append(f"{name:48} {value * 1000:8.1f} ms  {verdict}")
    ratio, extra = (
        result["classify_over_python_pass"],
        result["synthetic_1000_cold_minus_builtin_s"],
    )
    assert isinstance(ratio, float)  # noqa: S101 (built above)
    assert isinstance(extra, float)  # noqa: S101 (built above)
    met = "met" if ratio < CLASSIFY_TARGET_RATIO else "MISSED"
    lines += [
        "-" * 72,
        f"classify (warm cache) / python -c pass: {ratio:.1f}x  (target < 10x: {met})",
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
