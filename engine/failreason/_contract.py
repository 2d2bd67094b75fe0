"""Pleo's Export API v3 contract as data, and checks of requests and responses against it.

``contract/export-api-v3.json`` holds the part of Pleo's published OpenAPI description that
failreason uses (its ``source`` names where it comes from): each operation's method, path,
path and query parameters, request body and documented responses, as JSON Schemas over
shared ``$defs``. ``request_problems`` and ``response_problems`` return what is wrong, in
words, and an empty list when nothing is; they never raise for a bad message.

    request_problems("PUT", "/v3/export-jobs/<uuid>/items", "", [{"status": "done"}])
    # ["PUT /v3/export-jobs/{jobId}/items: body[0]: 'accountingEntryId' is missing", ...]
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

NO_BODY: Any = object()  # a request or response without a body (or one that is not JSON)
_GENERIC_ERROR_STATUSES = frozenset({400, 401, 403, 404, 405, 411, 413, 414, 415, 429, 431})
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339: a date, a ``T``, a time with optional fraction, and ``Z`` or an offset."""
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", value):
        raise ValueError(value)
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # the calendar
    return True


@dataclass(frozen=True)
class Operation:
    """One operation of the contract."""

    operation_id: str
    method: str
    path: str
    path_parameters: Mapping[str, Any]
    query: Mapping[str, Any]
    request_body: Mapping[str, Any] | None
    responses: Mapping[str, Any]

    @property
    def pattern(self) -> re.Pattern[str]:
        return _path_pattern(self.path)


@cache
def _document() -> dict[str, Any]:
    text = resources.files("failreason").joinpath("contract/export-api-v3.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the contract, in the file's order."""
    return tuple(
        Operation(
            op["operationId"],
            op["method"],
            op["path"],
            op.get("pathParameters", {}),
            op.get("query", {}),
            op.get("requestBody"),
            op["responses"],
        )
        for op in _document()["operations"]
    )


def definition(name: str) -> Mapping[str, Any]:
    """A named schema of the contract's ``$defs`` (``ExportJobFailureReasonType``, ...)."""
    schema: Mapping[str, Any] = _document()["$defs"][name]
    return schema


def enum(name: str) -> tuple[str, ...]:
    """The values of one of the contract's enums."""
    return tuple(definition(name)["enum"])


@cache
def _path_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)))


def find(method: str, path: str) -> tuple[Operation | None, list[str]]:
    """The operation for ``method path``, or None and why there is none."""
    on_path = [op for op in operations() if op.pattern.fullmatch(path)]
    for op in on_path:
        if op.method == method:
            return op, []
    if on_path:
        allowed = ", ".join(op.method for op in on_path)
        return None, [f"{method} {path}: the contract has no {method} here (only {allowed})"]
    return None, [f"{method} {path}: no operation of the contract has this path"]


def request_problems(
    method: str, path: str, query: str | Mapping[str, Sequence[str]], body: object = NO_BODY
) -> list[str]:
    """What is wrong with a request (query as a string or ``parse_qs`` mapping; body parsed)."""
    op, problems = find(method, path)
    if op is None:
        return problems
    where = f"{method} {op.path}"
    match = op.pattern.fullmatch(path)
    assert match is not None  # noqa: S101 - find() matched it
    for name, schema in op.path_parameters.items():
        value = unquote(match[name])
        problems += _problems(schema, value, f"path parameter {name}")
    values = parse_qs(query, keep_blank_values=True) if isinstance(query, str) else query
    problems += _query_problems(op, values)
    if op.request_body is not None:
        if body is NO_BODY:
            problems.append("the request has no JSON body")
        else:
            problems += _problems(op.request_body, body, "body")
    elif body is not NO_BODY:
        problems.append("the request has a body, which this operation does not take")
    return [f"{where}: {problem}" for problem in problems]


def _query_problems(op: Operation, values: Mapping[str, Sequence[str]]) -> list[str]:
    problems: list[str] = []
    for name, given in values.items():
        schema = op.query.get(name)
        if schema is None:
            known = ", ".join(op.query) or "none"
            problems.append(f"unknown query parameter {name!r} (the contract has {known})")
            continue
        if schema.get("type") == "array":
            value: object = list(given)
        elif len(given) != 1:
            problems.append(f"query parameter {name!r} is given {len(given)} times, once allowed")
            continue
        else:
            value = _query_scalar(schema, given[0])
        problems += _problems(schema, value, f"query parameter {name}")
    return problems


def _query_scalar(schema: Mapping[str, Any], text: str) -> object:
    if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def response_problems(method: str, path: str, status: int, body: object = NO_BODY) -> list[str]:
    """What is wrong with a response to ``method path`` (body parsed, or ``NO_BODY``)."""
    op, problems = find(method, path)
    if op is None and status in (404, 405):  # refusing what the contract lacks is right
        problems = _problems({"$ref": "#/$defs/ExceptionInfo"}, body, "body")
        return [f"{method} {path} answered {status}: {problem}" for problem in problems]
    if op is None:
        return problems
    where = f"{method} {op.path} answered {status}"
    schema = op.responses.get(str(status))
    if schema is None and 200 <= status < 300:
        documented = ", ".join(op.responses)
        return [f"{where}: the contract documents {documented} for this operation, not {status}"]
    if schema is None:
        if body is NO_BODY:
            return [] if status >= 500 else [f"{where}: an error answer needs a JSON body"]
        schema = {"$ref": "#/$defs/ExceptionInfo"}
    if body is NO_BODY:
        return [] if not schema else [f"{where}: the contract expects a JSON body"]
    return [f"{where}: {problem}" for problem in _problems(schema, body, "body")]


def body_problems(operation_id: str, body: object) -> list[str]:
    """What is wrong with the request body of one operation (no path or query)."""
    op = next(op for op in operations() if op.operation_id == operation_id)
    return _problems(op.request_body or {}, body, "body")


def _problems(schema: Mapping[str, Any], value: object, name: str) -> list[str]:
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [_in_words(error, name) for error in errors]


@cache
def _validator(schema_text: str) -> Draft202012Validator:
    schema = {**json.loads(schema_text), "$defs": _document()["$defs"]}
    return Draft202012Validator(schema, format_checker=_FORMATS)


def _in_words(error: ValidationError, name: str) -> str:
    where = name + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    value, kind = error.instance, error.validator
    if kind == "required":
        missing = re.match(r"'([^']*)'", error.message)
        field = missing[1] if missing else error.message
        return f"{where}: the required field {field!r} is missing"
    if kind == "enum":
        choices: list[object] = list(error.validator_value)  # type: ignore[arg-type]
        allowed = ", ".join(map(str, choices))
        return f"{where}: {_shown(value)} is not one of the allowed values ({allowed})"
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where}: {_shown(value)} where the contract allows {expected}"
    if kind == "format":
        return f"{where}: {_shown(value)} is not a valid {error.validator_value}"
    if kind == "pattern":
        return f"{where}: {_shown(value)} does not match {error.validator_value}"
    return f"{where}: {error.message}"


def _shown(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
