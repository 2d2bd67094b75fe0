"""How long loading the built-in rules takes, against the rules and engine of another commit.

Run on demand: ``python benchmarks/bench_load.py [REF]``. REF (default ``BASELINE``: main
before the concept layer and the catalogue-built packs) is checked out with ``git archive``
into a temporary directory; each side loads its own rules with its own engine in a fresh
interpreter, the two interleaved, and the best of the runs is compared. Loading includes
reading and checking every rule file and compiling every regex and template, so the ratio
shows whether the rule set grew cheaper or dearer to load.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "689f4a4"  # the last commit before issue 8's rule growth
RUNS = 10
GIT = shutil.which("git") or "git"
TIMED_LOAD = (
    "import time, failreason\n"
    "start = time.perf_counter()\n"
    "engine = failreason.load()\n"
    "print(time.perf_counter() - start, len(engine.rules))\n"
)


def unpack(ref: str, into: Path) -> Path:
    """The engine, rules and templates of ``ref``, as files under ``into``."""
    archive = subprocess.run(  # noqa: S603 (a git ref the person running it chose)
        [GIT, "-C", str(ROOT), "archive", ref, "engine", "rules", "templates"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def load_once(checkout: Path) -> tuple[float, int]:
    """Seconds one fresh interpreter takes to load ``checkout``'s rules, and how many it loads."""
    output = subprocess.run(  # noqa: S603 (this interpreter, our own snippet)
        [sys.executable, "-c", TIMED_LOAD],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(checkout / "engine"), "PATH": ""},
    ).stdout.split()
    return float(output[0]), int(output[1])


def main(ref: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        baseline = unpack(ref, Path(scratch))
        times: dict[str, list[float]] = {"baseline": [], "current": []}
        counts: dict[str, int] = {}
        for _ in range(RUNS):
            for side, checkout in (("baseline", baseline), ("current", ROOT)):
                seconds, rules = load_once(checkout)
                times[side].append(seconds)
                counts[side] = rules
    best = {side: min(runs) for side, runs in times.items()}
    for side in ("baseline", "current"):
        print(f"{side:<9} {best[side] * 1000:7.1f} ms  {counts[side]:4} rules (best of {RUNS})")
    print(f"ratio current / baseline ({ref}): {best['current'] / best['baseline']:.2f}x")
    per_rule = {side: best[side] / counts[side] for side in best}
    print(f"per rule: {per_rule['current'] / per_rule['baseline']:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else BASELINE)
