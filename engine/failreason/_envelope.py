"""The raw-error envelope: what a connector hands over, checked and put in one shape.

Accepted: a mapping with the documented keys, an ``httpx.Response``, an ``httpx`` exception
(with or without a response) or any other exception. Anything else, an unknown key or a value
of the wrong type is an EnvelopeError naming the key; nothing is silently defaulted.

This is the boundary: every text is made valid Unicode here, once, and cut to the bounds in
`_bounds` (bodies, fields, headers; JSON values copied without recursion, cut below
``MAX_DEPTH`` and after ``MAX_NODES`` values). Nothing in an envelope raises anything but
EnvelopeError, and its messages name keys and expected shapes, never a value (which could be
a secret). A body or params value that contains itself is an EnvelopeError: it is no JSON.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from failreason._bounds import (
    MAX_BODY_BYTES,
    MAX_BODY_CHARS,
    MAX_FIELD_CHARS,
    MAX_HEADERS,
    MAX_NUMBER_BITS,
)
from failreason._errors import EnvelopeError
from failreason._json_copy import NotJsonError, copy_json
from failreason._sanitize import valid, visible
from failreason._systems import MAX_ID_LENGTH, normalised_id
from failreason._vocabulary import DEFAULT_STAGE, STAGES

KEYS = ("system", "stage", "status", "headers", "body", "message", "code", "params")


@dataclass(frozen=True)
class Envelope:
    system: str | None = None
    stage: str = DEFAULT_STAGE
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    message: str | None = None
    codes: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    host: str | None = None  # the accounting system's host, when an httpx object tells it

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def to_envelope(raw: object, context: Mapping[str, Any]) -> Envelope:
    """Check ``raw`` (and the keyword ``context``, which fills keys ``raw`` lacks)."""
    if type(raw) is dict or isinstance(raw, Mapping):  # a plain dict skips the ABC check
        merged = {**_checked_keys(context, "keyword argument"), **_checked_keys(raw, "key")}
        return _from_mapping(merged)
    extra = _from_mapping(_checked_keys(context, "keyword argument"))
    if isinstance(raw, httpx.Response):
        return _from_response(raw, extra)
    if isinstance(raw, httpx.HTTPStatusError):
        return _from_response(raw.response, extra)
    if isinstance(raw, BaseException):
        return _from_exception(raw, extra)
    raise EnvelopeError(
        "a raw error must be a mapping (see the README's envelope keys), an httpx.Response "
        f"or an exception; got {_type_name(raw)}"
    )


def _shown_key(key: object) -> str:
    """A key as a message may show it: quoted when short printable text, else its type."""
    if isinstance(key, str):
        text = str.__str__(key)
        if len(text) <= 40 and text.isprintable():
            return repr(text)
        return _text_of_length(len(text))
    return f"a key of type {_type_name(key)}"


def _type_name(value: object) -> str:
    name = visible(str(type(value).__name__))[:40]
    return name if name.isprintable() and name else "an unnamed type"


def _items(mapping: Mapping[Any, Any], where: str) -> list[tuple[Any, Any]]:
    """A foreign mapping's items; its own failure to list them is the caller's error."""
    try:
        return list(mapping.items())
    except Exception as exc:  # any failure of foreign code is reported as such, not re-raised
        raise EnvelopeError(
            f"{where} could not be read: {_type_name(mapping)}.items() raised {_type_name(exc)}"
        ) from None


def _checked_keys(raw: Mapping[Any, Any], noun: str) -> dict[str, Any]:
    items = _items(raw, "the raw error" if noun == "key" else "the keyword arguments")
    for key, _ in items:
        if not (isinstance(key, str) and str.__str__(key) in KEYS):  # no foreign __eq__
            hint = ""
            if isinstance(key, str) and len(key) <= 40:
                close = difflib.get_close_matches(key, KEYS, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(KEYS)
            raise EnvelopeError(
                f"unknown {noun} {_shown_key(key)} in the raw error{hint} (known: {known})"
            )
    return dict(items)


def _from_mapping(raw: dict[str, Any]) -> Envelope:
    return Envelope(
        system=_system(raw.get("system")),
        stage=_stage(raw.get("stage")),
        status=_status(raw.get("status")),
        headers=_headers(raw.get("headers")),
        body=_body(raw.get("body")),
        message=_optional_text(raw.get("message"), "message"),
        codes=_codes(raw.get("code")),
        params=_params(raw.get("params")),
    )


def _text(value: str) -> str:
    """An envelope string as the engine keeps it: exact str, bounded, valid Unicode."""
    return valid(str.__str__(value)[:MAX_FIELD_CHARS])


def _system(value: Any) -> str | None:
    """The id form of what the user typed ("QuickBooks Online" → quickbooks_online).

    Aliases are resolved later, by the engine, against the systems its rule files declare.
    """
    if value is None:
        return None
    text = normalised_id(_text(value)) if isinstance(value, str) else None
    if text is None:
        raise EnvelopeError(
            "'system' must be a system id such as 'xero', 'quickbooks_online' or "
            "'Business Central' (ASCII letters and digits, separated by spaces, hyphens, dots "
            f"or underscores, starting with a letter, at most {MAX_ID_LENGTH}); "
            f"got {_described(value)}"
        )
    return text


def _described(value: object) -> str:
    """What a rejected value was, without showing it."""
    if isinstance(value, str):
        return _text_of_length(len(value))
    return f"a value of type {_type_name(value)}"


def _stage(value: Any) -> str:
    if value is None:
        return DEFAULT_STAGE
    if not isinstance(value, str) or str.__str__(value) not in STAGES:
        hint = ""
        if isinstance(value, str) and len(value) <= 40:
            close = difflib.get_close_matches(value, STAGES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        raise EnvelopeError(
            f"'stage' must be one of {', '.join(STAGES)}; got {_described(value)}{hint}"
        )
    return str.__str__(value)


def _status(value: Any) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 100 <= int.__int__(value) <= 599
    ):
        raise EnvelopeError(
            f"'status' must be an HTTP status code from 100 to 599; got {_described(value)}"
            + (" out of that range" if isinstance(value, int) else "")
        )
    return int.__int__(value)


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EnvelopeError(
            f"'headers' must be a mapping of names to values; got {_described(value)}"
        )
    headers: dict[str, str] = {}
    for name, item in _items(value, "'headers'")[:MAX_HEADERS]:
        if not isinstance(name, str) or isinstance(item, bool):
            raise EnvelopeError(
                f"'headers' must map text names to text values; {_shown_key(name)} does not"
            )
        if isinstance(item, str):
            headers[_text(name).lower()] = _text(item)
        elif isinstance(item, float):
            headers[_text(name).lower()] = float.__repr__(item)
        elif isinstance(item, int):  # a number too long to print is no header value to read
            if item.bit_length() <= MAX_NUMBER_BITS:
                headers[_text(name).lower()] = int.__repr__(item)
        else:
            raise EnvelopeError(
                f"'headers' must map text names to text values; the value of {_shown_key(name)} "
                f"is {_described(item)}"
            )
    return headers


def _body(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        try:  # a memoryview may have any shape: read it as bytes
            return bytes(memoryview(value).cast("B")[:MAX_BODY_BYTES])
        except (TypeError, ValueError) as exc:
            raise EnvelopeError(
                f"'body' as bytes must be one contiguous buffer; {_type_name(exc)}"
            ) from None
    if isinstance(value, str):
        return valid(str.__str__(value)[:MAX_BODY_CHARS])
    return _json(value, "body")


def _json(value: Any, key: str) -> Any:
    try:
        return copy_json(value)
    except NotJsonError as exc:
        raise EnvelopeError(
            f"'{key}' must be JSON-like (or bytes for 'body'); {exc.problem}"
        ) from None


def _optional_text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _text(value)
    raise EnvelopeError(f"'{key}' must be a text; got {_described(value)}")


def _codes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EnvelopeError(f"'code' must be a text or a whole number; got {_described(value)}")
    if isinstance(value, int):
        return (int.__repr__(value),) if value.bit_length() <= MAX_NUMBER_BITS else ()
    return (_text(value),)


def _params(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EnvelopeError(
            f"'params' must be a mapping such as {{'journal': 'Purchases'}}; "
            f"got {_described(value)}"
        )
    copied = _json(value, "params")
    assert isinstance(copied, dict)  # noqa: S101 -- a mapping copies to a dict
    return copied


def _from_response(response: httpx.Response, extra: Envelope) -> Envelope:
    try:
        body: bytes | None = response.content
    except httpx.ResponseNotRead:
        body = None  # a streamed response nobody read: classify by its status and headers
    return Envelope(
        system=extra.system,
        stage=extra.stage,
        status=response.status_code,
        headers={
            _text(name).lower(): _text(value)
            for name, value in list(response.headers.items())[:MAX_HEADERS]
        },
        body=_body(body),
        message=extra.message,
        codes=extra.codes,
        params=extra.params,
        host=_host(response),
    )


def _host(source: httpx.Response | httpx.RequestError) -> str | None:
    try:
        return source.request.url.host or None
    except RuntimeError:  # httpx raises this when no request is attached
        return None


def _from_exception(exc: BaseException, extra: Envelope) -> Envelope:
    # Exception class names, most specific first, let rules say "any TimeoutException".
    names = tuple(
        cls.__name__ for cls in type(exc).__mro__ if cls not in (object, BaseException, Exception)
    )
    return Envelope(
        system=extra.system,
        stage=extra.stage,
        status=extra.status,
        message=_exception_text(exc),
        codes=(*extra.codes, *(_text(name) for name in names)),
        params=extra.params,
        host=_host(exc) if isinstance(exc, httpx.RequestError) else None,
    )


def _exception_text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ fails still names its type
        text = ""
    text = _text(text) if isinstance(text, str) else ""
    return text.strip() if visible(text).strip() else _type_name(exc)


def _text_of_length(length: int) -> str:
    return f"a text of {length} character{'' if length == 1 else 's'}"
