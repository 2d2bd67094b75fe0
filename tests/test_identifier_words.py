"""Identifier-shaped messages and codes read as words: the split, its map back, and matching."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import failreason
from failreason import _engine
from failreason._cli import main
from failreason._normalize import FoldedText, fold
from failreason._words import MAX_IDENTIFIER_CHARS, split_identifier, words_text
from tests.test_cli_exits import feed

CATALOGUE = Path(__file__).parent / "identifier-errors.jsonl"


def words(text: str) -> str | None:
    split = split_identifier(text)
    return None if split is None else fold(split.words).folded


# --- the split --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        pytest.param("DocumentTooLarge", "document too large", id="CamelCase"),
        pytest.param("ACCESS_DENIED", "access denied", id="SCREAMING_CASE"),
        pytest.param("ledger_account_missing", "ledger account missing", id="snake_case"),
        pytest.param("invalid-client", "invalid client", id="kebab-case"),
        pytest.param("error.account.notFound", "error account not found", id="dotted"),
        pytest.param("HTTPTimeoutError", "http timeout error", id="acronym-then-word"),
        pytest.param("InvalidIDs", "invalid ids", id="plural-acronym"),
        pytest.param("InvalidIDsFound", "invalid ids found", id="plural-acronym-inside"),
        pytest.param("ThisIsATest", "this is a test", id="one-letter-word"),
        pytest.param("VAT25NotFound", "vat25 not found", id="digits-stay-with-letters"),
        pytest.param("Error404NotFound", "error404 not found", id="status-in-name"),
        pytest.param("3rdParty", "3rd party", id="digits-then-small-letters"),
        pytest.param("oAuthTokenExpired", "oauth token expired", id="lone-small-opener"),
        pytest.param("INVALID_KEY_OR_REF", "invalid key or ref", id="netsuite"),
        pytest.param("Internal_RecordNotFound", "internal record not found", id="mixed"),
        pytest.param("odoo.exceptions.AccessDenied", "odoo exceptions access denied", id="path"),
        pytest.param("KontoSaknas", "konto saknas", id="swedish"),
        pytest.param("CuentaNoVálida", "cuenta no valida", id="accented"),
        pytest.param('"AccessDenied"', "access denied", id="quoted"),
        pytest.param("  ACCESS__DENIED_ ", "access denied", id="separator-runs"),
    ],
)
def test_identifiers_split_into_words(identifier: str, expected: str) -> None:
    """Each naming convention splits where a reader sees a new word."""
    assert words(identifier) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Access denied", id="sentence"),
        pytest.param("The field TimeoutSeconds is invalid", id="identifier-inside-a-sentence"),
        pytest.param("Unauthorized", id="one-word"),
        pytest.param("TIMEOUT", id="one-word-in-capitals"),
        pytest.param("S25", id="code-with-digits"),
        pytest.param("4010", id="number"),
        pytest.param("UJPP0002", id="capitals-then-digits"),
        pytest.param("2024-01-31", id="date"),
        pytest.param("oAuth", id="lone-opener-is-no-boundary"),
        pytest.param("_x_", id="separators-around-one-word"),
        pytest.param("rate limit: exceeded", id="punctuation"),
        pytest.param("", id="empty"),
        pytest.param("a_b" * MAX_IDENTIFIER_CHARS, id="too-long"),
    ],
)
def test_what_is_not_an_identifier_is_left_alone(text: str) -> None:
    """Sentences, single words, numbers and overlong tokens are not split."""
    assert split_identifier(text) is None


def test_a_code_of_one_word_is_read_as_that_word() -> None:
    """A code such as TIMEOUT has no boundary but is still a word for matching."""
    split = split_identifier("TIMEOUT", single_word=True)
    assert split is not None
    assert split.words == "TIMEOUT"
    assert split_identifier("4010", single_word=True) is None  # no letter: no word


IDENTIFIER_CHARS = string.ascii_letters + string.digits + "_-." + "ÄÖäöé"


@given(st.text(alphabet=IDENTIFIER_CHARS, max_size=40))
def test_words_are_the_identifiers_own_characters(token: str) -> None:
    """The words hold every letter and digit of the token, in order, and only those, each
    mapped to its own position; single spaces go between words and never at the ends."""
    split = split_identifier(token, single_word=True)
    if split is None:
        return
    kept = [(i, c) for i, c in enumerate(token) if c not in "_-."]
    assert [(i, c) for i, c in zip(split.origin, split.words, strict=True) if c != " "] == kept
    assert split.words == " ".join(split.words.split())


@given(st.lists(st.text(alphabet=IDENTIFIER_CHARS, min_size=1, max_size=20), max_size=4))
def test_each_word_maps_back_to_the_identifier_as_written(tokens: list[str]) -> None:
    """Cutting any word out of the folded words gives that word's original spelling."""
    text = words_text(tokens, ())
    assert len(text.origin) == len(text.folded)
    position = 0
    for word in text.folded.replace("\n", " ").split(" "):
        if word:
            original = text.original_span(position, position + len(word))
            assert fold(original).folded.replace("_", "").replace("-", "") == word
        position += len(word) + 1


def test_words_text_keeps_messages_with_a_boundary_and_every_word_code() -> None:
    """Only identifier-shaped messages join the words; codes join when they hold a word."""
    text = words_text(["Access denied", "DocumentTooLarge"], ["ACCESS_DENIED", "4010", "TIMEOUT"])
    assert text.folded == "document too large\naccess denied\ntimeout"
    assert text.original == "DocumentTooLarge\nACCESS_DENIED\nTIMEOUT"


def test_a_code_that_repeats_the_message_is_read_once() -> None:
    """OAuth bodies give invalid_grant as both message and code; it is one line of words."""
    assert words_text(["invalid_grant"], ["invalid_grant"]).folded == "invalid grant"


def test_a_span_across_inserted_spaces_maps_to_the_whole_identifier_part() -> None:
    """A span that starts or ends on an inserted space is trimmed before it is mapped."""
    text = words_text(["DocumentTooLarge"], ())
    assert text.folded == "document too large"
    assert text.original_span(8, 13) == "Too"  # " too "
    assert text.original_span(9, 18) == "TooLarge"
    assert text.original_span(8, 9) == ""


def test_trimming_leaves_plain_text_spans_as_they_were() -> None:
    """On folded text without inserted spaces a span maps as before, less outer whitespace."""
    text: FoldedText = fold("Konto  1910 saknas")
    assert text.original_span(5, 12) == "1910"


# --- matching ---------------------------------------------------------------------------------


def rule_engine(tmp_path: Path, match: str, message: str = "matched") -> failreason.Engine:
    (tmp_path / "acme.yaml").write_text(
        f"rules:\n  - id: acme.rule\n    match: {match}\n"
        f"    type: invalid_configuration\n    message: {message!r}\n",
        encoding="utf-8",
    )
    return failreason.load(tmp_path)


def decided(engine: failreason.Engine, raw: dict[str, Any]) -> bool:
    return engine.classify(raw).rule_id == "acme.rule"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"body": "ACCESS_DENIED"}, id="message"),
        pytest.param({"body": {"error": {"code": "AccessDenied", "message": "No."}}}, id="code"),
        pytest.param({"code": "access-denied", "message": "Request failed"}, id="envelope-code"),
    ],
)
def test_contains_reads_the_words_of_messages_and_codes(tmp_path: Path, raw: Any) -> None:
    """`contains: [access denied]` holds for the identifier as message or as code."""
    assert decided(rule_engine(tmp_path, "{contains: [access denied]}"), raw)


def test_regex_reads_the_words_of_an_identifier(tmp_path: Path) -> None:
    """`regex: 'too large'` holds for DocumentTooLarge."""
    engine = rule_engine(tmp_path, "{regex: 'too large$'}")
    assert decided(engine, {"body": "DocumentTooLarge"})
    assert not decided(engine, {"body": "Document size is fine"})


def test_a_capture_from_the_words_is_the_identifier_as_written(tmp_path: Path) -> None:
    """The named group maps back to the identifier's own characters, not the split words."""
    engine = rule_engine(tmp_path, r"{regex: '(?P<tax_code>\S+) not found'}", "{{ tax_code }}")
    assert engine.classify({"code": "VAT25NotFound"}).failure_reason == "VAT25"
    engine = rule_engine(tmp_path, "{regex: 'account (?P<what>.+)'}", "{{ what }}")
    assert engine.classify({"body": "error.account.notFound"}).failure_reason == "notFound"


def test_the_text_is_tried_before_the_words(tmp_path: Path) -> None:
    """When any pattern matches the message text, its captures come from the text."""
    engine = rule_engine(
        tmp_path, r"{regex: ['(?P<x>access) denied', '(?P<x>\w+) refused']}", "{{ x }}"
    )
    raw = {"code": "ACCESS_DENIED", "message": "Connection refused"}
    assert engine.classify(raw).failure_reason == "Connection"


def test_the_code_matcher_stays_exact(tmp_path: Path) -> None:
    """`code` compares the code itself: its words are for contains and regex only."""
    engine = rule_engine(tmp_path, "{code: [access denied]}")
    assert not decided(engine, {"code": "ACCESS_DENIED"})
    assert decided(rule_engine(tmp_path, "{code: [access_denied]}"), {"code": "ACCESS_DENIED"})


def test_an_identifier_inside_a_sentence_is_not_split(tmp_path: Path) -> None:
    """A field name in a sentence keeps its meaning as a name: TimeoutSeconds is no timeout."""
    engine = rule_engine(tmp_path, r"{regex: '\btime ?out\b'}")
    assert not decided(engine, {"body": "The field TimeoutSeconds must be a number."})
    assert decided(engine, {"code": "TimeoutSeconds"})


def test_not_sees_the_words_too(tmp_path: Path) -> None:
    """`not: {contains: ...}` fails when only the code's words hold the text."""
    engine = rule_engine(tmp_path, "{not: {contains: [read timeout]}}")
    assert not decided(engine, {"code": "ReadTimeout"})
    assert decided(engine, {"code": "ReadError"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({"code": "ReadTimeout"}, "accounting_system_timeout", id="httpx"),
        pytest.param({"body": "ACCESS_DENIED"}, "accounting_system_authentication_failure"),
        pytest.param(
            {"stage": "receipt_upload", "status": 400, "body": "<Code>EntityTooLarge</Code>"},
            "receipt_file_size_limit_exceeded",
            id="s3",
        ),
    ],
)
def test_built_in_rules_read_identifiers(
    engine: failreason.Engine, raw: dict[str, Any], expected: str
) -> None:
    """The built-in generic rules classify errors whose meaning is only in an identifier."""
    assert engine.classify(raw).failure_reason_type == expected


# --- the catalogue of documented enum-style errors --------------------------------------------


def catalogue() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CATALOGUE.read_text("utf-8").splitlines() if line]


def hits(engine: failreason.Engine) -> set[str]:
    return {
        row["id"]
        for row in catalogue()
        if engine.classify(row["input"]).failure_reason_type in row["accept"]
    }


def test_the_catalogue_is_labelled_with_sources() -> None:
    """At least 30 documented identifiers, each with its expected type and its source."""
    rows = catalogue()
    assert len(rows) >= 30
    assert len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        assert row["expected"] in failreason.ITEM_FAILURE_TYPES
        assert row["expected"] in row["accept"]
        assert row["source"]


def test_words_classify_more_of_the_catalogue_and_lose_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every identifier the text alone classified right stays right, and more join it."""
    engine = failreason.load(cache_size=0)  # both passes classify: no answer from the cache
    with_words = hits(engine)
    monkeypatch.setattr(_engine, "words_text", lambda messages, codes: fold(""))
    text_only = hits(engine)
    assert text_only < with_words


def test_explain_shows_the_words_an_identifier_was_read_as(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule author sees which words ``contains`` and ``regex`` were given."""
    feed(monkeypatch, b'{"code": "DocumentTooLarge"}\n')
    assert main(["explain"]) == 0
    assert "  words: document too large\n" in capsys.readouterr().out
