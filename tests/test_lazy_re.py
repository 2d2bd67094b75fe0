"""Module-level regexes compiled on first use behave as the compiled pattern itself."""

from __future__ import annotations

import re

import pytest

from failreason._lazy_re import lazy_compile


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    lazy = lazy_compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    plain = re.compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    text = "Widget-12 and gadget-7"
    assert lazy.search(text).groupdict() == plain.search(text).groupdict()  # type: ignore[union-attr]
    assert lazy.findall(text) == plain.findall(text)
    assert lazy.sub(r"\2", text) == plain.sub(r"\2", text)
    assert lazy.fullmatch("a-1") is not None
    assert (lazy.pattern, lazy.flags, lazy.groups) == (plain.pattern, plain.flags, plain.groups)


def test_it_compiles_once_on_first_use_and_not_before(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    original = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return original(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    lazy = lazy_compile("ab+c")
    assert compiled == []
    assert lazy.search("xabbc") is not None
    assert lazy.match("abc") is not None
    assert [m.group() for m in lazy.finditer("abc abbc")] == ["abc", "abbc"]
    assert compiled == ["ab+c"]


def test_a_bad_pattern_fails_where_it_is_first_used() -> None:
    lazy = lazy_compile("(unclosed")
    with pytest.raises(re.error):
        lazy.search("x")
