"""The benchmark suite's figures: read from each part's JSON, judged against issue 11's targets.

Pure functions over the parts' results, so the table and the JSON the suite prints can be
tested on canned results without running a benchmark (tests/test_bench_runner.py).

Every figure is a value measured in the same run as its baseline; ``ratio`` is always
``value / baseline``. A target bounds either the ratio or the value itself, from above
(``at most``) or below (``at least``); a figure without a target is shown for context.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Bound = Literal["ratio at most", "ratio at least", "value at most", "value at least", "value equal"]


@dataclass(frozen=True)
class Target:
    bound: Bound
    limit: float
    text: str  # as the issue words it, e.g. "<= 10x floor"

    def met(self, value: float, ratio: float) -> bool:
        if self.bound == "ratio at most":
            return ratio <= self.limit
        if self.bound == "ratio at least":
            return ratio >= self.limit
        if self.bound == "value equal":
            return value == self.limit
        if self.bound == "value at least":
            return value >= self.limit
        return value <= self.limit


@dataclass(frozen=True)
class Figure:
    part: str
    name: str
    value: float
    baseline_name: str
    baseline: float
    unit: str
    target: Target | None = None

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else math.inf

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "met" if self.target.met(self.value, self.ratio) else "MISSED"


@dataclass(frozen=True)
class Absent:
    """A part that did not run, and why (shown as a row of its own)."""

    part: str
    reason: str


Result = Mapping[str, Any]


def pipeline_figures(result: Result) -> list[Figure]:
    """Part 1: sample errors, distinct and repeated, against ``json.loads`` of the body."""
    now = result["current"]
    part, floor = "1 sample errors", "json.loads body"
    return [
        Figure(part, "distinct errors", now["distinct"], floor, now["floor"], "µs",
               Target("ratio at most", 10, "<= 10x")),
        Figure(part, "repeated errors", now["repeated"], floor, now["floor"], "µs",
               Target("ratio at most", 2, "<= 2x")),
    ]  # fmt: skip


def rules_scale_figures(result: Result) -> list[Figure]:
    """Part 2: the indexed walk at 10,000 rules against 10 rules and against plain loops."""
    rows = sorted(result["sizes"], key=lambda row: row["rules"])
    small, large = rows[0], rows[-1]
    t, n = large["us_per_message"], f"{large['rules']:,}"
    part = "2 rule sets"
    figures = [
        Figure(part, f"indexed, {n} rules", t["indexed"], f"indexed, {small['rules']} rules",
               small["us_per_message"]["indexed"], "µs", Target("ratio at most", 1.5, "<= 1.5x")),
        Figure(part, f"indexed, {n} rules", t["indexed"], "re first-match loop", t["re loop"],
               "µs", Target("ratio at most", 1 / 50, "<= 0.02x (50x faster)")),
    ]  # fmt: skip
    if "re2 loop" in t:
        figures.append(Figure(part, f"indexed, {n} rules", t["indexed"], "re2 first-match loop",
                              t["re2 loop"], "µs"))  # fmt: skip
    figures.append(Figure(part, f"indexed, {n} rules", t["indexed"], "one RE2 Set (floor)",
                          t["RE2 set"], "µs"))  # fmt: skip
    return figures


def startup_figures(result: Result) -> list[Figure]:
    """Parts 3 and 4: loading cold and cached, and a one-line classify process."""
    wall = result["median_wall_s"]
    cold = wall["built-in rules, cold load"]
    classify = "echo LINE | failreason classify (warm cache)"
    return [
        Figure("3 loading", "built-in rules, cached", wall["built-in rules, cached load"] * 1e3,
               "built-in rules, cold", cold * 1e3, "ms", Target("value at most", 50, "< 50 ms")),
        # The issue's "1,000 extra rules": their cost on top of the built-in rules' cold load.
        Figure("3 loading", "1,000 extra rules, cold",
               wall["1,000 rules (+ built-in), cold load"] * 1e3 - cold * 1e3,
               "built-in rules, cold", cold * 1e3, "ms", Target("value at most", 500, "< 500 ms")),
        Figure("3 loading", "1,000 rules + built-in, cold",
               wall["1,000 rules (+ built-in), cold load"] * 1e3, "built-in rules, cold",
               cold * 1e3, "ms"),
        Figure("3 loading", "1,000 rules + built-in, cached",
               wall["1,000 rules (+ built-in), cached load"] * 1e3, "built-in rules, cold",
               cold * 1e3, "ms"),
        Figure("4 start-up", "classify one line, warm cache", wall[classify] * 1e3,
               "python -c pass", wall["python -c pass"] * 1e3, "ms",
               Target("ratio at most", 10, "< 10x")),
    ]  # fmt: skip


def report_figures(result: Result, default_concurrency: int) -> list[Figure]:
    """Part 5: requests against the minimum, wall time against batches x latency."""
    part, figures = "5 reporting", []
    batches = math.ceil(result["items"] / 100)
    rows = {row["variant"]: row for row in result["rows"]}
    minimal = rows["minimal"]["medianSeconds"]
    for row in result["rows"]:
        if row["variant"] == "minimal":
            continue
        name, n = row["variant"], row["concurrency"]
        default = " (default)" if n == default_concurrency else ""
        bound = batches * result["latencySeconds"] / n
        figures += [
            Figure(part, f"{name} requests", row["requests"], "minimum",
                   result["minimumRequests"], "",
                   Target("value equal", result["minimumRequests"], "= minimum")),
            Figure(part, f"{name} wall{default}", row["medianSeconds"], "b x L / c", bound, "s",
                   Target("ratio at most", 1.5, "<= 1.5x")),
            Figure(part, f"{name} wall", row["medianSeconds"], "minimal sequential client",
                   minimal, "s"),
        ]  # fmt: skip
    return figures


def serve_figures(result: Result) -> list[Figure]:
    """Part 6: ``serve`` over loopback (bench_serve.py's ``run``): p99 of one repeated
    envelope a request, and classifications a second of four clients sending it at once."""
    part = "6 serve"
    single, concurrent = result["single repeated"], result["concurrent repeated"]
    single_rate = single["classifications_per_second"]
    figures = [
        Figure(part, "one envelope, repeated: p99", single["p99_ms"], "its p50",
               single["p50_ms"], "ms", Target("value at most", 5, "< 5 ms")),
        Figure(part, "4 clients, repeated", concurrent["classifications_per_second"],
               "1 client", single_rate, "/s", Target("value at least", 2000, ">= 2,000/s")),
    ]  # fmt: skip
    if "batch repeated" in result:
        figures.append(Figure(part, "batches of 100, repeated",
                              result["batch repeated"]["classifications_per_second"],
                              "1 client", single_rate, "/s"))  # fmt: skip
    if "single distinct" in result:
        distinct = result["single distinct"]
        figures.append(Figure(part, "one envelope, distinct: p99", distinct["p99_ms"],
                              "repeated p99", single["p99_ms"], "ms"))  # fmt: skip
    return figures


def number(value: float, unit: str) -> str:
    """A figure with three significant digits, or a whole count, and its unit."""
    if unit == "" and float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".strip()


COLUMNS = ("part", "figure", "value", "baseline (same run)", "ratio", "target", "verdict")


def table(rows: Sequence[Figure | Absent], header: Sequence[str] = ()) -> str:
    """The suite's one table, as plain text aligned in columns."""
    cells = [list(COLUMNS)]
    for row in rows:
        if isinstance(row, Absent):
            cells.append([row.part, f"not run ({row.reason})", "", "", "", "", ""])
            continue
        baseline = f"{row.baseline_name}: {number(row.baseline, row.unit)}"
        target = row.target.text if row.target else ""
        cells.append([row.part, row.name, number(row.value, row.unit), baseline,
                      f"{row.ratio:.3g}x", target, row.verdict])  # fmt: skip
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = list(header)
    for index, line in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def as_json(rows: Sequence[Figure | Absent], machine: Mapping[str, Any], quick: bool) -> Any:
    """The same rows as data: every figure with its ratio and verdict."""
    figures, absent = [], []
    for row in rows:
        if isinstance(row, Absent):
            absent.append(asdict(row))
        else:
            figures.append({**asdict(row), "ratio": row.ratio, "verdict": row.verdict or None})
    missed = [f"{f['part']}: {f['name']}" for f in figures if f["verdict"] == "MISSED"]
    return {"machine": dict(machine), "quick": quick, "figures": figures, "not_run": absent,
            "missed": missed}  # fmt: skip


Extractor = Callable[[Result], list[Figure]]
