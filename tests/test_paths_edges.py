"""Edges of the path language that mutation testing showed no test held in place."""

from __future__ import annotations

from typing import Any

import pytest

from failreason._paths import PathSyntaxError, compile_path

PAIR = {"errors": ["first", "second"]}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("errors[-2]", ["first"], id="most-negative-index"),
        pytest.param("errors[-3]", [], id="past-the-start"),
        pytest.param("errors[1]", ["second"], id="last-index"),
        pytest.param("errors[2]", [], id="one-past-the-end"),
    ],
)
def test_indexes_stop_exactly_at_the_ends_of_a_list(path: str, expected: list[Any]) -> None:
    """``[N]`` reaches -len..len-1 and nothing outside, without raising."""
    assert compile_path(path).find(PAIR) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("$[0]", ["first"], id="index"),
        pytest.param("$[]", ["first", "second"], id="every"),
        pytest.param("$[-1]", ["second"], id="negative"),
    ],
)
def test_dollar_may_be_followed_by_brackets(path: str, expected: list[str]) -> None:
    """``$[0]`` indexes a body that is a bare list, as ``[0]`` does."""
    assert compile_path(path).find(PAIR["errors"]) == expected


def test_consecutive_brackets_walk_nested_lists() -> None:
    """``[][]`` flattens two levels and ``[0][1]`` picks inside the first element."""
    tree = [[1, 2], [3]]
    assert compile_path("[][]").find(tree) == [1, 2, 3]
    assert compile_path("[0][1]").find(tree) == [2]


def test_keys_of_other_types_are_skipped_by_the_caseless_lookup() -> None:
    """A mapping with integer keys (from YAML or XML) is searched without raising."""
    assert compile_path("code").find({1: "one", "Code": "x"}) == ["x"]
    assert compile_path("code").find({1: "one"}) == []


def test_a_key_never_matches_inside_a_list_or_a_scalar() -> None:
    """Keys only look into objects; a list needs ``[]`` first."""
    assert compile_path("a").find([{"a": 1}]) == []
    assert compile_path("a").find("a") == []


@pytest.mark.parametrize(
    "index",
    ["[٣]", "[-]", "[+1]", "[1.0]", "[ 1]"],
    ids=["arabic-digit", "minus", "plus", "float", "space"],
)
def test_only_ascii_integers_are_indexes(index: str) -> None:
    """Unicode digits, signs other than a leading minus and decimals are syntax errors."""
    with pytest.raises(PathSyntaxError, match=r"expected '\[\]' or '\[N\]'"):
        compile_path("a" + index)


def test_a_trailing_backslash_inside_quotes_is_unterminated() -> None:
    """An escape with nothing after it cannot close the quote."""
    with pytest.raises(PathSyntaxError, match="unterminated quoted key") as caught:
        compile_path('x."abc\\')
    assert caught.value.offset == 2


def test_a_tab_in_a_key_needs_quotes() -> None:
    """Any whitespace, not only a space, must be quoted; the offset points at it."""
    with pytest.raises(PathSyntaxError, match="double-quoted") as caught:
        compile_path("ab\tc")
    assert caught.value.offset == 2


def test_syntax_errors_keep_the_path_text() -> None:
    """The error carries the text and offset as attributes, for a located rule-file problem."""
    with pytest.raises(PathSyntaxError) as caught:
        compile_path("Fault..x")
    assert (caught.value.text, caught.value.offset) == ("Fault..x", 6)
    assert str(caught.value) == "expected a key but found '.' at offset 6 in path 'Fault..x'"


def test_a_quoted_key_may_be_followed_by_brackets_and_more_keys() -> None:
    """After a closing quote the path goes on as usual."""
    tree = {"a b": [{"c": 1}, {"c": 2}]}
    assert compile_path('"a b"[1].c').find(tree) == [2]
    assert compile_path('$."a b"[].c').find(tree) == [1, 2]


@pytest.mark.parametrize(
    ("text", "root"),
    [
        pytest.param("", True, id="empty"),
        pytest.param("$", True, id="dollar"),
        pytest.param("$.", True, id="dollar-dot"),
        pytest.param("a", False, id="key"),
        pytest.param("[]", False, id="every"),
        pytest.param("$[0]", False, id="dollar-index"),
    ],
)
def test_is_root_only_for_paths_without_steps(text: str, root: bool) -> None:
    """``is_root`` tells extraction the path is the whole tree, not a place inside it."""
    assert compile_path(text).is_root is root


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("a.", "expected a key after '.' at offset 2 in path 'a.'", id="trailing-dot"),
        pytest.param(
            "a b",
            "keys containing spaces must be double-quoted at offset 1 in path 'a b'",
            id="space",
        ),
        pytest.param('"ab', "unterminated quoted key at offset 0 in path '\"ab'", id="quote"),
        pytest.param("a[0", "unclosed '[' at offset 1 in path 'a[0'", id="bracket"),
    ],
)
def test_syntax_error_messages_read_in_full(text: str, message: str) -> None:
    """The whole message a rule author sees: what is wrong, the offset, and the path."""
    with pytest.raises(PathSyntaxError) as caught:
        compile_path(text)
    assert str(caught.value) == message
