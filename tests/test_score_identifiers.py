"""Scoring checks that a reason names the identifiers the error named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason._cli import main
from failreason._score import format_score, score

ENGINE = failreason.load()

NAMED_ACCOUNT = {
    "id": "named",
    "input": {
        "system": "xero",
        "body": "Account code '4010' is not a valid code for this document.",
    },
    "accept": ["invalid_configuration"],
    "captures": {"account": "4010"},
}
FROM_THE_REQUEST = {
    "id": "unsaid",
    "input": {"system": "xero", "body": "Account must be valid."},
    "accept": ["invalid_configuration"],
    "captures": {"account": "4000"},
}
VENDOR_WORDING = {
    "id": "vendor",
    "input": {"body": "Supplier 'ACME-77' does not exist"},
    "accept": ["vendor_unknown"],
    "captures": {"vendor": "ACME-77"},
}


def test_an_identifier_the_error_names_is_looked_for_in_the_reason() -> None:
    result = score(ENGINE, [NAMED_ACCOUNT])
    (named,) = result.entries[0].named
    assert (named.name, named.value, named.in_reason) == ("account", "4010", True)
    assert result.identifiers() == (1, 1)


def test_a_capture_labelled_from_the_request_is_not_counted() -> None:
    """The error never says 4000, so no reason could: it is left out of the share."""
    assert score(ENGINE, [FROM_THE_REQUEST]).identifiers() == (0, 0)


def test_an_identifier_the_reason_leaves_out_is_reported_as_dropped() -> None:
    """Pleo's vendor wording has no place for the vendor, so the share shows the loss."""
    result = score(ENGINE, [NAMED_ACCOUNT, VENDOR_WORDING])
    assert result.identifiers() == (1, 2)
    assert [(e.id, n.value) for e, n in result.dropped()] == [("vendor", "ACME-77")]
    text = format_score(result)
    assert "DROPPED vendor ((none)): the error names vendor 'ACME-77'" in text
    assert "identifiers: 1/2 named by the error are named in the reason (50.0%)" in text


def test_the_json_summary_carries_the_identifier_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rows.jsonl"
    rows = [NAMED_ACCOUNT, VENDOR_WORDING, FROM_THE_REQUEST]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["score", str(path), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    vendor_rule = ENGINE.classify(VENDOR_WORDING["input"]).rule_id
    assert summary["identifiers"] == {
        "named": 1,
        "total": 2,
        "dropped": [{"id": "vendor", "capture": "vendor", "value": "ACME-77", "rule": vendor_rule}],
    }


def test_without_labelled_captures_no_share_is_printed() -> None:
    row = {key: value for key, value in NAMED_ACCOUNT.items() if key != "captures"}
    assert "identifiers:" not in format_score(score(ENGINE, [row]))


NAMED_IDENTIFIERS = Path(__file__).parent / "samples" / "named-identifiers.jsonl"
# Pleo's wording for an unknown vendor is fixed and names no vendor (the seed table).
FIXED_WORDING = {"vendor_unknown"}


def named_identifier_rows() -> list[dict[str, Any]]:
    lines = NAMED_IDENTIFIERS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def test_real_errors_naming_an_identifier_get_an_accepted_type() -> None:
    """Real errors that name an account, tax code, tag, journal or vendor (with sources)."""
    result = score(ENGINE, named_identifier_rows())
    misses = "\n".join(f"{m.id} {m.system}: {m.got} by {m.rule_id}" for m in result.misses())
    assert result.ratio >= 0.9, misses


def test_reasons_name_every_identifier_unless_pleos_wording_has_no_place_for_it() -> None:
    result = score(ENGINE, named_identifier_rows())
    assert result.identifiers()[1] >= 40  # the set names one in every row
    unexplained = [
        (entry.id, named.value)
        for entry, named in result.dropped()
        if entry.got not in FIXED_WORDING
    ]
    assert unexplained == []
