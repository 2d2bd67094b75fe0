"""What ``failreason serve`` counts, written in Prometheus' text exposition format 0.0.4.

Counts are kept under one lock: batches are classified on worker threads while single
envelopes are classified on the event loop. Label values are rule ids, canonical system ids
and failure types, all from the rule set, so their number is bounded by it; a system id the
rules do not know is counted as ``unknown``, never echoed, so a client cannot grow the page.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Iterable

from failreason._cache import CacheInfo

# Seconds; a cached classification takes microseconds, a 10,000-line batch seconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
FALLBACK_RULE = "failreason.last-resort"  # what decides when no rule does


class Metrics:
    """Classifications by rule, system and type, request latency, and reload outcomes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_rule: Counter[str] = Counter()
        self._by_system: Counter[str] = Counter()
        self._by_type: Counter[str] = Counter()
        self._latency_counts = [0] * (len(LATENCY_BUCKETS) + 1)  # the last: above every bound
        self._latency_sum = 0.0
        self._reloads: Counter[str] = Counter()  # "ok" / "failed"
        self.rules_ok = True

    def classified(self, rule: str, system: str, failure_type: str) -> None:
        with self._lock:
            self._by_rule[rule] += 1
            self._by_system[system] += 1
            self._by_type[failure_type] += 1

    def observe(self, seconds: float) -> None:
        """One request's handling time."""
        with self._lock:
            self._latency_counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self._latency_sum += seconds

    def reloaded(self, ok: bool) -> None:
        with self._lock:
            self._reloads["ok" if ok else "failed"] += 1
            self.rules_ok = ok

    def exposition(self, cache: CacheInfo) -> str:
        """The ``/metrics`` page."""
        with self._lock:
            total = sum(self._by_rule.values())
            fallback = self._by_rule.get(FALLBACK_RULE, 0)
            lines = [
                *_family("failreason_classifications_total", "counter",
                         "Errors classified.", [("", total)]),
                *_family("failreason_classifications_by_rule_total", "counter",
                         "Errors classified, by the rule that decided.",
                         _labelled("rule", self._by_rule)),
                *_family("failreason_classifications_by_system_total", "counter",
                         "Errors classified, by canonical system id (unknown: not known).",
                         _labelled("system", self._by_system)),
                *_family("failreason_classifications_by_type_total", "counter",
                         "Errors classified, by failure reason type.",
                         _labelled("type", self._by_type)),
                *_family("failreason_fallback_ratio", "gauge",
                         "Share of classifications only the fallback decided.",
                         [("", fallback / total if total else 0.0)]),
                *_family("failreason_cache_hits_total", "counter",
                         "Result cache lookups that hit.", [("", cache.hits)]),
                *_family("failreason_cache_misses_total", "counter",
                         "Result cache lookups that missed.", [("", cache.misses)]),
                *_family("failreason_rule_reloads_total", "counter",
                         "Rule set reloads, by outcome.", _labelled("outcome", self._reloads)),
                *_family("failreason_rules_ok", "gauge",
                         "1 when the last reload succeeded, 0 when the old rules are kept.",
                         [("", int(self.rules_ok))]),
                *self._histogram(),
            ]  # fmt: skip
        return "\n".join(lines) + "\n"

    def _histogram(self) -> list[str]:
        name = "failreason_request_duration_seconds"
        lines = [f"# HELP {name} Time to answer a classify or explain request.",
                 f"# TYPE {name} histogram"]  # fmt: skip
        cumulative = 0
        for bound, count in zip(LATENCY_BUCKETS, self._latency_counts, strict=False):
            cumulative += count
            lines.append(f'{name}_bucket{{le="{bound}"}} {cumulative}')
        cumulative += self._latency_counts[-1]
        lines.append(f'{name}_bucket{{le="+Inf"}} {cumulative}')
        lines.append(f"{name}_sum {self._latency_sum}")
        lines.append(f"{name}_count {cumulative}")
        return lines


def _family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]
) -> list[str]:
    return [
        f"# HELP {name} {help_text}",
        f"# TYPE {name} {kind}",
        *(f"{name}{labels} {value}" for labels, value in samples),
    ]


def _labelled(label: str, counts: Counter[str]) -> list[tuple[str, float]]:
    return [(f'{{{label}="{_escaped(key)}"}}', value) for key, value in sorted(counts.items())]


def _escaped(value: str) -> str:
    """A label value as the format wants it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
