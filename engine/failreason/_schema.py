"""The rule-file JSON Schema, and its errors turned into located, helpful problems."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from failreason._errors import Problem
from failreason._yaml import DocPath, LocatedDocument, format_path

if TYPE_CHECKING:  # imported when a rule file is checked: a cached rule set needs neither
    import jsonschema
    from jsonschema.exceptions import ValidationError

# What a value must look like, for keys whose schema is a choice of forms.
_FORMS = {
    "status": "an HTTP status (401), a class (4xx), a comparison (>=500) or a range (500-599)",
    "system": "a lower-case system id such as xero or quickbooks_online",
    "stage": "one of validation, entry, receipt_download, receipt_upload, auth",
    "code": "an error code (text or number)",
    "contains": "a non-empty text",
    "regex": "a non-empty regular expression",
    "equals": "a text, number, true, false or null",
}
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def rule_file_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file, as shipped with the package."""
    from importlib import resources

    text = resources.files("failreason").joinpath("rules.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = rule_file_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


def schema_problems(doc: LocatedDocument) -> list[Problem]:
    """Every way ``doc`` breaks the schema, each at the place it happens."""
    return [p for error in _validator().iter_errors(doc.data) for p in _explain(error, doc)]


def suggest(word: str, choices: Any) -> str:
    """A "did you mean" hint for ``word`` among ``choices``, or empty."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def _last_key(path: DocPath) -> str:
    return next((p for p in reversed(path) if isinstance(p, str)), "")


def _explain(error: ValidationError, doc: LocatedDocument) -> Iterator[Problem]:
    path: DocPath = tuple(error.absolute_path)
    shown = format_path(path)
    instance: Any = error.instance  # jsonschema types these as "maybe unset"; here they are set
    expected: Any = error.validator_value
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        yield from _unknown_keys(error, doc, path)
        return
    if error.validator in ("anyOf", "oneOf"):
        form = _FORMS.get(_last_key(path)) or _FORMS.get(str(path[-2]) if len(path) > 1 else "")
        if form is None:
            from jsonschema.exceptions import best_match

            yield from _explain(best_match(error.context or []) or error, doc)
            return
        yield Problem(doc.locate(path), f"{instance!r} is not {form}", shown)
        return
    if error.validator == "enum":
        key = _last_key(path)
        what = {"type": "failureReasonType", "stages": "stage"}.get(key, key or "value")
        yield Problem(
            doc.locate(path),
            f"unknown {what} {instance!r}",
            shown,
            suggest(instance, expected),
        )
        return
    if error.validator == "required":
        yield Problem(doc.locate(path), error.message.replace("property", "key"), shown)
        return
    if error.validator == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        got = _TYPE_NAMES.get(_json_type(instance), "something else")
        yield Problem(doc.locate(path), f"expected {wanted}, got {got}", shown)
        return
    yield Problem(doc.locate(path), error.message, shown)


def _unknown_keys(error: ValidationError, doc: LocatedDocument, path: DocPath) -> Iterator[Problem]:
    known = sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
    instance: Any = error.instance
    for key in instance:
        if key in known:
            continue
        hint = suggest(key, known) or ("allowed keys: " + ", ".join(known) if known else "")
        yield Problem(
            doc.locate((*path, key), key=True),
            f"unknown key {key!r}",
            format_path((*path, key)),
            hint,
        )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"
