"""Pleo's Export API as requests and answers: shared by the sync and async clients."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from failreason._errors import FailreasonError
from failreason._policy import Attempt, RetryPolicy
from failreason._vocabulary import MAX_PAGE_SIZE

PRODUCTION_URL = "https://external.pleo.io"
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
    """No credentials, or both kinds, were given for Pleo."""


class JobNotReportableError(PleoError):
    """The job cannot take updates: unknown, not started, already finished or expired."""


class IncompleteJobError(PleoError):
    """The job still has items without a final status, so it was not completed."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class PleoSettings:
    """Where Pleo is and how to sign requests; ``from_env`` reads PLEO_* variables."""

    token: str | None = None
    api_key: str | None = None
    base_url: str = PRODUCTION_URL
    timeout: float = 30.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if (self.token is None) == (self.api_key is None):
            raise CredentialsError("give exactly one of token= (OAuth bearer) or api_key=")

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
        if self.token is not None:
            credential = f"Bearer {self.token}"
        else:
            pair = f"{self.api_key}:".encode()
            credential = "Basic " + base64.b64encode(pair).decode("ascii")
        return {"Authorization": credential, "Accept": "application/json"}


def job_path(job_id: str) -> str:
    return f"/v3/export-jobs/{job_id}"


def items_path(job_id: str) -> str:
    return f"/v3/export-jobs/{job_id}/items"


EVENTS_PATH = "/v3/export-job-events"


def items_query(after: str | None) -> dict[str, str | int]:
    query: dict[str, str | int] = {"limit": MAX_PAGE_SIZE}
    if after:
        query["after"] = after
    return query


def attempt_of(response: httpx.Response | None, error: httpx.HTTPError | None) -> Attempt:
    """The policy's view of one try: a status, or a transport failure and whether it was sent."""
    if response is not None:
        return Attempt(status=response.status_code, retry_after=response.headers.get("retry-after"))
    # Connecting failed or timed out: the request never left. Anything later may have landed.
    unsent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return Attempt(transport_error=True, may_have_landed=not unsent)


def error_of(response: httpx.Response, doing: str) -> PleoError:
    """A PleoError carrying Pleo's ``type`` and ``message`` for a refused request."""
    kind, message = "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        kind, message = str(body.get("type") or ""), str(body.get("message") or "")
    detail = f"{kind}: {message}" if kind or message else response.reason_phrase
    text = f"Pleo answered {response.status_code} to {doing} ({detail})"
    return PleoError(text, status=response.status_code, type=kind.upper())


def transport_failure(error: httpx.HTTPError | None, doing: str, reason: str) -> PleoError:
    what = f"{type(error).__name__}: {error}" if error else "no answer"
    return PleoError(f"could not {doing}: {what}; {reason}")


def data_of(response: httpx.Response) -> Any:
    body = response.json()
    return body.get("data") if isinstance(body, dict) else None


def page_of(response: httpx.Response) -> tuple[list[dict[str, Any]], str | None]:
    """One page of job items and the cursor of the next page (None on the last)."""
    body = response.json()
    items = list(body.get("data") or [])
    pagination = body.get("pagination") or {}
    following = pagination.get("endCursor") if pagination.get("hasNextPage") else None
    return items, following
