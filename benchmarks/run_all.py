"""The benchmark suite of issue 11: every part in one run, one table, and JSON.

Run from a checkout: ``python benchmarks/run_all.py [--quick] [--json PATH]``.

Each part is its own script, run here in a subprocess of this interpreter (so one part's
imports, caches and threads never colour another's) with ``--json`` to a temporary file;
every part measures its figures and their baselines in the same run, rounds interleaved,
medians. ``--quick`` asks each part for its short run (fewer rounds, 1,000 items instead
of 10,000 to report) and says so in the header. The parts:

1. the sample errors, distinct and repeated, against ``json.loads`` of the body
   (bench_pipeline.py);
2. synthetic rule sets of 10 to 10,000 rules against first-match loops with ``re`` and
   ``re2`` and one RE2 ``Set`` (bench_rules_scale.py);
3. and 4. loading cold and cached, and ``echo LINE | failreason classify`` against
   ``python -c pass`` (bench_startup.py);
5. reporting items to the sandbox with 100 ms a request, against a minimal sequential
   client (bench_report.py);
6. ``serve`` throughput and latency over loopback (bench_serve.py's ``run(quick)``, when
   the script is there).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "engine"))

import suite_table  # noqa: E402 - the sibling module, after the path is set
from suite_table import Absent, Figure  # noqa: E402

from failreason._pleo_http import DEFAULT_CONCURRENCY  # noqa: E402


def part_args(quick: bool) -> dict[str, list[str]]:
    """Each script's arguments for a full or a quick run."""
    return {
        "bench_pipeline.py": ["--rounds", "5" if quick else "15"],
        "bench_rules_scale.py": ["--quick"] if quick else [],
        "bench_startup.py": ["--rounds", "5" if quick else "15"],
        "bench_report.py": ["--quick"] if quick else [],
    }


EXTRACTORS: dict[str, Callable[[suite_table.Result], list[Figure]]] = {
    "bench_pipeline.py": suite_table.pipeline_figures,
    "bench_rules_scale.py": suite_table.rules_scale_figures,
    "bench_startup.py": suite_table.startup_figures,
    "bench_report.py": lambda result: suite_table.report_figures(result, DEFAULT_CONCURRENCY),
}
PART_NAMES = {
    "bench_pipeline.py": "1 sample errors",
    "bench_rules_scale.py": "2 rule sets",
    "bench_startup.py": "3-4 loading, start-up",
    "bench_report.py": "5 reporting",
    "bench_serve.py": "6 serve",
}
SERVE_SNIPPET = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); import bench_serve; "
    "print(json.dumps(bench_serve.run(quick=sys.argv[2] == 'quick')))"
)


def environment(scratch: Path) -> dict[str, str]:
    """This checkout's engine first, and a rule-set cache of the run's own (never the user's)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAILREASON")}
    env["FAILREASON_CACHE_DIR"] = str(scratch / "rule-cache")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "engine"), env.get("PYTHONPATH")]))
    return env


def run_script(script: str, args: Sequence[str], scratch: Path) -> suite_table.Result | str:
    """The part's JSON, or why it has none (its exit status and last line of errors)."""
    output = scratch / f"{script}.json"
    command = [sys.executable, str(HERE / script), *args, "--json", str(output)]
    done = subprocess.run(  # noqa: S603 - this interpreter, our own scripts
        command, capture_output=True, text=True, env=environment(scratch), check=False, cwd=ROOT
    )
    sys.stderr.write(done.stdout)  # the part's own table, for the curious
    if done.returncode != 0 or not output.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{script} exited {done.returncode}: {last}"
    result: suite_table.Result = json.loads(output.read_text("utf-8"))
    return result


def run_serve(quick: bool, scratch: Path) -> suite_table.Result | str:
    if importlib.util.find_spec("bench_serve") is None:
        return "bench_serve.py absent"
    command = [sys.executable, "-c", SERVE_SNIPPET, str(HERE), "quick" if quick else "full"]
    done = subprocess.run(  # noqa: S603 - this interpreter, our own snippet
        command, capture_output=True, text=True, env=environment(scratch), check=False, cwd=ROOT
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"bench_serve.py exited {done.returncode}: {last}"
    result: suite_table.Result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def collect(
    results: dict[str, suite_table.Result | str],
    extractors: dict[str, Callable[[suite_table.Result], list[Figure]]],
) -> list[Figure | Absent]:
    """Every part's figures in order; a part that failed or is absent as a row saying why."""
    rows: list[Figure | Absent] = []
    for script, result in results.items():
        if isinstance(result, str):
            rows.append(Absent(PART_NAMES[script], result))
            continue
        try:
            rows.extend(extractors[script](result))
        except (KeyError, TypeError, ValueError) as exc:
            rows.append(Absent(PART_NAMES[script], f"unexpected JSON from {script}: {exc!r}"))
    return rows


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def header(facts: dict[str, Any], quick: bool, command: str) -> list[str]:
    load = " ".join(f"{value:.2f}" for value in facts["load_average"])
    return [
        f"$ {command}",
        f"{facts['cores']} cores, {facts['cpu']}, Python {facts['python']}, "
        f"load average {load}, {facts['started']}",
        ("quick run: fewer rounds, 1,000 items reported" if quick else "full run")
        + "; every baseline measured in the same run, rounds interleaved, medians",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each part's short run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    facts = machine()
    results: dict[str, suite_table.Result | str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for script, script_args in part_args(args.quick).items():
            print(f"running {script} ...", file=sys.stderr, flush=True)
            results[script] = run_script(script, script_args, Path(scratch))
        print("running bench_serve.py ...", file=sys.stderr, flush=True)
        results["bench_serve.py"] = run_serve(args.quick, Path(scratch))
    rows = collect(results, {**EXTRACTORS, "bench_serve.py": suite_table.serve_figures})
    command = "python benchmarks/run_all.py" + (" --quick" if args.quick else "")
    print(suite_table.table(rows, header(facts, args.quick, command)))
    if args.json:
        data = suite_table.as_json(rows, facts, args.quick)
        args.json.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
