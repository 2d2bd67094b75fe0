"""The raw-error envelope: what a connector hands over, checked and put in one shape.

Accepted: a mapping with the documented keys, an ``httpx.Response``, an ``httpx`` exception
(with or without a response) or any other exception. Anything else, an unknown key or a value
of the wrong type is an EnvelopeError naming the key; nothing is silently defaulted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from failreason._errors import EnvelopeError
from failreason._vocabulary import DEFAULT_STAGE, STAGES

KEYS = ("system", "stage", "status", "headers", "body", "message", "code", "params")
_SYSTEM_ID = re.compile(r"[a-z][a-z0-9_]*")
_JSON_SCALARS = (str, int, float, bool, type(None))


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
    if isinstance(raw, Mapping):
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
        f"or an exception; got {type(raw).__name__}"
    )


def _checked_keys(raw: Mapping[Any, Any], noun: str) -> dict[str, Any]:
    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise EnvelopeError(
                f"unknown {noun} {key!r} in the raw error{hint} (known: {', '.join(KEYS)})"
            )
    return dict(raw)


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


def _system(value: Any) -> str | None:
    if value is None:
        return None
    text = value.strip().lower() if isinstance(value, str) else None
    if text is None or not _SYSTEM_ID.fullmatch(text):
        raise EnvelopeError(
            f"'system' must be a lower-case system id such as 'xero' or 'quickbooks_online'; "
            f"got {value!r}"
        )
    return text


def _stage(value: Any) -> str:
    if value is None:
        return DEFAULT_STAGE
    if value not in STAGES:
        close = difflib.get_close_matches(str(value), STAGES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise EnvelopeError(f"'stage' must be one of {', '.join(STAGES)}; got {value!r}{hint}")
    return str(value)


def _status(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise EnvelopeError(f"'status' must be an HTTP status code from 100 to 599; got {value!r}")
    return value


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EnvelopeError(f"'headers' must be a mapping of names to values; got {value!r}")
    headers: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not isinstance(item, str | int | float):
            raise EnvelopeError(f"'headers' must map text names to text values; got {name!r}")
        headers[name.lower()] = str(item)
    return headers


def _body(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    _check_json(value, "body")
    return value


def _check_json(value: Any, key: str) -> None:
    if isinstance(value, _JSON_SCALARS):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_json(item, key)
        return
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        for item in value.values():
            _check_json(item, key)
        return
    raise EnvelopeError(f"'{key}' must be JSON-like (or bytes for 'body'); found {value!r}")


def _optional_text(value: Any, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise EnvelopeError(f"'{key}' must be a text; got {value!r}")


def _codes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EnvelopeError(f"'code' must be a text or a whole number; got {value!r}")
    return (str(value),)


def _params(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EnvelopeError(
            f"'params' must be a mapping such as {{'journal': 'Purchases'}}; got {value!r}"
        )
    _check_json(value, "params")
    return dict(value)


def _from_response(response: httpx.Response, extra: Envelope) -> Envelope:
    try:
        body: bytes | None = response.content
    except httpx.ResponseNotRead:
        body = None  # a streamed response nobody read: classify by its status and headers
    return Envelope(
        system=extra.system,
        stage=extra.stage,
        status=response.status_code,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=body,
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
    text = str(exc).strip() or type(exc).__name__
    return Envelope(
        system=extra.system,
        stage=extra.stage,
        status=extra.status,
        message=text,
        codes=(*extra.codes, *names),
        params=extra.params,
        host=_host(exc) if isinstance(exc, httpx.RequestError) else None,
    )
