"""The JSON Lines a connector's program reads and writes: pure, no processes.

failreason writes one JSON object per line to the program's standard input, and reads one
line back from its standard output for each:

    {"exportItem": <ExportItemV3>}     ->  {"externalId": "...", "externalUrl": "...",
                                             "exportedAt": "2026-03-01T12:00:00Z"}
                                             (any of them, or {}: posted), or
                                            {"error": <raw-error envelope>}  (refused)
    {"validate": {"job": <ExportJob>}}  ->  {} or {"ok": true}, or {"error": <envelope>}

An answer that is not this (not JSON, not an object, an unknown key, a value of the wrong
type, an envelope the engine would refuse) is a ``ProtocolError``: the program is broken, not
the entry. Its message names what was expected and never repeats the line, which may hold the
item's data.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from failreason._envelope import to_envelope
from failreason._errors import EnvelopeError
from failreason._run_types import Failed, Posted

POSTED_KEYS = ("externalId", "externalUrl", "exportedAt")
VALIDATED_KEYS = ("ok",)
_SHOWN_KEY_CHARS = 40
_JSON_KINDS = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


class ProtocolError(Exception):
    """An answer that breaks the protocol; ``str()`` says what was expected."""


def item_line(item: Mapping[str, Any]) -> bytes:
    """The line that hands the program one export item."""
    return _line({"exportItem": item})


def validate_line(job: Mapping[str, Any]) -> bytes:
    """The line that asks the program whether the accounting system can take the job."""
    return _line({"validate": {"job": job}})


def _line(message: Mapping[str, Any]) -> bytes:
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return text.encode("utf-8") + b"\n"


def _plain(value: object) -> object:
    """Mappings and sequences Pleo's client may hand over as other types than dict/list."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def posted_answer(line: bytes) -> Posted | Failed:
    """The outcome one answer line to an export item stands for."""
    answer = _object(line, 'an object such as {"externalId": "..."} or {"error": {...}}')
    if "error" in answer:
        return Failed(_error(answer, allowed=("error",)))
    _only(answer, POSTED_KEYS, 'externalId, externalUrl, exportedAt or "error"')
    return Posted(
        external_id=_reference(answer, "externalId"),
        external_url=_text(answer, "externalUrl"),
        exported_at=_moment(answer),
    )


def validated_answer(line: bytes) -> Mapping[str, Any] | None:
    """None when the program says the job can go ahead, else the envelope of why not."""
    answer = _object(line, '{} or {"ok": true} when the job can go ahead, or {"error": {...}}')
    if "error" in answer:
        return _error(answer, allowed=("error", "ok"))
    _only(answer, VALIDATED_KEYS, '"ok" or "error"')
    if answer.get("ok", True) is not True:
        raise ProtocolError('"ok" must be true; to refuse the job, answer {"error": {...}}')
    return None


def _object(line: bytes, expected: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ProtocolError(f"expected {expected}, got a line that is not JSON") from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "a number")
        raise ProtocolError(f"expected {expected}, got {kind}")
    return value


def _only(answer: Mapping[str, Any], known: tuple[str, ...], listed: str) -> None:
    for key in answer:
        if key not in known:
            close = difflib.get_close_matches(key, (*known, "error"), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ProtocolError(f"unknown key {_shown(key)} in the answer{hint} (known: {listed})")


def _error(answer: Mapping[str, Any], *, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    _only(answer, allowed, " and ".join(f'"{key}"' for key in allowed))
    if answer.get("ok") not in (None, False):
        raise ProtocolError('an answer with "error" cannot also say "ok": true')
    envelope = answer["error"]
    if not isinstance(envelope, dict):
        raise ProtocolError(
            '"error" must be a raw-error envelope, an object such as '
            '{"status": 400, "body": {...}} or {"code": "ECONNREFUSED", "message": "..."}'
        )
    try:
        to_envelope(envelope, {})  # the engine's own check: a bad key is named here, once
    except EnvelopeError as exc:
        raise ProtocolError(f'"error" is not a raw-error envelope: {exc}') from None
    return envelope


def _reference(answer: Mapping[str, Any], key: str) -> str | None:
    value = answer.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # accounting systems number their entries; Pleo keeps text
    return _text(answer, key)


def _text(answer: Mapping[str, Any], key: str) -> str | None:
    value = answer.get(key)
    if value is None or (isinstance(value, str) and value):
        return value
    raise ProtocolError(f'"{key}" must be a non-empty string or null')


def _moment(answer: Mapping[str, Any]) -> datetime | None:
    text = _text(answer, "exportedAt")
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ProtocolError(
            '"exportedAt" must be an ISO 8601 time with its offset, such as "2026-03-01T12:00:00Z"'
        )
    return moment


def _shown(key: str) -> str:
    return repr(key) if len(key) <= _SHOWN_KEY_CHARS and key.isprintable() else "a long key"
