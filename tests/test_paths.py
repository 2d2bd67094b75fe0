"""The path language that profiles use to point into parsed error bodies."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failreason._paths import Path, PathSyntaxError, compile_path

QUICKBOOKS = {
    "Fault": {
        "Error": [
            {"Message": "Object Not Found", "code": "610"},
            {"Message": "Invalid Reference Id", "code": "2500"},
        ],
        "type": "ValidationFault",
    }
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("Fault.type", ["ValidationFault"], id="keys"),
        pytest.param("Fault.Error[].code", ["610", "2500"], id="every-element"),
        pytest.param("Fault.Error[1].Message", ["Invalid Reference Id"], id="index"),
        pytest.param("Fault.Error[-1].code", ["2500"], id="negative-index"),
        pytest.param("Fault.Error[5].code", [], id="index-out-of-range"),
        pytest.param(
            "fault.error[].message", ["Object Not Found", "Invalid Reference Id"], id="any-case"
        ),
        pytest.param("Fault.Missing", [], id="missing-key"),
        pytest.param("Fault.type.more", [], id="key-on-a-string"),
        pytest.param("Fault.Error.Message", [], id="key-on-a-list"),
    ],
)
def test_find(path: str, expected: list[Any]) -> None:
    """A path reaches every value it names, in document order, or nothing."""
    assert compile_path(path).find(QUICKBOOKS) == expected


@pytest.mark.parametrize("text", ["", "$", "$."], ids=["empty", "dollar", "dollar-dot"])
def test_root_path_finds_the_tree(text: str) -> None:
    """The empty path and ``$`` mean the whole tree."""
    assert compile_path(text).find(QUICKBOOKS) == [QUICKBOOKS]


def test_dollar_prefix_is_ignored() -> None:
    """``$.Fault.type`` is ``Fault.type``, for people used to JSONPath."""
    assert compile_path("$.Fault.type").find(QUICKBOOKS) == ["ValidationFault"]


def test_every_on_a_single_object_is_that_object() -> None:
    """``[]`` on a non-list yields the value itself, as XML gives one element for a list."""
    tree = {"errormessage": {"error": {"errorno": "BL01001973"}}}
    assert compile_path("errormessage.error[].errorno").find(tree) == ["BL01001973"]


def test_index_zero_on_a_single_object_is_that_object() -> None:
    """``[0]`` on a non-list is the value itself; other indexes find nothing."""
    tree = {"error": {"code": "x"}}
    assert compile_path("error[0].code").find(tree) == ["x"]
    assert compile_path("error[1].code").find(tree) == []


def test_brackets_alone_iterate_a_top_level_list() -> None:
    """A path may start with ``[]`` for bodies that are a bare list (Sage Accounting)."""
    tree = [{"$message": "Couldn't find Supplier."}, {"$message": "Bad date."}]
    assert compile_path("[].$message").find(tree) == ["Couldn't find Supplier.", "Bad date."]


def test_colon_and_dollar_need_no_quotes() -> None:
    """NetSuite's ``o:errorDetails`` and Sage's ``$dataCode`` are plain keys."""
    tree = {"o:errorDetails": [{"o:errorCode": "INVALID_LOGIN"}], "$dataCode": "RecordInvalid"}
    assert compile_path("o:errorDetails[].o:errorCode").find(tree) == ["INVALID_LOGIN"]
    assert compile_path("$dataCode").find(tree) == ["RecordInvalid"]


def test_quoted_key_may_hold_dots_brackets_spaces_and_quotes() -> None:
    """Double quotes protect special characters; a backslash escapes a quote."""
    tree = {'a.b [c] "d"': {"x": 1}}
    assert compile_path(r'"a.b [c] \"d\"".x').find(tree) == [1]


def test_exact_key_wins_over_other_case() -> None:
    """When both spellings exist, the exact one is used."""
    assert compile_path("code").find({"Code": "upper", "code": "lower"}) == ["lower"]


def test_null_values_are_reached() -> None:
    """A key holding null is found (as None), unlike a missing key."""
    assert compile_path("detail").find({"detail": None}) == [None]


def test_repr_shows_the_text() -> None:
    """The repr is short enough for ``explain`` output."""
    assert repr(compile_path("Fault.Error[].Message")) == "Path('Fault.Error[].Message')"


def test_paths_compare_by_text() -> None:
    """Two paths with the same text are equal and hash alike."""
    assert Path("a.b") == compile_path("a.b")
    assert len({Path("a.b"), compile_path("a.b")}) == 1


@pytest.mark.parametrize(
    ("text", "offset", "words"),
    [
        pytest.param("a..b", 2, "expected a key", id="empty-segment"),
        pytest.param("a.", 2, "expected a key", id="trailing-dot"),
        pytest.param("a b", 1, "quoted", id="space"),
        pytest.param("a[", 1, "unclosed", id="unclosed-bracket"),
        pytest.param("a[x]", 1, "[N]", id="bad-index"),
        pytest.param('"abc', 0, "unterminated", id="unterminated-quote"),
        pytest.param("a]b", 1, "expected '.' or '['", id="stray-bracket"),
        pytest.param('a"b"', 1, "expected '.' or '['", id="quote-inside-key"),
    ],
)
def test_syntax_errors_say_what_and_where(text: str, offset: int, words: str) -> None:
    """A malformed path raises PathSyntaxError with the character offset."""
    with pytest.raises(PathSyntaxError) as caught:
        compile_path(text)
    assert caught.value.offset == offset
    assert words in str(caught.value)
    assert f"offset {offset}" in str(caught.value)


def test_path_syntax_error_is_a_value_error() -> None:
    """Callers that catch ValueError catch bad paths too."""
    assert issubclass(PathSyntaxError, ValueError)


@given(st.text(max_size=30))
def test_compiling_raises_only_path_syntax_error(text: str) -> None:
    """Any text either compiles or raises PathSyntaxError pointing inside it."""
    offset = error_offset(text)
    assert offset is None or 0 <= offset <= len(text)


def error_offset(text: str) -> int | None:
    try:
        compile_path(text)
    except PathSyntaxError as exc:
        return exc.offset
    return None


@given(st.text(max_size=12), json_values)
def test_a_quoted_key_always_finds_its_value(key: str, value: Any) -> None:
    """Quoting any key (escaping quotes and backslashes) reaches exactly that key."""
    quoted = '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert compile_path(quoted).find({key: value}) == [value]


@given(json_values)
def test_finding_never_raises(tree: Any) -> None:
    """Paths walk any JSON-like tree without raising."""
    for text in ("a[].b", "[0][-1]", "x.y.z", "[][]", ""):
        assert isinstance(compile_path(text).find(tree), list)
