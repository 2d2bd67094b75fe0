"""How the rule walk grows with the number of rules, against baselines measured in the same run.

Run on demand: ``python benchmarks/bench_rules_scale.py [--quick] [--json PATH]``.

Synthetic rule sets of 10, 100, 1,000 and 10,000 rules are written in failreason's YAML
format and loaded as they would be (without the built-in rules): generic rules, so no key
narrows them and only the pattern set does; ``regex`` with a capture, ``contains``, and
``regex`` with a ``status``. Each set is asked to decide messages that hit rules spread
through the list (at 5%, 15%, ..., 95% of it) and messages no rule matches. Per message,
on a signal built beforehand, medians of interleaved rounds:

- indexed: the engine's walk (``RuleIndex.matches``: candidates, then their checks);
- reference: every rule's matcher in order, the oracle the index must agree with;
- ``re`` loop: a first-match loop with Python's ``re`` over the same patterns and statuses;
- ``re2`` loop: the same loop with google-re2's ``re2.compile`` (case-insensitive options);
- RE2 set: one ``re2.Set`` over every pattern, which only says which patterns occur: the
  practical floor of any walk.

``classify`` (the whole call: envelope, signal, walk, rendering) is shown for the indexed
and the reference engine too. Targets (issue 11): 10,000 rules at most 1.5 times the cost
of 10; at least 50 times faster than the ``re`` loop at 10,000 rules.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import re2  # google-re2, the engine's own regex library

import failreason
from failreason._prefilter import PatternSet, literal_pattern
from failreason._rules import Layer, load_rule_set
from failreason._signal import Signal

SIZES = (10, 100, 1_000, 10_000)
RULES_PER_FILE = 1_000
HIT_SHARES = tuple((k + 0.5) / 10 for k in range(10))
MISSES = (
    "widget qqqq is missing for order 77",
    "The posting could not be completed because the ledger is busy",
    "Validation failed: amount must be positive",
)


def word(index: int) -> str:
    """A made-up word of its own for rule ``index``: wba, wbb, ... (letters only)."""
    letters = ""
    index += 26 * 27
    while index:
        index, digit = divmod(index, 26)
        letters = chr(ord("a") + digit) + letters
    return "w" + letters


def rule_yaml(index: int) -> str:
    name = word(index)
    if index % 5 == 3:
        match = f"{{contains: ['token {name} expired']}}"
        message = "token expired"
    elif index % 5 == 4:
        match = f"{{status: 4xx, regex: 'ledger {name} (?:is )?(?:closed|locked)'}}"
        message = "ledger closed"
    else:
        match = f"{{regex: 'widget {name} (?:is|was) (?:missing|invalid)(?: for (?P<ref>\\w+))?'}}"
        message = "widget {{ ref | default('?') }}"
    kind = "invalid_configuration"
    return f'  - id: r{index}\n    type: {kind}\n    match: {match}\n    message: "{message}"\n'


def hit_message(index: int) -> str:
    name = word(index)
    if index % 5 == 3:
        return f"Your token {name} expired yesterday"
    if index % 5 == 4:
        return f"The ledger {name} is locked for edits"
    return f"Widget {name} is missing for Order42"


@dataclass
class RuleSetUnderTest:
    size: int
    engine: failreason.Engine
    reference: failreason.Engine
    envelopes: list[dict[str, Any]]
    signals: list[Signal]
    re_loop: list[tuple[re.Pattern[str], bool]]
    re2_loop: list[tuple[Any, bool]]
    re2_set: PatternSet
    load_seconds: float
    index_seconds: float


def build(size: int, scratch: Path) -> RuleSetUnderTest:
    folder = scratch / f"rules-{size}"
    folder.mkdir()
    for first in range(0, size, RULES_PER_FILE):  # a rule file holds at most 100,000 values
        last = min(first + RULES_PER_FILE, size)
        text = "rules:\n" + "".join(rule_yaml(i) for i in range(first, last))
        (folder / f"synthetic-{first:06}.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    rule_set = load_rule_set([Layer(folder, None, str(folder), "")])
    loaded = time.perf_counter()
    # No result cache: every message is classified each time, as a distinct error would be.
    engine = failreason.Engine(rule_set, cache_size=0, indexed=True)
    hits = sorted({int(share * size) for share in HIT_SHARES})
    messages = [hit_message(i) for i in hits] + list(MISSES)
    envelopes = [{"status": 400, "body": m} for m in messages]
    signals = [engine.signal(envelope) for envelope in envelopes]
    for signal in signals:  # every key's pattern set compiled before timing
        list(rule_set.index.candidates(signal))
    indexed = time.perf_counter()
    return RuleSetUnderTest(
        size,
        engine,
        failreason.Engine(rule_set, cache_size=0, indexed=False),
        envelopes,
        signals,
        python_patterns(size),
        re2_patterns(size),
        one_set(size),
        loaded - started,
        indexed - loaded,
    )


def pattern(index: int) -> str:
    name = word(index)
    if index % 5 == 3:
        return re.escape(f"token {name} expired")
    if index % 5 == 4:
        return f"ledger {name} (?:is )?(?:closed|locked)"
    return f"widget {name} (?:is|was) (?:missing|invalid)(?: for (?P<ref>\\w+))?"


def python_patterns(size: int) -> list[tuple[re.Pattern[str], bool]]:
    """The same patterns for Python's ``re``, each with whether it needs a 4xx status."""
    return [(re.compile(pattern(i), re.IGNORECASE), i % 5 == 4) for i in range(size)]


def re2_patterns(size: int) -> list[tuple[Any, bool]]:
    """The same patterns compiled by google-re2, case-insensitive like the ``re`` loop's."""
    options = re2.Options()
    options.case_sensitive = False
    return [(re2.compile(pattern(i), options), i % 5 == 4) for i in range(size)]


def one_set(size: int) -> PatternSet:
    """Every pattern in one RE2 set (``contains`` texts escaped as the index escapes them)."""
    return PatternSet(
        [
            literal_pattern(f"token {word(i)} expired") if i % 5 == 3 else pattern(i)
            for i in range(size)
        ]
    )


def walk_indexed(under: RuleSetUnderTest) -> Callable[[], object]:
    index = under.engine._snapshot.index
    signals = under.signals

    def run() -> None:
        for signal in signals:
            next(index.matches(signal), None)

    return run


def walk_reference(under: RuleSetUnderTest) -> Callable[[], object]:
    rules, signals = under.engine.rules, under.signals

    def run() -> None:
        for signal in signals:
            for rule in rules:
                if rule.matcher.match(signal) is not None:
                    break

    return run


def walk_re(under: RuleSetUnderTest) -> Callable[[], object]:
    return first_match_loop(under, under.re_loop)


def walk_re2(under: RuleSetUnderTest) -> Callable[[], object]:
    return first_match_loop(under, under.re2_loop)


def first_match_loop(
    under: RuleSetUnderTest, loop: Sequence[tuple[Any, bool]]
) -> Callable[[], object]:
    """The loop a connector would write by hand: each pattern in order, first match wins."""
    texts = [(s.text.folded, s.status) for s in under.signals]

    def run() -> None:
        for text, status in texts:
            client_error = status is not None and 400 <= status <= 499
            for compiled, needs_4xx in loop:
                if (client_error or not needs_4xx) and (found := compiled.search(text)):
                    found.groupdict()
                    break

    return run


def set_floor(under: RuleSetUnderTest) -> Callable[[], object]:
    encoded = [s.text.encoded for s in under.signals]
    patterns = under.re2_set

    def run() -> None:
        for text in encoded:
            patterns.found((text,))

    return run


def classify(engine: failreason.Engine, envelopes: list[dict[str, Any]]) -> Callable[[], object]:
    def run() -> None:
        for envelope in envelopes:
            engine.classify(envelope)

    return run


def measure(under: RuleSetUnderTest, rounds: int, budget: float) -> dict[str, float]:
    """Median µs per message of each way, their rounds interleaved."""
    ways = {
        "indexed": walk_indexed(under),
        "reference": walk_reference(under),
        "re loop": walk_re(under),
        "re2 loop": walk_re2(under),
        "RE2 set": set_floor(under),
        "classify indexed": classify(under.engine, under.envelopes),
        "classify reference": classify(under.reference, under.envelopes),
    }
    repeats = {name: repeats_within(run, budget) for name, run in ways.items()}
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, run in ways.items():
            started = time.perf_counter()
            for _ in range(repeats[name]):
                run()
            elapsed = time.perf_counter() - started
            samples[name].append(elapsed / repeats[name] / len(under.signals) * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def repeats_within(run: Callable[[], object], budget: float) -> int:
    """How many calls of ``run`` fit in ``budget`` seconds (at least one)."""
    started = time.perf_counter()
    run()
    once = time.perf_counter() - started
    return max(1, int(budget / max(once, 1e-9)))


def check_agreement(under: RuleSetUnderTest) -> None:
    """The indexed and reference engines decide every message alike (else the run is void)."""
    for envelope in under.envelopes:
        indexed, walked = under.engine.classify(envelope), under.reference.classify(envelope)
        if indexed != walked:
            raise SystemExit(f"{under.size} rules: {envelope} indexed {indexed} != {walked}")


def report(rows: Sequence[dict[str, Any]]) -> None:
    print(
        f"{'rules':>6} {'load s':>7} {'index s':>7} | {'indexed':>8} {'reference':>9} "
        f"{'re loop':>9} {'re2 loop':>9} {'RE2 set':>7} µs/message | {'classify':>8} {'ref.':>8} µs"
    )
    for row in rows:
        t = row["us_per_message"]
        print(
            f"{row['rules']:>6} {row['load_seconds']:>7.2f} {row['index_seconds']:>7.3f} | "
            f"{t['indexed']:>8.1f} {t['reference']:>9.1f} {t['re loop']:>9.1f} "
            f"{t['re2 loop']:>9.1f} "
            f"{t['RE2 set']:>7.1f}            | {t['classify indexed']:>8.1f} "
            f"{t['classify reference']:>8.1f}"
        )
    first, last = rows[0]["us_per_message"], rows[-1]["us_per_message"]
    size = rows[-1]["rules"]
    print(f"indexed {size} / {rows[0]['rules']} rules: {last['indexed'] / first['indexed']:.2f}x")
    print(f"re loop / indexed at {size} rules: {last['re loop'] / last['indexed']:.1f}x")
    print(f"re2 loop / indexed at {size} rules: {last['re2 loop'] / last['indexed']:.1f}x")
    print(f"reference / indexed at {size} rules: {last['reference'] / last['indexed']:.1f}x")
    print(f"indexed / RE2 set at {size} rules: {last['indexed'] / last['RE2 set']:.1f}x")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    rounds, budget = (5, 0.02) if args.quick else (15, 0.1)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in SIZES:
            under = build(size, Path(scratch))
            check_agreement(under)
            row = {
                "rules": size,
                "messages": len(under.signals),
                "load_seconds": under.load_seconds,
                "index_seconds": under.index_seconds,
                "us_per_message": measure(under, rounds, budget),
            }
            rows.append(row)
            print(f"measured {size} rules", file=sys.stderr)
    report(rows)
    if args.json:
        meta = {"rounds": rounds, "statistic": "median", "python": sys.version.split()[0]}
        args.json.write_text(json.dumps({"meta": meta, "sizes": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
