"""Pleo's Export API as requests and answers: shared by the sync and async clients."""

from __future__ import annotations

import base64
import math
import os
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from failreason._errors import FailreasonError
from failreason._policy import Attempt, RetryPolicy
from failreason._vocabulary import MAX_PAGE_SIZE

PRODUCTION_URL = "https://external.pleo.io"
# Requests in flight at once while reporting (item updates, page reads). Pleo publishes no
# rate limit, so this stays modest: 4 cuts a report's wall time about 4 times over one at a
# time, and a 429 pauses all of them (see ``_protocol``).
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32
STAGING_URL = "https://external.staging.pleo.io"


class PleoError(FailreasonError):
    """Pleo refused a request, or could not be reached; operators act on these.

    ``status`` is the HTTP status (None when no answer came), ``type`` and ``message`` are
    Pleo's own error body when it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, type: str = "") -> None:
        super().__init__(message)
        self.status, self.type, self.message = status, type, message


class CredentialsError(FailreasonError, TypeError):
    """No usable credentials for Pleo: none, both kinds, or a value no header can carry.

    The message says what is wrong and where, never the value itself.
    """


class PleoSettingsError(FailreasonError, ValueError):
    """A Pleo setting that cannot work: a base URL that is not http(s), or a bad timeout."""


class JobNotReportableError(PleoError):
    """The job cannot take updates: unknown, not started, already finished or expired."""


class IncompleteJobError(PleoError):
    """The job still has items without a final status, so it was not completed."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True, repr=False)
class PleoSettings:
    """Where Pleo is and how to sign requests; ``from_env`` reads PLEO_* variables.

    ``from_env`` reads PLEO_TOKEN or PLEO_API_KEY, PLEO_BASE_URL, PLEO_TIMEOUT and
    PLEO_SETTLE_SECONDS; keyword arguments win over the environment.

    The token or API key is checked here, once: surrounding whitespace (a trailing newline
    from a secrets file) is dropped, and anything else a header cannot carry (line breaks,
    control or non-ASCII characters) is a ``CredentialsError`` that never shows the value.
    ``repr`` masks it. ``settle_seconds`` (default: ``timeout``) is how long Pleo may still
    be applying a request after its answer stopped being waited for; see ``_policy``.
    ``concurrency`` (PLEO_CONCURRENCY, default ``DEFAULT_CONCURRENCY``) is how many item
    updates or page reads a report keeps in flight at once; 1 sends one at a time.
    """

    token: str | None = None
    api_key: str | None = None
    base_url: str = PRODUCTION_URL
    timeout: float = 30.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    settle_seconds: float | None = None
    concurrency: int = DEFAULT_CONCURRENCY

    def __post_init__(self) -> None:
        if (self.token is None) == (self.api_key is None):
            raise CredentialsError("give exactly one of token= (OAuth bearer) or api_key=")
        if self.token is not None:
            object.__setattr__(self, "token", _checked(self.token, "token"))
        if self.api_key is not None:
            object.__setattr__(self, "api_key", _checked(self.api_key, "API key"))
        _check_base_url(self.base_url)
        for name in ("timeout", "settle_seconds"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int | float) and 0 < value < math.inf):
                raise PleoSettingsError(f"{name} must be a number of seconds above 0")
        count = self.concurrency
        whole = isinstance(count, int) and not isinstance(count, bool)
        if not (whole and 1 <= count <= MAX_CONCURRENCY):
            raise PleoSettingsError(
                f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, got {count!r}"
            )

    def __repr__(self) -> str:
        auth = "token='***'" if self.token is not None else "api_key='***'"
        return (
            f"PleoSettings({auth}, base_url={safe_url(self.base_url)!r}, "
            f"timeout={self.timeout!r}, settle_seconds={self.settle_seconds!r}, "
            f"concurrency={self.concurrency!r}, policy={self.policy!r})"
        )

    @property
    def settle(self) -> float:
        """Seconds to wait before each read-back after an unanswered request."""
        return self.timeout if self.settle_seconds is None else self.settle_seconds

    @property
    def landing_window(self) -> float:
        """Seconds after sending within which Pleo may still apply a write, as far as the
        client waits for one: the answer's timeout and two read-backs ``settle`` apart."""
        return self.timeout + 2 * self.settle

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: Any) -> PleoSettings:
        env = os.environ if environ is None else environ
        token = given.pop("token", None) or env.get("PLEO_TOKEN") or None
        api_key = given.pop("api_key", None) or env.get("PLEO_API_KEY") or None
        base_url = given.pop("base_url", None) or env.get("PLEO_BASE_URL") or PRODUCTION_URL
        if token is None and api_key is None:
            raise CredentialsError("no Pleo credentials: set PLEO_TOKEN or PLEO_API_KEY")
        if token is not None and api_key is not None:
            api_key = None  # a bearer token wins over an API key when both are set
        for name, variable in (
            ("timeout", "PLEO_TIMEOUT"),
            ("settle_seconds", "PLEO_SETTLE_SECONDS"),
        ):
            if given.get(name) is None and env.get(variable):
                given[name] = _seconds(env[variable], variable)
        if given.get("concurrency") is None and env.get("PLEO_CONCURRENCY"):
            given["concurrency"] = _count(env["PLEO_CONCURRENCY"], "PLEO_CONCURRENCY")
        elif given.get("concurrency") is None:
            given.pop("concurrency", None)
        return cls(token=token, api_key=api_key, base_url=base_url, **given)

    @classmethod
    def given(
        cls,
        settings: PleoSettings | None,
        token: str | None,
        api_key: str | None,
        base_url: str | None,
    ) -> PleoSettings:
        """``settings`` if given, else settings from the keyword arguments (no environment)."""
        if settings is not None:
            return settings
        return cls.from_env({}, token=token, api_key=api_key, base_url=base_url)

    def httpx_options(self) -> dict[str, Any]:
        """What both httpx clients are built with."""
        return {"base_url": self.base_url, "headers": self.headers(), "timeout": self.timeout}

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._credential(), "Accept": "application/json"}

    def _credential(self) -> str:
        if self.token is not None:
            return f"Bearer {self.token}"
        pair = f"{self.api_key}:".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def scrub(self, text: str) -> str:
        """``text`` with the credential, in any form a request carries it, masked."""
        secrets = [self.token or self.api_key or "", self._credential().partition(" ")[2]]
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


def _seconds(text: str, variable: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise PleoSettingsError(f"{variable} must be a number of seconds, got {text!r}") from None


def _count(text: str, variable: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PleoSettingsError(
            f"{variable} must be a whole number of requests, got {text!r}"
        ) from None


def _checked(value: object, label: str) -> str:
    """The credential without surrounding whitespace; refused if a header cannot carry it."""
    if not isinstance(value, str):
        raise CredentialsError(f"the Pleo {label} must be a string, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise CredentialsError(f"the Pleo {label} is empty")
    for position, char in enumerate(text, 1):
        if not "!" <= char <= "~":
            raise CredentialsError(
                f"the Pleo {label} has {_kind_of(char)} at character {position}; only visible "
                "ASCII can be sent in a header, so check how the value was read or pasted"
            )
    return text


def _kind_of(char: str) -> str:
    if char in "\r\n":
        return "a line break"
    if char in " \t":
        return "a space"
    if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
        return "a control character"
    if char.isspace():
        return "a space"
    return "a non-ASCII character"


def _check_base_url(base_url: object) -> None:
    if not isinstance(base_url, str):
        kind = type(base_url).__name__
        raise PleoSettingsError(f"the Pleo base URL must be a string, not {kind}")
    try:
        url = urlsplit(base_url)
        host = url.hostname
    except ValueError:
        url, host = None, None
    if url is None or url.scheme not in ("http", "https") or not host:
        raise PleoSettingsError(
            f"the Pleo base URL {safe_url(base_url)!r} is not an http(s) URL with a host, "
            f"e.g. {PRODUCTION_URL}"
        )
    if url.username is not None or url.password is not None:
        raise PleoSettingsError(
            f"the Pleo base URL {safe_url(base_url)!r} carries credentials; "
            "give them as the token or API key instead"
        )


def safe_url(url: str) -> str:
    """``url`` without user name, password, query or fragment: fit for a message."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unreadable URL>"
    if not parts.scheme or not host:
        return url.rpartition("@")[2].partition("?")[0]
    return f"{parts.scheme}://{host}{port}{parts.path}"


def job_path(job_id: str) -> str:
    return f"/v3/export-jobs/{job_id}"


def items_path(job_id: str) -> str:
    return f"/v3/export-jobs/{job_id}/items"


EVENTS_PATH = "/v3/export-job-events"


def items_query(
    after: str | None, offset: int | None = None, status: str | None = None
) -> dict[str, str | int]:
    query: dict[str, str | int] = {"limit": MAX_PAGE_SIZE}
    if status:
        query["status"] = status
    if after:
        query["after"] = after
    if offset:
        query["offset"] = offset
    return query


def attempt_of(response: httpx.Response | None, error: Exception | None) -> Attempt:
    """The policy's view of one try: a status, or a transport failure and whether it was sent."""
    if response is not None:
        return Attempt(status=response.status_code, retry_after=response.headers.get("retry-after"))
    if error is not None and is_permanent(error):
        return Attempt(transport_error=True, permanent=True)
    # Connecting failed or timed out: the request never left. Anything later may have landed.
    unsent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    timed_out = isinstance(error, httpx.TimeoutException) and not unsent
    unresolved = error is not None and _caused_by(error, socket.gaierror)
    return Attempt(
        transport_error=True, may_have_landed=not unsent, timed_out=timed_out, unresolved=unresolved
    )


# OpenSSL's words for a handshake the two sides cannot agree on: no retry changes that.
_TLS_MISMATCH = (
    "CERTIFICATE_VERIFY_FAILED",
    "WRONG_VERSION_NUMBER",
    "UNSUPPORTED_PROTOCOL",
    "TLSV1_ALERT_PROTOCOL_VERSION",
    "NO_PROTOCOLS_AVAILABLE",
    "VERSION_TOO_LOW",
    "NO_SHARED_CIPHER",
    "HANDSHAKE_FAILURE",
)


def is_permanent(error: BaseException) -> bool:
    """A failure that sending again cannot cure: a bad URL or header, a TLS mismatch."""
    if isinstance(error, httpx.UnsupportedProtocol | httpx.LocalProtocolError | httpx.InvalidURL):
        return True
    if _caused_by(error, ssl.SSLCertVerificationError):
        return True
    text = " ".join(str(cause) for cause in _causes(error)).upper()
    return any(word in text for word in _TLS_MISMATCH)


def _causes(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and all(cause is not s for s in seen) and len(seen) < 16:
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__
    return seen


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(cause, kind) for cause in _causes(error))


def error_of(response: httpx.Response, doing: str) -> PleoError:
    """A PleoError carrying Pleo's ``type`` and ``message`` for a refused request."""
    kind, message = "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        kind, message = str(body.get("type") or ""), str(body.get("message") or "")
    detail = f"{kind}: {message}" if kind or message else _what_came(response)
    text = f"Pleo answered {response.status_code} to {doing} ({_where(response)}): {detail}"
    return PleoError(text, status=response.status_code, type=kind.upper())


def _where(response: httpx.Response) -> str:
    try:
        request = response.request
    except RuntimeError:  # a response built without a request (tests)
        return "no request"
    return f"{request.method} {safe_url(str(request.url))}"


def _what_came(response: httpx.Response) -> str:
    kind = response.headers.get("content-type") or "no content type"
    first = response.content[:_SHOWN_BYTES].decode("utf-8", "replace")
    shown = " ".join(first.split())
    return f"{kind}, {len(response.content)} bytes" + (f" starting {shown!r}" if shown else "")


_SHOWN_BYTES = 80


def json_of(response: httpx.Response, doing: str) -> Any:
    """The answer's JSON body; a PleoError saying what came back when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise PleoError(
            f"Pleo answered {response.status_code} to {doing} ({_where(response)}) with "
            f"something that is not JSON ({_what_came(response)}); check the base URL points "
            "at Pleo's API and not a web page or a proxy",
            status=response.status_code,
            type="NOT_JSON",
        ) from None


def transport_failure(
    error: Exception | None,
    method: str,
    doing: str,
    reason: str,
    url: str,
    settings: PleoSettings,
) -> PleoError:
    """The error for a request that got no answer, naming where it went, never the credential."""
    if error is None:
        what = "no answer"
    elif isinstance(error, httpx.LocalProtocolError):
        what = f"{type(error).__name__}: the request could not be sent as HTTP"  # may quote headers
    else:
        what = f"{type(error).__name__}: {error}"
    message = f"could not {doing} ({method} {safe_url(url)}): {what}; {reason}"
    return PleoError(settings.scrub(message))
