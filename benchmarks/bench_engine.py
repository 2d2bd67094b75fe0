"""How fast classification is, as ratios against baselines measured in the same run.

Run on demand: ``python benchmarks/bench_engine.py``. Absolute times depend on the machine;
the ratios are what to compare between runs:

- classify / JSON round trip: the cost of classifying a real error relative to merely
  decoding and re-encoding its envelope;
- hostile / plain: parsing and cleaning about 1 MB of adversarial input relative to 1 MB of
  plain words; linear-time code keeps this near 1, a backtracking regex would explode it.
"""

from __future__ import annotations

import json
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

import failreason
from failreason._body import parse_body
from failreason._clean import clean_text
from failreason._redact import redact

CORPUS = Path(__file__).parent.parent / "tests" / "samples" / "erp-errors.dev.jsonl"
SIZE = 1_000_000
HOSTILE = {
    "deep JSON": "[" * (SIZE // 2) + "]" * (SIZE // 2),
    "unclosed JSON objects": '{"' * (SIZE // 2),
    "unclosed tags": "<a b " * (SIZE // 5),
    "bearer prefixes": "Bearer " * (SIZE // 7),
    "one long token": "aB3" * (SIZE // 3),
}
PLAIN = "word " * (SIZE // 5)


def best_of(run: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    return min(timeit.repeat(run, repeat=repeat, number=number)) / number


def bench_classify(engine: failreason.Engine) -> None:
    envelopes = [json.loads(line)["input"] for line in CORPUS.read_text("utf-8").splitlines()]

    def classify_all() -> None:
        for envelope in envelopes:
            engine.classify(envelope)

    def round_trip_all() -> None:
        for envelope in envelopes:
            json.loads(json.dumps(envelope))

    classify = best_of(classify_all, number=3)
    baseline = best_of(round_trip_all, number=3)
    per_error = classify / len(envelopes) * 1e6
    print(f"classify {len(envelopes)} corpus errors: {per_error:.0f} µs each")
    print(f"  ratio classify / JSON round trip: {classify / baseline:.1f}x")


def bench_hostile() -> None:
    def work(text: str) -> Callable[[], object]:
        return lambda: (parse_body(text), redact(clean_text(text)))

    plain = best_of(work(PLAIN), repeat=3)
    print(f"1 MB of plain words: {plain * 1000:.0f} ms (baseline)")
    for name, text in HOSTILE.items():
        ratio = best_of(work(text), repeat=3) / plain
        print(f"  ratio {name} / plain: {ratio:.2f}x")


def bench_regex(engine: failreason.Engine) -> None:
    hostile = {"status": 400, "message": "a" * 50_000 + "!"}
    plain = {"status": 400, "message": "word " * 10_000}
    ratio = best_of(lambda: engine.classify(hostile)) / best_of(lambda: engine.classify(plain))
    print(f"  ratio classify 50 kB of 'aaaa…!' / 50 kB of words: {ratio:.2f}x")


def main() -> int:
    engine = failreason.load()
    bench_classify(engine)
    bench_hostile()
    bench_regex(engine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
