"""The input boundary: whatever an envelope holds, classify answers cleanly or says why not."""

from __future__ import annotations

import enum
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import failreason
from failreason import _body
from failreason._body import parse_body
from failreason._bounds import MAX_DEPTH
from failreason._clean import final_reason
from failreason._sanitize import INERT_CLOSE, INERT_OPEN, neutralise_tags, visible

LONE = "\ud800"
SECRET = "sk_live_9fQ2xVb7Lm3Zt8Rk"


def assert_clean_reason(result: failreason.Classification) -> None:
    """The invariants every reason keeps, whatever came in."""
    reason = result.failure_reason
    assert reason
    assert reason == reason.strip()
    assert len(reason) <= 500
    assert reason.replace(" ", "").isprintable()
    reason.encode("utf-8")  # strict: raises on a lone surrogate


# --- valid Unicode, once, everywhere ----------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"message": f"Account {LONE} missing"}, id="message"),
        pytest.param({"status": 400, "body": f"Account {LONE}4010 is not valid"}, id="text-body"),
        pytest.param({"status": 400, "body": {"message": f"bad {LONE}"}}, id="json-value"),
        pytest.param({"status": 400, "body": {f"key{LONE}": "Boom"}}, id="json-key"),
        pytest.param({"status": 400, "body": '{"message": "cut \\ud83d"}'}, id="json-escape"),
        pytest.param(
            {"status": 400, "body": f"<Error><Message>x{LONE}</Message></Error>"}, id="xml"
        ),
        pytest.param({"status": 500, "body": f"<html><title>{LONE}</title></html>"}, id="html"),
        pytest.param({"status": 400, "body": f"error=invalid&error_description={LONE}"}, id="form"),
        pytest.param({"code": f"E{LONE}"}, id="code"),
        pytest.param({"status": 429, "headers": {f"Retry{LONE}": f"3{LONE}"}}, id="headers"),
        pytest.param(
            {"stage": "validation", "code": "missing_journal", "params": {"journal": LONE}},
            id="params",
        ),
        pytest.param(
            {"status": 400, "body": "x", "headers": {"content-type": "text/plain; charset=utf-7"}},
            id="odd-charset",
        ),
    ],
)
def test_a_lone_surrogate_anywhere_classifies(engine: failreason.Engine, raw: Any) -> None:
    """A lone surrogate (a string cut inside an emoji) is replaced, never a crash in RE2."""
    assert_clean_reason(engine.classify(raw))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"\xef\xbb\xbfKontot 4010 finns inte", None, id="utf8-bom"),
        pytest.param("Konto ungültig".encode("latin-1"), None, id="latin1-undeclared"),
        pytest.param(bytes(range(256)), None, id="binary"),
        pytest.param(b"\\ud800 here", "text/plain; charset=unicode_escape", id="unicode-escape"),
        pytest.param(b"abc", "text/plain; charset=hex", id="not-a-text-encoding"),
    ],
)
def test_any_bytes_classify(engine: failreason.Engine, body: bytes, content_type: str) -> None:
    """Undecodable bytes are replaced; a charset that yields surrogates is made valid."""
    headers = {"content-type": content_type} if content_type else {}
    assert_clean_reason(engine.classify({"status": 400, "body": body, "headers": headers}))


def test_logged_bytes_with_odd_escapes_decode_silently() -> None:
    """A logged b'...' with an escape Python warns about decodes without a warning."""
    assert parse_body(r"b'Kontot \d finns inte\xc3\xa4'").text == "Kontot \\d finns inteä"


def test_a_logged_bytes_repr_that_is_not_one_literal_stays_text() -> None:
    """Two literals, or one cut in the middle of an escape, are left as they were."""
    assert parse_body("b'a' + b'c'").text == "b'a' + b'c'"
    assert parse_body("b'abc\\'").text == "b'abc\\'"


# --- nothing a reader cannot see --------------------------------------------------------


@pytest.mark.parametrize(
    "noise",
    [
        "\x00",
        "\x1b[31m",
        "\x1b]0;title\x07",
        "\x9b2J",
        "\x85",
        "\u202e",
        "\u2066",
        "\u200b",
        "\ufeff",
        "\U000e0041",
        "\ue000",
    ],
    ids=lambda noise: f"U+{ord(noise[0]):04X}",
)
def test_control_and_invisible_characters_never_reach_a_reason(
    engine: failreason.Engine, noise: str
) -> None:
    """Terminal escapes, NUL, C1, bidi and zero-width characters are dropped everywhere."""
    raw = {"status": 400, "body": {"message": f"Account{noise} 4010 is{noise} not valid"}}
    result = engine.classify(raw)
    assert_clean_reason(result)
    assert noise not in result.failure_reason
    assert all(noise not in message for message in engine.signal(raw).messages)
    assert "[31m" not in result.failure_reason


def test_visible_drops_every_control_format_and_private_use_character() -> None:
    """Every Cc, Cf and Co code point Python knows of is removed (breaks become spaces)."""
    kept = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Co")
        and visible(chr(code)) not in ("", " ")
    ]
    assert kept == []


def test_a_message_of_only_invisible_characters_counts_as_empty(
    engine: failreason.Engine,
) -> None:
    """Zero-width-only text is no message: the fallback names the HTTP status instead."""
    result = engine.classify({"status": 502, "message": "\u200b\u200d\ufeff \u2060"})
    assert "502" in result.failure_reason


def test_invisible_exception_text_falls_back_to_its_type(engine: failreason.Engine) -> None:
    """An exception whose text is invisible is named by its type."""
    assert "ConnectionResetError" in engine.signal(ConnectionResetError("\u200b")).messages


# --- entities decoded once, markup never revived -----------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"message": "Tom &amp;amp; Jerry"}, "Tom &amp; Jerry", id="json"),
        pytest.param(
            "<Error><Message>Tom &amp;amp; Jerry</Message></Error>", "Tom &amp; Jerry", id="xml"
        ),
        pytest.param(
            "<html><body><p>Tom &amp;amp; Jerry</p></body></html>", "Tom &amp; Jerry", id="html"
        ),
        pytest.param("Tom &amp;amp; Jerry", "Tom &amp; Jerry", id="text"),
    ],
)
def test_entities_are_decoded_exactly_once(
    engine: failreason.Engine, body: Any, expected: str
) -> None:
    """One level of entities is decoded, whichever parser read the body."""
    assert engine.signal({"status": 400, "body": body}).messages == (expected,)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("&lt;script&gt;alert(1)&lt;/script&gt;", id="text"),
        pytest.param({"message": "&lt;script&gt;alert(1)&lt;/script&gt;"}, id="json"),
        pytest.param(
            "<Error><Message>&lt;script&gt;alert(1)&lt;/script&gt;</Message></Error>", id="xml"
        ),
        pytest.param("<html><p>&lt;script&gt;alert(1)&lt;/script&gt;</p></html>", id="html"),
        pytest.param("&amp;lt;script&amp;gt;alert(1)", id="double-escaped"),
    ],
)
def test_markup_that_appears_by_decoding_is_inert(engine: failreason.Engine, body: Any) -> None:
    """Decoded markup stays readable but cannot open a tag: "<" became a look-alike."""
    reason = engine.classify({"status": 400, "body": body}).failure_reason
    assert "<script" not in reason
    assert "alert(1)" in reason


def test_decoded_markup_is_shown_with_angle_quotes(engine: failreason.Engine) -> None:
    """What the system escaped to show stays legible, in angle quotation marks."""
    reason = engine.classify({"status": 400, "body": "Field &lt;Amount&gt; is required"})
    assert f"{INERT_OPEN}Amount{INERT_CLOSE}" in reason.failure_reason


def test_raw_text_that_opens_no_tag_is_kept(engine: failreason.Engine) -> None:
    """Odoo's "<Fault 2: '...'>" is the system's own wording and stays as written."""
    body = "<Fault 2: 'Record does not exist or has been deleted.'>"
    assert (
        "<Fault 2:"
        in engine.classify({"system": "odoo", "status": 200, "body": body}).failure_reason
    )


@pytest.mark.parametrize(
    "tag",
    ["<script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>", "<!-- x -->", "</p>"],
)
def test_no_well_formed_tag_survives_in_a_final_reason(tag: str) -> None:
    """Whatever a template or message holds, a final reason has no well-formed tag."""
    assert neutralise_tags(final_reason(f"Boom {tag} here")) == final_reason(f"Boom {tag} here")
    assert "<" not in final_reason(f"Boom {tag} here")


def test_a_huge_numeric_character_reference_is_replaced(engine: failreason.Engine) -> None:
    """html.unescape raises on 5,000 digits; the boundary replaces such a reference."""
    huge = engine.classify({"status": 400, "body": f"Bad &#{'9' * 5000}; here"})
    assert huge.failure_reason == "Bad \ufffd here"
    padded = engine.classify({"status": 400, "body": f"Bad &#{'0' * 5000}65; here"})
    assert padded.failure_reason == "Bad A here"


# --- the final sanitiser -----------------------------------------------------------------


def test_a_classification_sanitises_its_reason_and_captures() -> None:
    """Whoever builds a Classification gets a printable reason and visible captures."""
    result = failreason.Classification(
        "accounting_system_validation_failure",
        "Boom\x1b[1m\u202e " + "x" * 600,
        "rule",
        captures={"account": "40\u200b10\x00", "empty": "\u200b"},
    )
    assert result.failure_reason.startswith("Boom x")
    assert len(result.failure_reason) == 500
    assert dict(result.captures) == {"account": "4010"}


def test_a_classification_refuses_an_invisible_reason() -> None:
    """A reason with nothing visible in it is a programming error, not a reason."""
    with pytest.raises(ValueError, match="visible text"):
        failreason.Classification("accounting_system_validation_failure", "\u200b\x00", "r")


# --- EnvelopeError: the only error, never echoing a value -----------------------------------


class Secretive:
    def __repr__(self) -> str:
        return SECRET

    __str__ = __repr__


class BrokenMapping(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise KeyError(SECRET)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError(SECRET)

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"status": SECRET}, id="status"),
        pytest.param({"status": 10**9}, id="status-range"),
        pytest.param({"system": SECRET.upper() + " x!"}, id="system"),
        pytest.param({"stage": SECRET}, id="stage"),
        pytest.param({"message": [SECRET]}, id="message"),
        pytest.param({"code": [SECRET]}, id="code"),
        pytest.param({"headers": SECRET}, id="headers"),
        pytest.param({"headers": {"authorization": [SECRET]}}, id="header-value"),
        pytest.param({"headers": {SECRET * 3: []}}, id="header-name"),
        pytest.param({"params": SECRET}, id="params"),
        pytest.param({"params": {"token": Secretive()}}, id="params-value"),
        pytest.param({"body": {"x": Secretive()}}, id="body-value"),
        pytest.param({"body": {1: SECRET}}, id="body-key"),
        pytest.param({SECRET * 3: 1}, id="unknown-key"),
        pytest.param(BrokenMapping(), id="broken-mapping"),
        pytest.param({"body": BrokenMapping()}, id="broken-body-mapping"),
        pytest.param(Secretive(), id="not-an-envelope"),
    ],
)
def test_envelope_errors_never_echo_a_value(engine: failreason.Engine, raw: Any) -> None:
    """A malformed envelope is an EnvelopeError whose message holds no value it was given."""
    with pytest.raises(failreason.EnvelopeError) as caught:
        engine.classify(raw)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None  # no chained traceback carries the value either
    assert "\n" not in str(caught.value)


def test_a_short_printable_unknown_key_is_named(engine: failreason.Engine) -> None:
    """Keys are named when short and printable, which is what makes the message useful."""
    with pytest.raises(failreason.EnvelopeError, match=r"unknown key 'mesage'.*'message'"):
        engine.classify({"mesage": "x"})


def test_a_long_unknown_key_is_described_not_shown(engine: failreason.Engine) -> None:
    """A long key may be data pasted in the wrong place: only its length is told."""
    with pytest.raises(failreason.EnvelopeError, match="a text of 300 characters"):
        engine.classify({"k" * 300: 1})


# --- nesting, cycles and foreign objects ------------------------------------------------------


def nested(levels: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(levels):
        value = {"error": value}
    return value


def depth_of(tree: Any) -> int:
    depth = 0
    while isinstance(tree, dict | list) and tree:
        tree = next(iter(tree.values())) if isinstance(tree, dict) else tree[0]
        depth += 1
    return depth


@pytest.mark.parametrize("key", ["body", "params"])
def test_a_hundred_thousand_levels_are_cut_not_a_recursion_error(
    engine: failreason.Engine, key: str
) -> None:
    """Deep nesting is read to MAX_DEPTH levels; the rest is dropped, without recursion."""
    raw = {"status": 400, key: nested(100_000, {"message": "deep"})}
    assert_clean_reason(engine.classify(raw))
    tree = engine.signal(raw).tree if key == "body" else engine.signal(raw).params
    assert depth_of(tree) <= MAX_DEPTH


def test_a_deep_list_is_cut_too(engine: failreason.Engine) -> None:
    """Lists nest as deep as dicts can."""
    value: Any = "deep"
    for _ in range(100_000):
        value = [value]
    assert_clean_reason(engine.classify({"status": 400, "body": value}))


def test_a_message_within_the_depth_is_found(engine: failreason.Engine) -> None:
    """The cut is below MAX_DEPTH, not above it."""
    raw = {"status": 400, "body": nested(MAX_DEPTH - 4, {"message": "found me"})}
    assert engine.signal(raw).messages == ("found me",)


@pytest.mark.parametrize("key", ["body", "params"])
def test_a_value_that_contains_itself_is_an_envelope_error(
    engine: failreason.Engine, key: str
) -> None:
    """A cycle can be no JSON: it is refused with the key named, not a RecursionError."""
    loop: dict[str, Any] = {"message": "x"}
    loop["self"] = [loop]
    with pytest.raises(failreason.EnvelopeError, match=f"'{key}' .*contains itself"):
        engine.classify({key: loop})


def test_a_shared_value_is_no_cycle(engine: failreason.Engine) -> None:
    """The same object twice, side by side, is fine JSON."""
    shared = {"message": "Account 4010 is not valid"}
    assert engine.signal({"status": 400, "body": [shared, shared]}).messages


def test_a_doubling_structure_is_bounded(engine: failreason.Engine) -> None:
    """2**60 paths through shared lists are read to the node bound, not forever."""
    value: Any = ["leaf"]
    for _ in range(60):
        value = [value, value]
    assert_clean_reason(engine.classify({"status": 400, "body": value}))


class Code(enum.IntEnum):
    NOT_FOUND = 404


class Label(str):
    def __str__(self) -> str:
        raise RuntimeError("a hostile __str__")


def test_subclasses_of_json_types_are_read_as_plain_values(engine: failreason.Engine) -> None:
    """Enums and str subclasses are read without calling their overridable methods."""
    raw = {"status": Code.NOT_FOUND, "code": Code.NOT_FOUND, "message": Label("Boom")}
    raw["body"] = {Label("message"): Label("Account 4010 is not valid"), "n": Code.NOT_FOUND}
    result = engine.classify(raw)
    assert_clean_reason(result)
    assert engine.signal(raw).codes[0] == "404"


def test_an_exception_whose_text_fails_is_named_by_its_type(engine: failreason.Engine) -> None:
    """str(exc) raising is the exception's problem: its type still classifies."""

    class HostileError(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert "HostileError" in engine.signal(HostileError()).messages


def test_huge_numbers_in_a_json_value_are_dropped(engine: failreason.Engine) -> None:
    """str() refuses integers past 4,300 digits; such a number is dropped, not a crash."""
    raw = {"status": 400, "body": {"ErrorCode": 10**5000, "message": "Boom"}}
    assert engine.classify(raw).failure_reason == "Boom"


# --- parse_body hides nothing ---------------------------------------------------------------


def test_a_bug_in_the_parser_surfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_body has no catch-all: a failure of its own code reaches the caller."""

    def broken(tree: Any) -> str:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(_body, "_render", broken)
    with pytest.raises(ZeroDivisionError):
        parse_body('{"message": "x"}')


def test_parse_body_refuses_what_no_envelope_holds() -> None:
    """An object that is no body is a TypeError, not a guess at its text."""
    with pytest.raises(TypeError, match="not object"):
        parse_body(object())


def test_any_contiguous_buffer_is_a_bytes_body(engine: failreason.Engine) -> None:
    """A memoryview of any shape or item size is read as its bytes."""
    shaped = memoryview(b"Boom here").cast("B", (3, 3))
    assert engine.classify({"status": 400, "body": shaped}).failure_reason == "Boom here"


def test_a_strided_buffer_is_an_envelope_error(engine: failreason.Engine) -> None:
    """A buffer with gaps has no one byte string: an EnvelopeError says so."""
    with pytest.raises(failreason.EnvelopeError, match="contiguous"):
        engine.classify({"body": memoryview(b"abcdef")[::2]})
