"""Near misses for the generic layer: realistic errors it must not take for something else.

Each line of samples/near-misses.jsonl is an error, in one of the languages of Pleo's markets,
with what it must not be: a failureReasonType, or (with a dot) a rule id. It is classified
with the built-in rules and no system, as for a system without a pack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import failreason

SUITE = Path(__file__).parent / "samples" / "near-misses.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in SUITE.read_text("utf-8").splitlines()]
LANGUAGES = {"en", "sv", "da", "nb", "fi", "de", "nl", "fr", "es"}
ORDINARY_WORDS = {"with", "for", "of", "the", "a", "an", "that", "which", "is", "name", "field"}
ORDINARY_WORDS |= {"manager", "format", "head", "code", "number", "status"}


def test_the_suite_is_large_and_multilingual() -> None:
    """At least 60 near misses, in every language of Pleo's markets, none tied to a system."""
    assert len(ROWS) >= 60
    assert {row["lang"] for row in ROWS} == LANGUAGES
    assert not [row["id"] for row in ROWS if "system" in row["input"]]


@pytest.mark.parametrize("row", [pytest.param(row, id=row["id"]) for row in ROWS])
def test_a_near_miss_is_not_taken_for_what_it_is_not(
    engine: failreason.Engine, row: dict[str, Any]
) -> None:
    """The generic layer does not decide the near miss as the thing it only resembles."""
    result = engine.classify(row["input"])
    decided = result.rule_id if "." in row["not"] else result.failure_reason_type
    assert decided != row["not"], f"{row['id']} ({row['note']}): decided by {result.rule_id}"


@pytest.mark.parametrize(
    "message",
    [
        "Tax Code with does not exist",
        "The tax code with the given ID does not exist",
        "Account with does not exist",
        "The account with the specified id was not found",
        "Tag with code name does not exist",
        "The project manager does not exist",
        "Dimension code name does not exist",
        "Invalid location format",
        "Account number is invalid",
        "Account Status is not valid",
        "Tax code status is invalid",
        "Account code is not valid",
    ],
)
def test_an_ordinary_word_is_never_captured_as_an_identifier(
    engine: failreason.Engine, message: str
) -> None:
    """A preposition or a noun after the object word is not the identifier the reason names."""
    captured = {value.casefold() for value in engine.classify({"body": message}).captures.values()}
    assert not {word for value in captured for word in value.split()} & ORDINARY_WORDS
