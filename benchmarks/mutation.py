"""Mutation testing of the core, one module at a time, with mutmut; on demand, never in CI.

Run ``pip install -e '.[test,mutation]'`` once, then::

    python benchmarks/mutation.py                      # every core module
    python benchmarks/mutation.py _ledger _policy -j 2 # some, with two workers
    python benchmarks/mutation.py _paths --survivors   # and list what the tests missed

Each module runs against the few test files that exercise it (the whole suite per mutant
would take hours), in a staged copy under ``build/mutation/<module>/``: mutmut names modules
by their path below ``src/``, so the copy puts ``engine/`` there. The shared settings are the
``[tool.mutmut]`` section of ``pyproject.toml``; this script narrows ``only_mutate`` and the test
selection per module. Inspect a survivor with ``mutmut show <name>`` inside the staged copy.

The score counts a mutant as caught when a test failed (killed) or hung (timeout).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGING = ROOT / "build" / "mutation"
PACKAGE = "failreason"

# The tests that exercise each core module, fast enough to run once per mutant.
MODULES: dict[str, tuple[str, ...]] = {
    "_match": ("test_matching.py", "test_match_edges.py"),
    "_regex": ("test_matching.py", "test_match_edges.py"),
    "_paths": ("test_paths.py", "test_paths_edges.py"),
    "_extract": ("test_extract.py", "test_extract_edges.py"),
    "_policy": ("test_pleo_policy.py", "test_pleo_client.py", "test_policy_edges.py"),
    "_ledger": ("test_pleo_client.py", "test_ledger.py"),
}
COPIED = ("rules", "templates", "tests", "examples", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")


@dataclass(frozen=True)
class Outcome:
    module: str
    statuses: Counter[str]
    survivors: tuple[str, ...]

    @property
    def caught(self) -> int:
        return self.statuses["killed"] + self.statuses["timeout"]

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def score(self) -> float:
        return self.caught / self.total if self.total else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("-j", "--max-children", type=int, default=2)
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module {unknown[0]!r}; choose from {', '.join(MODULES)}")
    mutmut = Path(sys.executable).parent / "mutmut"
    if not mutmut.exists():
        print("mutmut is not installed: pip install -e '.[mutation]'", file=sys.stderr)
        return 2
    outcomes = []
    for module in args.modules or list(MODULES):
        print(f"mutating {module} ...", file=sys.stderr, flush=True)
        try:
            outcomes.append(run_module(module, mutmut, args.max_children))
        except subprocess.CalledProcessError:
            log = STAGING / f"{module}.log"
            print(f"mutmut failed on {module}; see {log.relative_to(ROOT)}", file=sys.stderr)
            return 1
    print(table(outcomes))
    if args.survivors:
        for outcome in outcomes:
            for name in outcome.survivors:
                print(f"survived  {name}")
    return 0


def run_module(module: str, mutmut: Path, max_children: int) -> Outcome:
    stage = STAGING / module
    tests = [f"tests/{name}" for name in MODULES[module] if (ROOT / "tests" / name).exists()]
    prepare(stage, f"src/{PACKAGE}/{module}.py", tests)
    log = STAGING / f"{module}.log"
    with log.open("w", encoding="utf-8") as out:
        command = [str(mutmut), "run", "--max-children", str(max_children)]
        subprocess.run(command, cwd=stage, stdout=out, stderr=subprocess.STDOUT, check=True)  # noqa: S603
    listing = subprocess.run(  # noqa: S603
        [str(mutmut), "results", "--all", "true"],
        cwd=stage,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_results(module, listing)


def prepare(stage: Path, mutated: str, tests: list[str]) -> None:
    """A fresh copy of the project with the package under ``src/`` and a narrowed config."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(ROOT / "engine", stage / "src", ignore=IGNORED)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, stage / name, ignore=IGNORED)
        else:
            shutil.copy2(source, stage / name)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    settings = tomllib.loads(text)["tool"]["mutmut"]
    settings["only_mutate"] = [mutated]
    settings["pytest_add_cli_args_test_selection"] = tests
    (stage / "pyproject.toml").write_text(replace_section(text, settings), encoding="utf-8")


def replace_section(text: str, settings: dict[str, object]) -> str:
    """``text`` with its ``[tool.mutmut]`` table replaced by ``settings`` (lists and strings)."""
    start = text.index("[tool.mutmut]\n")
    end = text.find("\n[", start + 1)
    lines = ["[tool.mutmut]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return text[:start] + "\n".join(lines) + "\n" + (text[end:] if end >= 0 else "")


def parse_results(module: str, listing: str) -> Outcome:
    """Count ``mutmut results --all true`` lines, ``<name>: <status>``."""
    statuses: Counter[str] = Counter()
    survivors = []
    for line in listing.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep:
            continue
        statuses[status] += 1
        if status in {"survived", "no tests"}:
            survivors.append(name)
    return Outcome(module, statuses, tuple(survivors))


def table(outcomes: list[Outcome]) -> str:
    header = f"{'module':<10} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8} "
    header += f"{'no tests':>8} {'other':>6} {'score':>6}"
    rows = [header]
    for o in outcomes:
        counted = o.statuses["killed"] + o.statuses["timeout"]
        missed = o.statuses["survived"] + o.statuses["no tests"]
        other = o.total - counted - missed
        rows.append(
            f"{o.module:<10} {o.total:>7} {o.statuses['killed']:>7} {o.statuses['timeout']:>7} "
            f"{o.statuses['survived']:>8} {o.statuses['no tests']:>8} {other:>6} {o.score:>6.1%}"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
