"""`failreason demo`: the README's main command reports a job end to end."""

from __future__ import annotations

import json

import pytest

from failreason._cli import main


def test_demo_reports_every_item_and_completes_the_job(capsys: pytest.CaptureFixture[str]) -> None:
    """Every item ends final, failures carry rule-made reasons, and the event matches."""
    status = main(["demo", "--items", "30", "--seed", "3", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    items = summary["items"]
    assert status == 0
    assert len(items) == 30
    assert {item["status"] for item in items} == {"successful", "failed"}
    failed = [item for item in items if item["status"] == "failed"]
    assert all(item["failureReasonType"] and item["failureReason"] for item in failed)
    assert len({item["source"] for item in failed}) >= 5  # errors from several systems
    assert summary["outcome"]["event"] == "completed_with_errors"
    assert summary["job"]["status"] == "completed_with_errors"


def test_demo_text_output_names_the_event(capsys: pytest.CaptureFixture[str]) -> None:
    """The text a person reads ends with the job's event and the faults ridden out."""
    assert main(["demo", "--items", "3"]) == 0
    out = capsys.readouterr().out
    assert "job event: completed_with_errors" in out
    assert out.splitlines()[-1].startswith("faults ridden out on the way: ")
