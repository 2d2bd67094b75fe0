"""Compile a rule's ``match`` block (already schema-valid) into matcher objects.

Problems that only compiling can find, such as a regex RE2 rejects or a malformed path, are
handed to ``report`` with their place in the document, and compiling goes on so every problem
is found in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from failreason._concepts import Vocabulary
from failreason._match import (
    All,
    AnyOf,
    Condition,
    Contains,
    FieldTest,
    Matcher,
    Matches,
    Not,
    OneOf,
    StatusIn,
    StatusRange,
    scalar_text,
)
from failreason._normalize import fold_literal
from failreason._paths import PathSyntaxError, compile_path
from failreason._regex import Regex, RegexError, compile_regex
from failreason._yaml import DocPath

Report = Callable[[DocPath, str], None]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def compile_matcher(
    data: dict[str, Any], at: DocPath, report: Report, concepts: Vocabulary | None = None
) -> Matcher:
    """One matcher for a ``match`` mapping: all of its keys must hold (``{}`` always holds).

    ``concepts`` are the words a ``concept`` matcher may name (``rules/concepts.yaml``).
    """
    parts: list[Matcher] = []
    for key, value in data.items():
        where = (*at, key)
        if key in ("system", "stage", "code"):
            parts.append(OneOf(key, frozenset(scalar_text(v).casefold() for v in _listed(value))))
        elif key == "status":
            parts.append(StatusIn(tuple(_status_range(v, where, report) for v in _listed(value))))
        elif key == "contains":
            parts.append(Contains(tuple(fold_literal(n) for n in _listed(value))))
        elif key == "regex":
            parts.append(Matches(_regexes(value, where, report)))
        elif key in ("fields", "params", "headers"):
            parts.extend(_field_tests(key, value, where, report))
        elif key in ("all", "any"):
            inner = tuple(
                compile_matcher(m, (*where, i), report, concepts) for i, m in enumerate(value)
            )
            parts.append(All(inner) if key == "all" else AnyOf(inner))
        elif key == "not":
            parts.append(Not(compile_matcher(value, where, report, concepts)))
        elif key == "concept":
            vocabulary = concepts if concepts is not None else Vocabulary()
            try:
                parts.append(vocabulary.concept(_listed(value["object"]), _listed(value["state"])))
            except KeyError as exc:
                known = sorted(vocabulary.objects) + sorted(vocabulary.states)
                report(where, f"{exc.args[0]}; declared: {', '.join(known) or 'none'}")
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _status_range(value: int | str, at: DocPath, report: Report) -> StatusRange:
    if isinstance(value, int):
        return StatusRange(value, value, str(value))
    text = "".join(value.split())
    if text.endswith("xx"):
        low = int(text[0]) * 100
        return StatusRange(low, low + 99, text)
    if "-" in text:
        low, high = (int(part) for part in text.split("-"))
        if low > high:
            report(at, f"status range {text!r} is empty: write the lower status first")
        return StatusRange(low, high, text)
    operator, number = text.rstrip("0123456789"), int(text.lstrip("<>="))
    low, high = {
        ">": (number + 1, 599),
        ">=": (number, 599),
        "<": (100, number - 1),
        "<=": (100, number),
        "": (number, number),
    }[operator]
    return StatusRange(low, high, text)


def _regexes(value: str | list[str], at: DocPath, report: Report) -> tuple[Regex, ...]:
    compiled: list[Regex] = []
    for index, pattern in enumerate(_listed(value)):
        where = (*at, index) if isinstance(value, list) else at
        try:
            compiled.append(compile_regex(pattern))
        except RegexError as exc:
            report(where, f"regex {pattern!r} is not valid RE2 syntax: {exc}")
    return tuple(compiled)


def _field_tests(
    source: str, tests: dict[str, dict[str, Any]], at: DocPath, report: Report
) -> list[Matcher]:
    matchers: list[Matcher] = []
    for name, spec in tests.items():
        where = (*at, name)
        try:
            path = compile_path(name.lower() if source == "headers" else name)
        except PathSyntaxError as exc:
            report(where, f"{source} path {name!r} is not valid: {exc}")
            continue
        equals = spec.get("equals")
        condition = Condition(
            equals=None
            if equals is None and "equals" not in spec
            else frozenset(fold_literal(scalar_text(v)) for v in _listed(equals)),
            contains=tuple(fold_literal(n) for n in _listed(spec.get("contains", []))),
            regexes=_regexes(spec.get("regex", []), (*where, "regex"), report),
            exists=spec.get("exists", True),
            capture=spec.get("capture"),
            optional=spec.get("optional", False),
        )
        matchers.append(FieldTest(source, path, condition))
    return matchers
