"""Matchers: statuses, codes, folded text, regex captures, fields, headers, params, logic."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import failreason
from failreason._normalize import fold
from tests.conftest import WriteRules


def engine_with(write_rules: WriteRules, match: str, message: str = "matched") -> failreason.Engine:
    """An engine whose first rule is ``acme.rule`` with the given match block."""
    rules = write_rules(
        acme=f"""\
rules:
  - id: acme.rule
    system: acme
    match: {match}
    type: invalid_configuration
    message: {message!r}
""".replace("    system: acme\n", "")
    )
    return failreason.load(rules)


def decides(engine: failreason.Engine, raw: dict[str, Any]) -> bool:
    return engine.classify(raw).rule_id == "acme.rule"


@pytest.mark.parametrize(
    ("status_spec", "matching", "not_matching"),
    [
        pytest.param("400", [400], [401, None]),
        pytest.param("[400, 422]", [400, 422], [401]),
        pytest.param("4xx", [400, 451, 499], [399, 500]),
        pytest.param("'>=500'", [500, 599], [499]),
        pytest.param("'>500'", [501], [500]),
        pytest.param("'<300'", [200, 299], [300]),
        pytest.param("'<=300'", [300], [301]),
        pytest.param("500-503", [500, 503], [504]),
    ],
)
def test_status_forms(
    write_rules: WriteRules, status_spec: str, matching: list[int], not_matching: list[int | None]
) -> None:
    """Exact statuses, lists, classes, comparisons and ranges match what they say."""
    engine = engine_with(write_rules, f"{{status: {status_spec}}}")
    assert all(decides(engine, {"status": s}) for s in matching)
    assert not any(decides(engine, {"status": s} if s else {}) for s in not_matching)


def test_code_matches_envelope_and_body_codes_case_insensitively(write_rules: WriteRules) -> None:
    """A code rule sees the envelope's code and the codes found in the body, in any case."""
    engine = engine_with(write_rules, "{code: [invalid_key_or_ref, 2000433]}")
    assert decides(engine, {"code": "INVALID_KEY_OR_REF"})
    assert decides(engine, {"body": {"ErrorInformation": {"Message": "x", "Code": 2000433}}})
    assert not decides(engine, {"code": "INVALID_FLD_VALUE"})


@pytest.mark.parametrize(
    ("needle", "text"),
    [
        pytest.param("kontot existerar inte", "KONTOT EXISTERAR INTE", id="case"),
        pytest.param("ungultig", "Der BU-Schlüssel ist ungültig!", id="accent-in-text"),
        pytest.param("ungültig", "Der BU-Schlussel ist UNGULTIG!", id="accent-in-rule"),
        pytest.param("strasse", "Straße", id="sharp-s"),
        pytest.param("behorighet", "Har inte behörighet för scope", id="swedish"),
        pytest.param("ikke fundet", "Konto ikke fundet", id="danish"),
    ],
)
def test_contains_ignores_case_and_accents(write_rules: WriteRules, needle: str, text: str) -> None:
    """`contains` matches whatever the case and accents on either side."""
    engine = engine_with(write_rules, f"{{contains: {needle!r}}}")
    assert decides(engine, {"message": text})


def test_regex_captures_keep_the_original_spelling(write_rules: WriteRules) -> None:
    """Captures come from the original text, accents and case intact."""
    engine = engine_with(
        write_rules,
        '{regex: \'kontot "?(?P<account>[^" ]+)"? existerar inte\'}',
        "Account {{ account }}",
    )
    result = engine.classify({"message": 'Inköpskonto: KONTOT "4000-Å" existerar inte.'})
    assert result.captures == {"account": "4000-Å"}
    assert result.failure_reason == "Account 4000-Å"


@given(st.text(max_size=60))
def test_folding_keeps_a_map_to_every_original_character(text: str) -> None:
    """Every folded character points back into the original text, in order."""
    folded = fold(text)
    assert len(folded.origin) == len(folded.folded)
    assert list(folded.origin) == sorted(folded.origin)
    assert all(0 <= i < len(text) for i in folded.origin)


EUROPEAN_LETTERS = string.ascii_letters + "æøåäöüßéèêáàíóúñçÆØÅÄÖÜÉÈÊÁÀÍÓÚÑÇ0123456789 "


@given(st.text(alphabet=EUROPEAN_LETTERS, min_size=1, max_size=30))
def test_case_and_accents_fold_to_one_form(text: str) -> None:
    """Upper case, lower case and unaccented spellings of a text fold alike."""
    plain = fold(text).folded
    assert fold(text.upper()).folded == plain
    assert fold(text.lower()).folded == plain
    assert fold(plain).folded == plain


def test_regex_runs_in_linear_time_on_hostile_input(write_rules: WriteRules) -> None:
    """A pattern that backtracks exponentially in Python's re finishes under RE2.

    Python's re would not return from this search within the age of the universe, so the
    test finishing at all is the check; benchmarks/ measures the time.
    """
    engine = engine_with(write_rules, "{regex: '^(a+)+$'}")
    assert not decides(engine, {"message": "a" * 5_000 + "!"})
    assert decides(engine, {"message": "a" * 5_000})


def test_fields_equals_regex_exists_and_capture(write_rules: WriteRules) -> None:
    """JSON-path fields test values in the parsed body and capture them."""
    match = (
        '{fields: {\'"o:errorDetails"[]."o:errorCode"\': {equals: INVALID_KEY_OR_REF},'
        " '\"o:errorDetails\"[].detail':"
        " {regex: 'invalid (?P<field>\\w+) reference key (?P<key>\\w+)'},"
        " 'title': {exists: true, capture: title}}}"
    )
    engine = engine_with(write_rules, match, "{{ field }} {{ key }} ({{ title }})")
    body = {
        "title": "Bad Request",
        "o:errorDetails": [
            {"detail": "Something else", "o:errorCode": "USER_ERROR"},
            {"detail": "Invalid entity reference key 401020.", "o:errorCode": "INVALID_KEY_OR_REF"},
        ],
    }
    assert engine.classify({"status": 400, "body": body}).failure_reason == (
        "entity 401020 (Bad Request)"
    )
    assert not decides(engine, {"status": 400, "body": {"title": "Bad Request"}})


def test_field_exists_false_requires_absence(write_rules: WriteRules) -> None:
    """`exists: false` holds only when the path finds nothing."""
    engine = engine_with(write_rules, "{fields: {error.code: {exists: false}}}")
    assert decides(engine, {"body": {"error": {"message": "x"}}})
    assert not decides(engine, {"body": {"error": {"code": "E1", "message": "x"}}})


def test_headers_are_case_insensitive(write_rules: WriteRules) -> None:
    """Header names match in any case and their values can be captured."""
    engine = engine_with(
        write_rules, "{headers: {Retry-After: {regex: '^\\d+$', capture: wait}}}", "wait {{ wait }}"
    )
    assert engine.classify({"headers": {"retry-after": "30"}}).failure_reason == "wait 30"
    assert not decides(engine, {"headers": {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}})


def test_params_optional_capture(write_rules: WriteRules) -> None:
    """An optional param is captured when present and does not block the match when absent."""
    engine = engine_with(
        write_rules,
        "{code: x, params: {journal: {capture: journal, optional: true}}}",
        "{% if journal is defined %}J {{ journal }}{% else %}no journal{% endif %}",
    )
    assert (
        engine.classify({"code": "x", "params": {"journal": "Sales"}}).failure_reason == "J Sales"
    )
    assert engine.classify({"code": "x"}).failure_reason == "no journal"


def test_all_any_not(write_rules: WriteRules) -> None:
    """`all`, `any` and `not` combine matchers as their names say."""
    engine = engine_with(
        write_rules,
        "{all: [{any: [{status: 400}, {status: 422}]}, {not: {contains: ignore me}}]}",
    )
    assert decides(engine, {"status": 422, "message": "x"})
    assert not decides(engine, {"status": 400, "message": "please IGNORE me"})
    assert not decides(engine, {"status": 500})


def test_system_and_stage(write_rules: WriteRules) -> None:
    """`system` and `stage` match the envelope's values."""
    engine = engine_with(write_rules, "{system: [xero, fortnox], stage: entry}")
    assert decides(engine, {"system": "fortnox"})
    assert not decides(engine, {"system": "fortnox", "stage": "receipt_upload"})
    assert not decides(engine, {"system": "myob"})


def test_a_regex_for_empty_text_still_holds_when_there_are_no_words(
    write_rules: WriteRules,
) -> None:
    """Reading identifiers as words adds texts to search; an empty message is still searched."""
    engine = engine_with(write_rules, "{regex: '^$'}")
    assert decides(engine, {"status": 400})
    assert not decides(engine, {"status": 400, "body": "ACCESS_DENIED"})


def test_words_come_from_messages_and_codes_only(write_rules: WriteRules) -> None:
    """An identifier in params or headers is not read as words by `contains`."""
    engine = engine_with(write_rules, "{contains: [access denied]}")
    assert decides(engine, {"code": "ACCESS_DENIED"})
    assert not decides(engine, {"params": {"journal": "ACCESS_DENIED"}})
    assert not decides(engine, {"headers": {"X-Reason": "ACCESS_DENIED"}})
