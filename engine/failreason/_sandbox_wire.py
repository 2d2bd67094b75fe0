"""The sandbox's wire: answers, routes and methods, bodies, credentials and gateway faults."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlsplit

from failreason._sandbox_faults import Fault
from failreason._sandbox_model import ApiError

_JOB = re.compile(r"/v3/export-jobs/([^/]+)")
_ITEMS = re.compile(r"/v3/export-jobs/([^/]+)/items")
_JOBS = "/v3/export-jobs"
_EVENTS = "/v3/export-job-events"
_EXPORT_ITEMS = "/v3/export-items"
_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def _json(status: int, value: object, headers: tuple[tuple[str, str], ...] = ()) -> _Response:
    return _Response(status, json.dumps(value).encode(), "application/json", headers)


def _allowed_methods(path: str) -> tuple[str, ...]:
    """The methods of an API path; 404 for a path the API does not have."""
    if _ITEMS.fullmatch(path):
        return ("GET", "PUT")
    if _JOB.fullmatch(path) or path == _EXPORT_ITEMS:
        return ("GET",)
    if path == _JOBS:
        return ("GET", "POST")
    if path == _EVENTS:
        return ("POST",)
    raise ApiError(404, "NOT_FOUND", f"no endpoint {path}")


def _allow_header(target: str) -> str:
    path = urlsplit(target).path
    if path.startswith("/sandbox/"):
        return "GET, POST"
    try:
        return ", ".join(_allowed_methods(path))
    except ApiError:
        return "GET, PUT, POST"


def _allow(method: str, *allowed: str) -> None:
    """405 with an ``Allow`` header naming what the path takes."""
    if method not in allowed:
        message = f"{method} is not allowed here; use {' or '.join(allowed)}"
        raise ApiError(405, "METHOD_NOT_ALLOWED", message, (("Allow", ", ".join(allowed)),))


def _parse(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError(400, "BAD_REQUEST", "the body is not UTF-8") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ApiError(400, "BAD_REQUEST", f"the body is not JSON: {exc.msg} at {where}") from exc
    except RecursionError as exc:
        raise ApiError(400, "BAD_REQUEST", "the body's JSON is nested too deeply") from exc
    except ValueError as exc:  # the only other one json raises: Python's integer digit limit
        message = f"the body holds a number longer than {sys.get_int_max_str_digits()} digits"
        raise ApiError(400, "BAD_REQUEST", message) from exc


def _json_body(headers: Mapping[str, str], body: bytes) -> object:
    media = headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        message = f"send the body as application/json, not {media or 'without a Content-Type'}"
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    return _parse(body)


def _sent_items(method: str, body: bytes) -> int | None:
    if method != "PUT" or not body.lstrip().startswith(b"["):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # refused as a whole: no item was sent
        return None
    return len(value) if isinstance(value, list) else None


def _basic_problem(credentials: str, api_key: str) -> str | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "the Basic credentials are not base64 of 'user:password'"
    user, colon, password = decoded.partition(":")
    if not colon or password:
        return "Basic authentication takes the API key as user name and an empty password"
    good = hmac.compare_digest(user.encode(), api_key.encode())
    return None if good else "the API key is not valid"


def _fault_response(fault: Fault) -> _Response:
    if fault.kind == "429":
        wait = fault.retry_after_seconds
        value = formatdate(math.ceil(time.time()) + wait, usegmt=True)
        retry_after = value if fault.retry_after_as_date else str(wait)
        body = {"type": "TOO_MANY_REQUESTS", "message": "Rate limit exceeded (sandbox fault)"}
        return _json(429, body, (("Retry-After", retry_after),))
    if fault.kind == "502":
        return _Response(502, _BAD_GATEWAY, "text/html")
    kinds = {"500": "INTERNAL_SERVER_ERROR", "503": "SERVICE_UNAVAILABLE"}
    message = f"{kinds[fault.kind].replace('_', ' ').capitalize()} (sandbox fault)"
    return _json(int(fault.kind), {"type": kinds[fault.kind], "message": message})
