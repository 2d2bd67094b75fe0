"""What hostile rule files and templates cost to refuse, as ratios against honest ones.

Run on demand: ``python benchmarks/bench_rule_limits.py``. Absolute times depend on the
machine; the ratios are what to compare between runs:

- alias bomb / largest built-in file: parsing a seven-anchor "billion laughs" (4.8 million
  values once expanded) relative to parsing rules/quickbooks_online.yaml; the expansion is
  counted as it is composed, so this stays below 1 (unbounded, it was about 45 s and 3 GB);
- hostile template / built-in template: compiling (with the trial render that lint relies
  on) each template of the issue relative to compiling templates/account_unknown.j2; the
  step budget keeps each within a small multiple of a full budget's work.
"""

from __future__ import annotations

import resource
import timeit
from collections.abc import Callable
from pathlib import Path

from failreason._errors import Location
from failreason._render import compile_source, new_environment
from failreason._yaml import load_yaml

ROOT = Path(__file__).parent.parent
HOSTILE_TEMPLATES = {
    "range(10**9)|list": "{{ range(10**9)|list }}",
    "'x' * 10**9": "{{ 'x' * 10**9 }}",
    "10**(10**10)": "{{ 10**(10**10) }}",
    "1000 x 1000 loops": (
        "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}"
    ),
    "shared list printed": "{% set l = range(1000)|list %}{{ [l] * 1000 }}",
}


def best_of(run: Callable[[], object], repeat: int = 5) -> float:
    return min(timeit.repeat(run, repeat=repeat, number=1))


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join([*lines, f"rules: *a{levels}", ""])


def bench_alias_bomb() -> None:
    honest = (ROOT / "rules" / "quickbooks_online.yaml").read_text("utf-8")
    bomb = alias_bomb(6)
    baseline = best_of(lambda: load_yaml(honest, "quickbooks_online.yaml"))
    refused = best_of(lambda: load_yaml(bomb, "bomb.yaml"))
    print(f"alias bomb: {load_yaml(bomb, 'bomb.yaml')}")
    print(f"  {refused * 1e3:.1f} ms; quickbooks_online.yaml {baseline * 1e3:.1f} ms")
    print(f"  ratio alias bomb / largest built-in file: {refused / baseline:.2f}x")


def compile_only(source: str) -> Callable[[], object]:
    def run() -> object:
        problems: list[str] = []
        report = lambda at, message: problems.append(f"{at}: {message}")  # noqa: E731
        env = new_environment({})
        return compile_source(env, source, "t", Location("t.j2", 1, 1), report) or problems

    return run


def bench_templates() -> None:
    honest = (ROOT / "templates" / "account_unknown.j2").read_text("utf-8")
    baseline = best_of(compile_only(honest))
    print(f"compile templates/account_unknown.j2: {baseline * 1e3:.1f} ms")
    for name, source in HOSTILE_TEMPLATES.items():
        cost = best_of(compile_only(source), repeat=3)
        print(f"  ratio {name} / built-in: {cost / baseline:.1f}x ({cost * 1e3:.0f} ms)")


def main() -> None:
    bench_alias_bomb()
    bench_templates()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this run: {peak:.0f} MB")


if __name__ == "__main__":
    main()
