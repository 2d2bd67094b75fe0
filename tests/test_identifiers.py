"""A captured identifier must look like one: no reason names "Account No. number"."""

from __future__ import annotations

import pytest

import failreason
from failreason._identifiers import looks_like_identifier, plausible

ENGINE = failreason.load()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4010", "Account 4010 does not exist"),
        ("Travel", "Account 'Travel' is not valid"),
        ("travel", "Account [travel] is not valid"),
        ("AB-CASH", "Account AB-CASH does not exist"),
        ("Marketing:Events", "Class Marketing:Events is inactive"),
        ("GST on Income", "The TaxType code GST on Income does not exist"),
        ("purchase", "No journal could be found for any of those types: purchase"),
        ("S25", "Tax Code S25 does not exist"),
    ],
)
def test_an_identifier_in_the_text_is_kept(value: str, message: str) -> None:
    assert looks_like_identifier(value, [message])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("number", "Account number is invalid"),
        ("with", "Tax Code with does not exist"),
        ("Status", "Account Status is not valid"),
        ("code name", "Tag with code name does not exist"),
        ("nummer", "Kontonummer nummer saknas"),
        ("", "Account  does not exist"),
    ],
)
def test_a_word_of_the_sentence_is_no_identifier(value: str, message: str) -> None:
    assert not looks_like_identifier(value, [message])


def test_a_value_from_a_field_or_params_is_kept_as_it_is() -> None:
    """It does not stand in the messages, so the sentence did not put it there."""
    assert looks_like_identifier("status", ["The value is not allowed"])


def test_only_identifier_captures_are_judged() -> None:
    captures = {"account": "number", "field": "number", "tag": "4711"}
    assert plausible(captures, ["Account number is invalid for tag 4711"]) == {
        "field": "number",
        "tag": "4711",
    }


def test_a_dropped_capture_leaves_the_rule_to_its_wording_without_one() -> None:
    result = ENGINE.classify({"body": "Account number is invalid"})
    assert result.failure_reason_type == "invalid_configuration"
    assert "account" not in result.captures
    assert result.failure_reason == (
        "An account used on this entry does not exist in the Accounting System. "
        "Check Category. Account number is invalid"
    )
