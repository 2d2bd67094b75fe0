"""Matchers and regexes driven directly, at the edges mutation testing showed untested."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from failreason._match import (
    All,
    AnyOf,
    Condition,
    Contains,
    FieldTest,
    Matches,
    Not,
    OneOf,
    StatusIn,
    StatusRange,
    scalar_text,
)
from failreason._normalize import fold, fold_literal
from failreason._paths import compile_path
from failreason._regex import RegexError, compile_regex
from failreason._signal import Signal


def signal(
    text: str = "",
    *,
    system: str | None = "xero",
    stage: str = "export",
    status: int | None = None,
    codes: tuple[str, ...] = (),
    tree: Any = None,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Signal:
    return Signal(
        system, stage, status, codes, (text,), fold(text), tree, params or {}, headers or {}
    )


def regex(pattern: str) -> Any:
    return compile_regex(pattern)


# --- regexes -------------------------------------------------------------------------------


def test_a_group_at_the_very_start_of_the_text_is_captured() -> None:
    """Offset 0 is a real match position, not "did not take part"."""
    captures = regex(r"(?P<code>\w+) is not valid").search(fold("S25 is not valid"))
    assert captures == {"code": "S25"}


def test_groups_that_did_not_take_part_or_hold_only_spaces_are_left_out() -> None:
    """Only groups that matched something readable become captures."""
    pattern = regex(r"(?:account (?P<account>\d+)|vendor (?P<vendor>\w+))(?P<gap>\s*)$")
    assert pattern.search(fold("unknown vendor Acme")) == {"vendor": "Acme"}


def test_character_classes_ignore_case() -> None:
    """``[A-Z]`` meets lower-case letters too, and the capture keeps the original spelling."""
    assert regex(r"code (?P<code>[A-Z]{3}\d+)").search(fold("Code tax25")) == {"code": "tax25"}


def test_a_regex_that_does_not_match_gives_none() -> None:
    """No match is None, unlike a match without groups, which is an empty dict."""
    assert regex("vendor").search(fold("account")) is None
    assert regex("vendor").search(fold("Vendor")) == {}


def test_the_compiled_regex_keeps_its_pattern_and_group_names() -> None:
    """``explain`` shows the author's pattern; lint compares the group names with the template."""
    compiled = regex(r"(?P<a>x)(?P<b>y)")
    assert compiled.pattern == r"(?P<a>x)(?P<b>y)"
    assert compiled.group_names == ("a", "b")
    assert repr(compiled) == r"Regex('(?P<a>x)(?P<b>y)')"


def test_a_bad_pattern_raises_regex_error_with_re2s_reason_and_prints_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The rule author gets RE2's reason in the error; stderr stays clean for the connector."""
    with pytest.raises(RegexError, match=r"^missing \)"):  # RE2's words, decoded, not b'...'
        compile_regex("(unclosed")
    assert capfd.readouterr().err == ""


def test_a_pattern_over_the_memory_budget_is_refused() -> None:
    """RE2's program size is capped, so a rule cannot make the engine allocate without bound."""
    with pytest.raises(RegexError, match="pattern too large"):
        compile_regex(r"\pL{500}")  # about 9 MB of program: just over the 8 MB budget
    wide = r"\w{1000}" * 50  # about 50,000 instructions: large, but within the budget
    assert compile_regex(wide).group_names == ()


# --- scalar text and single matchers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "null"), (True, "true"), (False, "false"), (0, "0"), (1.5, "1.5"), ("x", "x")],
)
def test_scalars_compare_in_their_json_spelling(value: Any, text: str) -> None:
    """null, true and false are written as JSON writes them; others as str() does."""
    assert scalar_text(value) == text


@pytest.mark.parametrize(
    ("matcher", "sig", "matches"),
    [
        pytest.param(OneOf("system", frozenset({"xero"})), signal(system="Xero"), True, id="sys"),
        pytest.param(OneOf("system", frozenset({"xero"})), signal(system=None), False, id="none"),
        pytest.param(OneOf("stage", frozenset({"auth"})), signal(stage="AUTH"), True, id="stage"),
        pytest.param(OneOf("stage", frozenset({"xero"})), signal(stage="export"), False, id="st"),
        pytest.param(OneOf("code", frozenset({"e2"})), signal(codes=("E1", "E2")), True, id="c"),
        pytest.param(OneOf("code", frozenset({"xero"})), signal(codes=()), False, id="no-code"),
    ],
)
def test_one_of_reads_the_named_field_ignoring_case(
    matcher: OneOf, sig: Signal, matches: bool
) -> None:
    """``system``, ``stage`` and ``code`` each look at their own field, case-insensitively."""
    assert (matcher.match(sig) == {}) is matches
    assert (matcher.match(sig) is None) is not matches


def test_status_ranges_are_inclusive_and_need_a_status() -> None:
    """Both ends of a range match; a signal without a status matches no range."""
    matcher = StatusIn((StatusRange(400, 403, "400-403"), StatusRange(500, 500, "500")))
    assert [matcher.match(signal(status=s)) for s in (399, 400, 403, 404, 500)] == [
        None,
        {},
        {},
        None,
        {},
    ]
    assert matcher.match(signal(status=None)) is None


def test_contains_looks_for_any_needle_in_the_folded_text() -> None:
    """Any one needle is enough; none is no match."""
    matcher = Contains((fold_literal("kontot"), fold_literal("account")))
    assert matcher.match(signal("Kontöt saknas")) == {}
    assert matcher.match(signal("vendor missing")) is None


def test_matches_tries_each_regex_until_one_matches() -> None:
    """The first regex that matches gives the captures, even when an earlier one failed."""
    matcher = Matches((regex(r"vendor (?P<v>\w+)"), regex(r"account (?P<a>\d+)")))
    assert matcher.match(signal("account 4000 is closed")) == {"a": "4000"}
    assert matcher.match(signal("nothing")) is None
    assert matcher.capture_names() == {"v", "a"}


# --- conditions on values ------------------------------------------------------------------


def test_equals_compares_folded_scalar_text() -> None:
    """``equals`` meets a value in any case, and JSON spellings for non-strings."""
    condition = Condition(equals=frozenset({"archived", "true"}))
    assert condition.test("ARCHIVED") == {}
    assert condition.test(True) == {}
    assert condition.test("active") is None


def test_contains_condition_needs_one_of_its_needles() -> None:
    """``contains`` on a value is a folded substring test."""
    condition = Condition(contains=(fold_literal("closed"),))
    assert condition.test("Period CLOSED") == {}
    assert condition.test("open") is None


def test_regex_condition_uses_the_first_matching_regex_and_adds_the_capture() -> None:
    """Regex captures and the value capture are both returned."""
    condition = Condition(
        regexes=(regex(r"^x(?P<first>\d)"), regex(r"(?P<digits>\d+)")), capture="whole"
    )
    assert condition.test(" 42 ") == {"digits": "42", "whole": "42"}
    assert condition.test("none") is None
    assert condition.capture_names() == {"first", "digits", "whole"}


def test_objects_and_lists_only_answer_exists_and_capture() -> None:
    """A value test on an object fails; a bare existence test or a capture passes without text."""
    for value in ({"a": 1}, [1, 2]):
        assert Condition(equals=frozenset({""})).test(value) is None
        assert Condition(contains=("",)).test(value) is None
        assert Condition(regexes=(regex(".*"),)).test(value) is None
        assert Condition().test(value) == {}
        assert Condition(capture="c").test(value) == {}


def test_blank_values_are_not_captured() -> None:
    """A capture of whitespace would render as nothing, so it is left out."""
    assert Condition(capture="c").test("   ") == {}
    assert Condition(capture="c").test(0) == {"c": "0"}
    assert Condition().capture_names() == frozenset()


# --- fields, params and headers --------------------------------------------------------------


def field(source: str, path: str, condition: Condition) -> FieldTest:
    return FieldTest(source, compile_path(path), condition)


def test_fields_look_in_the_body_and_try_every_value() -> None:
    """Any value found at the path may pass; the first that does gives the captures."""
    tree = {"errors": [{"code": "A"}, {"code": "B"}]}
    matcher = field("fields", "errors[].code", Condition(equals=frozenset({"b"}), capture="c"))
    assert matcher.match(signal(tree=tree)) == {"c": "B"}
    assert matcher.match(signal(tree=None)) is None


def test_params_are_separate_from_the_body() -> None:
    """``params`` reads the envelope's params, not the body."""
    matcher = field("params", "entity", Condition(capture="entity"))
    sig = signal(tree={"entity": "body"}, params={"entity": "Invoice"})
    assert matcher.match(sig) == {"entity": "Invoice"}


def test_headers_are_looked_up_by_lower_case_name() -> None:
    """Header names are case-insensitive; the matcher asks for the lower-case name."""
    matcher = field("headers", "X-Request-Id", Condition(capture="rid"))
    assert matcher.match(signal(headers={"x-request-id": "r1"})) == {"rid": "r1"}
    assert matcher.match(signal(headers={})) is None


def test_exists_false_holds_only_when_nothing_but_null_is_there() -> None:
    """``exists: false`` matches a missing key or a null, never a present value."""
    matcher = field("fields", "detail", Condition(exists=False))
    assert matcher.match(signal(tree={})) == {}
    assert matcher.match(signal(tree={"detail": None})) == {}
    assert matcher.match(signal(tree={"detail": ""})) is None


def test_an_optional_field_that_fails_still_lets_the_rule_match() -> None:
    """``optional`` turns a failed field test into a match without captures."""
    condition = Condition(equals=frozenset({"x"}), capture="c", optional=True)
    assert field("fields", "a", condition).match(signal(tree={"a": "y"})) == {}
    assert field("fields", "a", condition).match(signal(tree={"a": "x"})) == {"c": "x"}


# --- logic -------------------------------------------------------------------------------------


YES = Matches((regex(r"(?P<one>vendor)"),))
ALSO = Matches((regex(r"(?P<two>missing)"),))
NO = Contains(("nowhere",))
SIG = signal("vendor missing")


def test_all_needs_every_part_and_merges_their_captures() -> None:
    """``all`` fails as soon as one part fails."""
    assert All((YES, ALSO)).match(SIG) == {"one": "vendor", "two": "missing"}
    assert All((YES, NO)).match(SIG) is None
    assert All((NO, YES)).match(SIG) is None


def test_any_takes_the_first_part_that_matches() -> None:
    """``any`` returns the captures of the first matching part only."""
    assert AnyOf((NO, ALSO, YES)).match(SIG) == {"two": "missing"}
    assert AnyOf((NO,)).match(SIG) is None


def test_not_inverts_and_captures_nothing() -> None:
    """``not`` matches when its part does not, and offers no captures to templates."""
    assert Not(NO).match(SIG) == {}
    assert Not(YES).match(SIG) is None
    assert Not(YES).capture_names() == frozenset()


def test_logic_offers_every_part_capture_name() -> None:
    """Lint sees every name a template might use, across all parts."""
    assert All((YES, ALSO)).capture_names() == {"one", "two"}
    assert AnyOf((YES, NO, ALSO)).capture_names() == {"one", "two"}


def test_reprs_read_like_the_rule() -> None:
    """``explain`` prints matchers in a form close to the YAML they came from."""
    status = StatusIn((StatusRange(400, 499, "4xx"),))
    matcher = All(
        (
            OneOf("system", frozenset({"xero", "netsuite"})),
            status,
            AnyOf((Contains(("closed",)), Matches((regex("a+"),)))),
            Not(field("params", "a.b", Condition())),
        )
    )
    assert repr(matcher) == (
        "all(system in ['netsuite', 'xero'], status in [4xx], "
        "any(contains ['closed'], regex ['a+']), "
        "not(params['a.b'] Condition(equals=None, contains=(), regexes=(), exists=True, "
        "capture=None, optional=False)))"
    )
