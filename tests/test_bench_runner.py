"""The benchmark suite's table and JSON, assembled from canned part results (nothing timed)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


suite = load("suite_table")
runner = load("run_all")

PIPELINE = {"current": {"floor": 5.0, "distinct": 40.0, "repeated": 12.0}}
RULES: dict[str, Any] = {
    "sizes": [
        {"rules": 10_000, "us_per_message": {"indexed": 9.0, "re loop": 900.0,
                                             "re2 loop": 450.0, "RE2 set": 3.0}},
        {"rules": 10, "us_per_message": {"indexed": 8.0, "re loop": 2.0,
                                          "re2 loop": 4.0, "RE2 set": 1.0}},
    ]
}  # fmt: skip
STARTUP: dict[str, Any] = {
    "median_wall_s": {
        "built-in rules, cold load": 0.700,
        "built-in rules, cached load": 0.020,
        "1,000 rules (+ built-in), cold load": 0.900,
        "1,000 rules (+ built-in), cached load": 0.030,
        "python -c pass": 0.010,
        "echo LINE | failreason classify (warm cache)": 0.145,
    }
}
REPORT = {
    "items": 10_000,
    "latencySeconds": 0.1,
    "minimumRequests": 104,
    "rows": [
        {"variant": "minimal", "concurrency": 1, "medianSeconds": 10.2, "requests": 101},
        {"variant": "failreason c4", "concurrency": 4, "medianSeconds": 2.6, "requests": 104},
        {"variant": "failreason c8", "concurrency": 8, "medianSeconds": 1.9, "requests": 105},
    ],
}


def verdicts(figures: list[Any]) -> list[tuple[str, str, str]]:
    return [(f.name, f.baseline_name, f.verdict) for f in figures]


def test_pipeline_ratios_to_the_body_floor() -> None:
    distinct, repeated = suite.pipeline_figures(PIPELINE)
    assert distinct.ratio == pytest.approx(8.0)
    assert distinct.verdict == "met"  # 8x within 10x
    assert repeated.ratio == pytest.approx(2.4)
    assert repeated.verdict == "MISSED"  # 2.4x over 2x


def test_rule_scale_compares_the_largest_set_with_the_smallest_and_the_loops() -> None:
    figures = suite.rules_scale_figures(RULES)
    assert verdicts(figures) == [
        ("indexed, 10,000 rules", "indexed, 10 rules", "met"),  # 1.125x
        ("indexed, 10,000 rules", "re first-match loop", "met"),  # 100x faster
        ("indexed, 10,000 rules", "re2 first-match loop", ""),
        ("indexed, 10,000 rules", "one RE2 Set (floor)", ""),
    ]
    slower = {**RULES["sizes"][0]["us_per_message"], "re loop": 400.0}  # only 44x faster
    missed = suite.rules_scale_figures({"sizes": [{"rules": 10_000, "us_per_message": slower},
                                                  RULES["sizes"][1]]})  # fmt: skip
    assert missed[1].verdict == "MISSED"


def test_startup_targets_are_bounds_on_value_and_ratio() -> None:
    cached, extra, cold_1000, cached_1000, classify = suite.startup_figures(STARTUP)
    assert (cached.value, cached.verdict) == (pytest.approx(20.0), "met")
    assert (extra.value, extra.verdict) == (pytest.approx(200.0), "met")  # 900 - 700 ms
    assert (cold_1000.value, cold_1000.verdict) == (pytest.approx(900.0), "")
    assert cached_1000.verdict == ""
    slow = {**STARTUP["median_wall_s"], "1,000 rules (+ built-in), cold load": 1.201}
    assert suite.startup_figures({"median_wall_s": slow})[1].verdict == "MISSED"  # 501 ms
    assert classify.ratio == pytest.approx(14.5)
    assert classify.verdict == "MISSED"


def test_reporting_needs_the_exact_minimum_of_requests() -> None:
    figures = suite.report_figures(REPORT, default_concurrency=4)
    by_name = {(f.name, f.baseline_name): f for f in figures}
    assert by_name[("failreason c4 requests", "minimum")].verdict == "met"
    assert by_name[("failreason c8 requests", "minimum")].verdict == "MISSED"  # one too many
    wall = by_name[("failreason c4 wall (default)", "b x L / c")]
    assert wall.baseline == pytest.approx(2.5)  # 100 batches x 0.1 s / 4
    assert wall.verdict == "met"  # 1.04x
    assert by_name[("failreason c8 wall", "b x L / c")].verdict == "MISSED"  # 1.52x
    assert "minimal" not in {f.name for f in figures}


SERVE: dict[str, Any] = {  # the shape of bench_serve.run()
    "single repeated": {"p50_ms": 1.2, "p99_ms": 4.0, "requests": 5000,
                        "classifications_per_second": 700.0},
    "concurrent repeated": {"p50_ms": 2.0, "p99_ms": 9.0, "requests": 5000,
                            "classifications_per_second": 1900.0},
    "batch repeated": {"p50_ms": 9.0, "p99_ms": 20.0, "requests": 500,
                       "classifications_per_second": 20000.0},
    "single distinct": {"p50_ms": 1.5, "p99_ms": 6.0, "requests": 5000,
                        "classifications_per_second": 600.0},
    "targets": {"cpus": 2},
}  # fmt: skip


def test_serve_p99_and_throughput_against_their_targets() -> None:
    p99, rate, batch, distinct = suite.serve_figures(SERVE)
    assert (p99.value, p99.baseline, p99.verdict) == (4.0, 1.2, "met")  # under 5 ms
    assert (rate.value, rate.baseline, rate.verdict) == (1900.0, 700.0, "MISSED")  # < 2,000/s
    assert (batch.verdict, distinct.verdict) == ("", "")
    assert distinct.ratio == pytest.approx(1.5)
    faster = {**SERVE, "concurrent repeated": {**SERVE["concurrent repeated"],
                                               "classifications_per_second": 2000.0}}  # fmt: skip
    assert suite.serve_figures(faster)[1].verdict == "met"


def test_a_part_that_failed_or_is_absent_becomes_a_row_saying_why() -> None:
    results = {
        "bench_pipeline.py": PIPELINE,
        "bench_report.py": {"rows": []},  # not what the extractor reads
        "bench_serve.py": "bench_serve.py absent",
    }
    rows = runner.collect(results, {**runner.EXTRACTORS, "bench_serve.py": suite.serve_figures})
    assert [type(row).__name__ for row in rows] == ["Figure", "Figure", "Absent", "Absent"]
    assert rows[2].part == "5 reporting"
    assert "unexpected JSON from bench_report.py" in rows[2].reason
    assert rows[3].reason == "bench_serve.py absent"


def test_table_shows_every_column_aligned_with_the_header_first() -> None:
    rows = [*suite.pipeline_figures(PIPELINE), suite.Absent("6 serve", "bench_serve.py absent")]
    text = suite.table(rows, ["$ python benchmarks/run_all.py", ""])
    lines = text.splitlines()
    assert lines[0] == "$ python benchmarks/run_all.py"
    assert lines[2].split() == ["part", "figure", "value", "baseline", "(same", "run)", "ratio",
                                "target", "verdict"]  # fmt: skip
    distinct = lines[4]
    assert "distinct errors" in distinct
    assert "40 µs" in distinct
    assert "json.loads body: 5 µs" in distinct
    assert "8x" in distinct
    assert distinct.endswith("met")
    assert lines[5].endswith("MISSED")
    assert "not run (bench_serve.py absent)" in lines[6]
    assert lines[2].index("ratio") == distinct.index("8x")  # columns line up


def test_numbers_keep_three_significant_digits_and_whole_counts() -> None:
    assert suite.number(104, "") == "104"
    assert suite.number(0.0213, "s") == "0.0213 s"
    assert suite.number(1234.5, "ms") == "1,234 ms"  # rounded half to even
    assert suite.number(14.46, "ms") == "14.5 ms"


def test_json_lists_figures_with_ratios_verdicts_and_what_missed() -> None:
    rows = [*suite.pipeline_figures(PIPELINE), suite.Absent("6 serve", "bench_serve.py absent")]
    data = suite.as_json(rows, {"cores": 2}, quick=True)
    json.dumps(data)  # plain data all the way down
    assert data["quick"] is True
    assert data["machine"] == {"cores": 2}
    assert [f["verdict"] for f in data["figures"]] == ["met", "MISSED"]
    assert data["figures"][0]["ratio"] == pytest.approx(8.0)
    assert data["missed"] == ["1 sample errors: repeated errors"]
    assert data["not_run"] == [{"part": "6 serve", "reason": "bench_serve.py absent"}]
