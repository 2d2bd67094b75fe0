"""Work and memory per error as the input grows, as ratios measured in the same run.

Run on demand: ``python benchmarks/bench_bounds.py`` (about a minute). Absolute times depend
on the machine; the ratios are what to compare between runs:

- size 8N / size N, for inputs below the body bound: linear work keeps this near 8, and a
  quadratic path shows as 64 (many distinct HTML paragraphs took 8.6 s at 180 KB before);
- 16 MiB / 1 MiB, past the body bound: the bound keeps time and memory near 1 (a 16 MB
  body used to cost 680 MB of memory);
- hostile / plain: a megabyte of each kind of adversarial body against a megabyte of words;
- secrets at 8N / N: redacting text built to make a secret scanner backtrack (names without
  values, unclosed quotes, endless PEM headers, ...) stays near 8.

Each pair is measured interleaved (N, 8N, N, 8N, ...) and the best of each kept, so that load
from elsewhere on the machine disturbs both sides alike.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import failreason
from failreason._bounds import MAX_BODY_BYTES
from failreason._redact import redact, redact_markup

Make = Callable[[int], Any]
MiB = 1 << 20

GROWING: dict[str, Make] = {
    "distinct HTML paragraphs": lambda n: "<html>" + "".join(f"<p>para {i}</p>" for i in range(n)),
    "distinct HTML headings": lambda n: "<html>" + "".join(f"<h2>head {i}</h2>" for i in range(n)),
    "distinct JSON messages": lambda n: {"errors": [{"message": f"problem {i}"} for i in range(n)]},
    "JSON text of messages": lambda n: "[" + ",".join(f'{{"m": "x{i}"}}' for i in range(n)) + "]",
    "non-ASCII words": lambda n: "Kontot är ogiltigt. " * n,
    "form parameters": lambda n: "&".join(f"k{i}=v{i}" for i in range(n)),
    "XML elements": lambda n: "<r>" + "".join(f"<e>v{i}</e>" for i in range(n)) + "</r>",
}
HOSTILE: dict[str, str] = {
    "deep JSON": "[" * (MiB // 2) + "]" * (MiB // 2),
    "unclosed JSON objects": '{"' * (MiB // 2),
    "deep XML": "<a>" * (MiB // 3),
    "unclosed tags": "<a b " * (MiB // 5),
    "entities": "&#99999999999;&lt;b&gt;" * (MiB // 23),
    "zero-width and bidi": "\u200b\u202ex" * (MiB // 3),
    "surrogate halves": "\ud800x" * (MiB // 2),
    "empty JSON objects": "[" + "{}," * (MiB // 3) + "{}]",
    "object words far from a state": "konto " * (MiB // 12) + "x" * (MiB // 2) + " finns inte",
}
PLAIN = "word " * (MiB // 5)
# Text n characters long that would make a careless secret scanner retry from every position.
SECRETS_GROWING: dict[str, Callable[[int], str]] = {
    "pairs": lambda n: "password=" * (n // 9),
    "unclosed values": lambda n: 'password:"' * (n // 10),
    "escaped values": lambda n: '\\"token\\":\\"' * (n // 13),
    "names": lambda n: "a" * 120 + "=" * (n // 121),
    "long names": lambda n: ("x" * 200 + " ") * (n // 201),
    "URL userinfo": lambda n: ("https://" + "u" * 250 + ":") * (n // 259),
    "URL passwords": lambda n: "https://u:" + "p" * n,
    "PEM begins": lambda n: "-----BEGIN PRIVATE KEY-----" * (n // 27),
    "PEM bodies": lambda n: ("-----BEGIN PRIVATE KEY-----" + "A" * 20_000 + " ") * (n // 20_000),
    "cookies": lambda n: "Cookie: " + "a=b;" * (n // 4),
    "prefixes": lambda n: "sk_live_" * (n // 8),
    "named": lambda n: "token " * (n // 6),
    "one long token": lambda n: "aB3" * (n // 3),
    "markup": lambda n: "<password " * (n // 10),
    "CDATA": lambda n: "<password><![CDATA[" * (n // 19),
}


def interleaved(runs: dict[str, Callable[[], object]], repeat: int = 3) -> dict[str, float]:
    """Best time of each run, the runs taken in turn ``repeat`` times."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def peak_memory(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def classify(engine: failreason.Engine, body: Any) -> Callable[[], object]:
    return lambda: engine.classify({"status": 400, "body": body})


def bench_growth(engine: failreason.Engine, size: int = 4_000) -> None:
    print(f"time at size 8N / size N (N = {size} items; linear ~8, quadratic ~64)")
    for name, make in GROWING.items():
        small, large = make(size), make(8 * size)
        times = interleaved({"N": classify(engine, small), "8N": classify(engine, large)})
        print(f"  {name:26} {times['8N'] / times['N']:5.1f}x   ({times['N'] * 1000:.1f} ms at N)")


def bench_bound(engine: failreason.Engine) -> None:
    print("past the body bound: 16 MiB / 1 MiB (the bound keeps both near 1)")
    text = "Account 4010 is not valid. "
    small, large = (text * (size // len(text)) for size in (MAX_BODY_BYTES, 16 * MAX_BODY_BYTES))
    times = interleaved({"1": classify(engine, small), "16": classify(engine, large)})
    memory = {
        key: peak_memory(classify(engine, body)) for key, body in (("1", small), ("16", large))
    }
    print(f"  time   {times['16'] / times['1']:5.2f}x   ({times['1'] * 1000:.0f} ms at 1 MiB)")
    print(
        f"  memory {memory['16'] / memory['1']:5.2f}x   ({memory['1'] / MiB:.1f} MiB peak at 1 MiB)"
    )
    for name, body in (("16 MiB text", large), ("16 MiB bytes", large.encode())):
        peak = peak_memory(classify(engine, body))
        print(f"  {name}: peak {peak / MiB:.1f} MiB = {peak / MAX_BODY_BYTES:.1f}x the bound")


def bench_hostile(engine: failreason.Engine) -> None:
    print("a megabyte of hostile input / a megabyte of plain words (time; peak memory)")
    runs = {"plain": classify(engine, PLAIN)} | {
        name: classify(engine, body) for name, body in HOSTILE.items()
    }
    times = interleaved(runs)
    plain_memory = peak_memory(runs["plain"])
    print(f"  plain words: {times['plain'] * 1000:.0f} ms, {plain_memory / MiB:.1f} MiB (baseline)")
    for name in HOSTILE:
        memory = peak_memory(runs[name]) / plain_memory
        print(f"  {name:24} {times[name] / times['plain']:6.2f}x   {memory:6.2f}x")


def redacting(text: str) -> Callable[[], object]:
    return lambda: (redact(text), redact_markup(text))


def bench_secrets(size: int = 20_000) -> None:
    print(f"redacting at 8N / N characters (N = {size}; linear ~8, quadratic ~64)")
    for name, make in SECRETS_GROWING.items():
        small, large = make(size), make(8 * size)
        times = interleaved({"N": redacting(small), "8N": redacting(large)})
        print(f"  {name:26} {times['8N'] / times['N']:5.1f}x   ({times['N'] * 1000:.1f} ms at N)")


def main() -> int:
    engine = failreason.load()
    bench_growth(engine)
    bench_bound(engine)
    bench_hostile(engine)
    bench_secrets()
    return 0


if __name__ == "__main__":
    sys.exit(main())
