"""`failreason report` counts that agree: every line and every item is counted once."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from failreason._report_tally import line_ranges
from failreason._sandbox import Sandbox
from failreason._sandbox_faults import FaultPlan
from tests.test_report_cli import report_text, run_report, successes

STRANGER = "00000000-0000-4000-8000-000000000000"  # an entry no job has
FATES = ("accepted", "alreadyHeld", "refused", "differs", "notSent")


def assert_counts_agree(summary: dict[str, Any]) -> None:
    """The identities the summary promises."""
    assert summary["lines"] == summary["unusable"] + summary["items"]
    assert summary["items"] == summary["repeated"] + sum(summary[fate] for fate in FATES)
    assert summary["sent"] == summary["accepted"] + summary["refused"]


def test_each_line_has_one_place_in_the_counts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Held before, unusable, repeated, refused and new items, each counted where it belongs."""
    with Sandbox() as sandbox:
        job_id, (a, b, c, d) = sandbox.create_job(4)
        run_report(sandbox, job_id, successes([a]), monkeypatch, capsys, "--no-complete")
        given = {"status": "failed", "failureReasonType": "tag_unknown", "failureReason": "Tag"}
        lines = [
            *successes([a]),
            "{oops",
            *successes([b, b, STRANGER, c]),
            json.dumps({"accountingEntryId": d, **given}),
        ]
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
    assert_counts_agree(summary)
    counts = {key: summary[key] for key in ("lines", "unusable", "items", "repeated", *FATES)}
    assert counts == {
        "lines": 7,
        "unusable": 1,
        "items": 6,
        "repeated": 1,
        "accepted": 3,
        "alreadyHeld": 1,
        "refused": 1,
        "differs": 0,
        "notSent": 0,
    }
    assert status == 1
    assert summary["problems"][0].startswith("line 2: invalid JSON")
    assert summary["problems"][1].startswith(f"line 5: Pleo refused item {STRANGER} (")
    assert (summary["outcome"]["successful"], summary["outcome"]["failed"]) == (3, 1)


def test_the_text_says_whose_counts_are_whose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lines and items of the input, then the job as Pleo holds it, each labelled."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(3)
        lines = [*successes(entries[:2]), "{oops"]
        options = ("--fail-missing", "unexpected_failure", "Not exported")
        status, out, _ = report_text(sandbox, job_id, lines, monkeypatch, capsys, *options)
    assert status == 1
    assert out.splitlines()[:4] == [
        f"export job {job_id}: 3 lines read: 2 items, 1 unusable",
        "  2 sent in this run (2 accepted by Pleo, 0 refused); 0 already held by Pleo; 0 not sent",
        "  Pleo holds every item as the input says",
        "  the job: completed_with_errors posted; Pleo holds 2 successful and 1 failed items, "
        "1 of them by --fail-missing",
    ]


def test_a_thousand_items_read_are_a_thousand_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's case: the flush set off by line 1000 is exhausted, then sent at the end."""
    monkeypatch.setenv("PLEO_CONCURRENCY", "1")  # the script's 503s fall on the tenth update
    reads, puts_before = 4, 9  # two job reads, its successful and failed items; nine updates
    plan = FaultPlan.scripted([None] * (reads + puts_before) + ["503"] * 6)
    with Sandbox(faults=plan) as sandbox:
        job_id, entries = sandbox.create_job(1000)
        status, summary = run_report(sandbox, job_id, successes(entries), monkeypatch, capsys)
    assert_counts_agree(summary)
    assert (status, summary["problems"]) == (0, [])
    assert (summary["items"], summary["accepted"], summary["outcome"]["successful"]) == (
        1000,
        1000,
        1000,
    )
    assert [note.partition(" could")[0] for note in summary["notes"]] == [
        "the items of lines 901-1000 (100 items)"
    ]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_counts_agree_whatever_pleo_does(
    seed: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under seeded 5xx, dropped and lost answers, with bad and repeated lines mixed in."""
    draw = random.Random(seed)
    faults = FaultPlan.parse("500=0.1,503=0.1,drop=0.05,lost=0.05", seed=seed)
    with Sandbox(faults=faults) as sandbox:
        job_id, entries = sandbox.create_job(250)
        lines = successes(entries)
        for _ in range(5):
            lines.insert(draw.randrange(len(lines)), draw.choice(["{oops", "[]", *lines[:3]]))
        status, summary = run_report(sandbox, job_id, lines, monkeypatch, capsys)
        held = sum(1 for item in sandbox.items(job_id) if item.status == "successful")
    assert_counts_agree(summary)
    assert summary["lines"] == 255
    assert summary["accepted"] + summary["alreadyHeld"] == held
    assert status == (0 if not summary["problems"] else 1)


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        pytest.param([7], "line 7", id="one"),
        pytest.param([9, 3, 4, 5, 4], "lines 3-5, 9", id="ranges"),
        pytest.param(range(1, 40, 2), "lines 1, 3, 5, 7, 9, 11, 13, 15, …", id="capped"),
        pytest.param([], "no lines", id="none"),
    ],
)
def test_line_ranges_name_lines_briefly(numbers: list[int], expected: str) -> None:
    """Line numbers in messages: sorted, merged into ranges, cut short when many."""
    assert line_ranges(numbers) == expected
