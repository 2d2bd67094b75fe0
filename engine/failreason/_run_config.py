"""``failreason run --config FILE``: the connector's configuration for the pre-checks.

A JSON or YAML mapping with ``ExportConfiguration``'s fields by their own names:

    journals: {Purchases: PURCH}          # what every entry needs, by the name shown
    accounts: {Accounts payable: "2820"}  # to the bookkeeper; null or "" is not set
    expense_accounts: {"6100": "4010"}    # optional: Pleo's account code -> yours
    default_expense_account: "4000"       # optional: for lines without an account
    default_expense_account_name: Default expense

Numbers are read as the text they spell: account codes are often written bare, and YAML
would read ``0400`` as the octal number 256.
A problem names the file, the line where it can, and the field.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from failreason._errors import FailreasonError
from failreason._prechecks import ExportConfiguration
from failreason._terminal import escaped


class _CodesAsText(yaml.SafeLoader):
    """YAML's safe loader, reading bare numbers as the text written (``0400`` stays
    ``"0400"``, not 256)."""


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_CodesAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_MAPPINGS = ("journals", "accounts", "expense_accounts")
_TEXTS = ("default_expense_account", "default_expense_account_name")
FIELDS = (*_MAPPINGS, *_TEXTS)


def read_configuration(name: str) -> ExportConfiguration:
    """The configuration in file ``name``; ``FailreasonError`` saying where it is wrong."""
    path = Path(name)
    text = path.read_text(encoding="utf-8")  # OSError: the command says it cannot read it
    shown = escaped(name)
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(text)
        else:
            document = yaml.load(text, Loader=_CodesAsText)  # noqa: S506 - a SafeLoader
    except json.JSONDecodeError as exc:
        raise FailreasonError(f"{shown}:{exc.lineno}: not JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not YAML"
        raise FailreasonError(f"{shown}{where}: not YAML: {problem}") from None
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise FailreasonError(f"{shown}: expected a mapping of {', '.join(FIELDS)}")
    return ExportConfiguration(**_fields(document, shown))


def _fields(document: Mapping[Any, Any], shown: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in document.items():
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise FailreasonError(
                f"{shown}: unknown field {escaped(str(key))[:40]!r}{hint} "
                f"(known: {', '.join(FIELDS)})"
            )
        if key in _MAPPINGS:
            fields[key] = _names(value, f"{shown}: {key}")
        elif value is not None:
            fields[key] = _text(value, f"{shown}: {key}")
    return fields


def _names(value: object, where: str) -> dict[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FailreasonError(f"{where} must be a mapping of names to values (null: not set)")
    return {
        _text(name, where): None if setting is None else _text(setting, f"{where}.{name}")
        for name, setting in value.items()
    }


def _text(value: object, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise FailreasonError(f"{where} must be text or a number, not {type(value).__name__}")
