"""The Pleo token or API key never shows: not in a repr, an exception, a log line.

Every text the clients produce in these tests (exception messages and reprs, their causes,
log records at DEBUG from every logger) is searched for a distinctive credential.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import (
    CredentialsError,
    PleoError,
    PleoSettings,
    PleoSettingsError,
)
from failreason._policy import RetryPolicy
from failreason._sandbox import Sandbox
from failreason._sandbox_faults import FaultPlan

TOKEN = "tok-Zq8vX3kP0wLmN7rT5yUe"  # made up: a distinctive credential to search for
API_KEY = "key-Hb4sJ9dF2gQ6cV1nM8xA"
BASIC = base64.b64encode(f"{API_KEY}:".encode()).decode()
FAST = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


def texts_of(error: BaseException) -> Iterator[str]:
    """The message and repr of an exception and of everything in its chain."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        current = current.__cause__ or current.__context__


def assert_hidden(*texts: str) -> None:
    for text in texts:
        for secret in (TOKEN, API_KEY, BASIC):
            assert secret not in text, text
            assert secret[4:16] not in text, text  # nor a recognisable piece of it


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(PleoSettings(token=TOKEN), id="token"),
        pytest.param(PleoSettings(api_key=API_KEY), id="api-key"),
    ],
)
def test_settings_and_clients_mask_the_credential_in_repr(settings: PleoSettings) -> None:
    """repr and str of settings and of both clients show the kind of credential, not it."""
    with PleoClient(settings=settings) as sync_client:
        shown = [repr(settings), str(settings), repr(sync_client), str(sync_client)]
    async_client = AsyncPleoClient(settings=settings)
    shown += [repr(async_client), str(async_client)]
    asyncio.run(async_client.aclose())
    assert_hidden(*shown)
    assert "***" in shown[0]
    assert "https://external.pleo.io" in shown[0]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(TOKEN + "\n", id="trailing-newline"),
        pytest.param(TOKEN + "\r\n", id="trailing-crlf"),
        pytest.param("  " + TOKEN + "\t", id="surrounding-blanks"),
    ],
)
def test_whitespace_around_a_token_read_from_a_file_is_dropped(value: str) -> None:
    """A token with a trailing newline (as read from a file) works: only the token is sent."""
    with Sandbox(token=TOKEN) as sandbox:
        job_id, _ = sandbox.create_job(1)
        settings = PleoSettings(token=value, base_url=sandbox.base_url)
        assert settings.token == TOKEN
        with PleoClient(settings=settings) as pleo:
            assert pleo.job(job_id)["status"] == "in_progress"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        pytest.param(TOKEN[:10] + "\n" + TOKEN[10:], "a line break", id="inner-newline"),
        pytest.param(TOKEN[:10] + "\r" + TOKEN[10:], "a line break", id="inner-cr"),
        pytest.param(TOKEN[:10] + "\x00" + TOKEN[10:], "a control character", id="nul"),
        pytest.param(TOKEN[:10] + "\x85" + TOKEN[10:], "a control character", id="c1"),
        pytest.param(TOKEN[:10] + " " + TOKEN[10:], "a space", id="inner-space"),
        pytest.param(TOKEN[:10] + "é" + TOKEN[10:], "a non-ASCII character", id="latin-1"),
        pytest.param(TOKEN[:10] + "€" + TOKEN[10:], "a non-ASCII character", id="not-latin-1"),
        pytest.param(TOKEN[:10] + "\ud800" + TOKEN[10:], "a non-ASCII character", id="surrogate"),
    ],
)
@pytest.mark.parametrize("field", ["token", "api_key"])
def test_a_credential_no_header_can_carry_is_refused_without_echoing_it(
    value: str, kind: str, field: str
) -> None:
    """Refused when settings are built, saying what and where, never showing the value."""
    token, api_key = (value, None) if field == "token" else (None, value)
    with pytest.raises(CredentialsError, match=f"{kind} at character 11") as caught:
        PleoSettings(token=token, api_key=api_key)
    assert_hidden(*texts_of(caught.value))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("value", [pytest.param("", id="empty"), pytest.param(" \n", id="blank")])
def test_an_empty_credential_is_refused(value: str) -> None:
    """A token file that is empty or just a newline is a clear error, not a 401 later."""
    with pytest.raises(CredentialsError, match="empty"):
        PleoSettings(token=value)


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        pytest.param("ftp://pleo.test", r"not an http\(s\) URL", id="scheme"),
        pytest.param("pleo.test", r"not an http\(s\) URL", id="no-scheme"),
        pytest.param("https://", r"not an http\(s\) URL", id="no-host"),
        pytest.param(f"https://me:{TOKEN}@pleo.test", "carries credentials", id="userinfo"),
    ],
)
def test_a_base_url_that_cannot_work_is_refused_at_once(base_url: str, message: str) -> None:
    """A wrong base URL is an error when settings are built, without its password."""
    with pytest.raises(PleoSettingsError, match=message) as caught:
        PleoSettings(token="t", base_url=base_url)
    assert_hidden(*texts_of(caught.value))


def failing_with(error: Callable[[httpx.Request], Exception]) -> tuple[PleoClient, list[int]]:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise error(request)

    settings = PleoSettings(token=TOKEN, base_url="https://pleo.test", policy=FAST)
    return PleoClient(settings=settings, transport=httpx.MockTransport(handler)), calls


def untrusted(request: httpx.Request) -> Exception:
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")
    error = httpx.ConnectError("certificate verify failed", request=request)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        pytest.param(
            lambda r: httpx.LocalProtocolError(f"Illegal header value b'Bearer {TOKEN}\\n'"),
            "could not be sent as HTTP",
            id="illegal-header",
        ),
        pytest.param(
            lambda r: httpx.UnsupportedProtocol("Request URL has an unsupported protocol"),
            "unsupported protocol",
            id="unsupported-scheme",
        ),
        pytest.param(untrusted, "certificate verify failed", id="tls-verification"),
    ],
)
def test_a_permanent_transport_failure_is_not_retried_and_names_the_url(
    error: Callable[[httpx.Request], Exception], shown: str
) -> None:
    """One attempt, not an outage's retries; the message names the URL, not the token."""
    pleo, calls = failing_with(error)
    with pleo, pytest.raises(PleoError, match=shown) as caught:
        pleo.job("job-1")
    assert len(calls) == 1
    assert "https://pleo.test/v3/export-jobs/job-1" in str(caught.value)
    assert_hidden(*texts_of(caught.value))


def test_an_outage_is_still_retried_and_its_message_hides_the_token() -> None:
    """A refused connection is transient: retried up to the policy, then one clear error."""
    pleo, calls = failing_with(lambda r: httpx.ConnectError(f"refused (sent Bearer {TOKEN})"))
    with pleo, pytest.raises(PleoError, match="could not read export job") as caught:
        pleo.job("job-1")
    assert len(calls) == FAST.max_attempts
    assert_hidden(*texts_of(caught.value))


@pytest.mark.parametrize("credential", ["token", "api_key"])
def test_nothing_a_failing_report_produces_shows_the_credential(
    credential: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong credentials, faults and a dead server: every message and log line is clean."""
    caplog.set_level(logging.DEBUG)
    produced: list[str] = []
    faults = FaultPlan.parse("500=0.2,lost=0.2,drop=0.1", seed=3)
    token, api_key = (TOKEN, None) if credential == "token" else (None, API_KEY)
    sandbox_credential = {"token": TOKEN[::-1]} if credential == "token" else {"api_key": "x"}
    with Sandbox(faults=faults, **sandbox_credential) as sandbox:  # type: ignore[arg-type]
        job_id, _ = sandbox.create_job(3)
        settings = PleoSettings(
            token=token, api_key=api_key, base_url=sandbox.base_url, policy=FAST, timeout=2
        )
        with PleoClient(settings=settings) as pleo, pytest.raises(PleoError) as refused:
            pleo.report(job_id)
        produced += texts_of(refused.value)
        base_url = sandbox.base_url
    settings = PleoSettings(token=token, api_key=api_key, base_url=base_url, policy=FAST, timeout=2)
    with PleoClient(settings=settings) as pleo, pytest.raises(PleoError) as gone:
        pleo.job("job-1")
    produced += texts_of(gone.value)
    produced += [record.getMessage() for record in caplog.records]
    produced += [repr(record.args) for record in caplog.records]
    assert caplog.records, "httpx logs each request: the search must have lines to search"
    assert_hidden(*produced)
