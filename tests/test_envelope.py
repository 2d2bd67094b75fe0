"""What connectors may pass to ``classify``, and the clear errors for anything else."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

import failreason


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            {"stauts": 400},
            "unknown key 'stauts' in the raw error; did you mean 'status'?",
            id="unknown-key",
        ),
        pytest.param({"status": "400"}, "'status' must be an HTTP status code", id="status-text"),
        pytest.param({"status": True}, "'status' must be an HTTP status code", id="status-bool"),
        pytest.param({"status": 42}, "'status' must be an HTTP status code", id="status-range"),
        pytest.param({"stage": "posting"}, "'stage' must be one of", id="stage"),
        pytest.param(
            {"stage": "receipt-upload"}, "did you mean 'receipt_upload'?", id="stage-hint"
        ),
        pytest.param({"system": "Quick Books!"}, "'system' must be a system id", id="system"),
        pytest.param({"headers": ["Retry-After"]}, "'headers' must be a mapping", id="headers"),
        pytest.param({"message": 3}, "'message' must be a text", id="message"),
        pytest.param({"code": 1.5}, "'code' must be a text or a whole number", id="code"),
        pytest.param({"params": "Purchases"}, "'params' must be a mapping", id="params"),
        pytest.param({"body": {"x": object()}}, "'body' must be JSON-like", id="body"),
    ],
)
def test_malformed_envelope_names_the_key(
    engine: failreason.Engine, raw: dict[str, Any], message: str
) -> None:
    """A wrong key or type is an EnvelopeError that names it."""
    with pytest.raises(
        failreason.EnvelopeError, match=message.replace("?", r"\?").replace("(", r"\(")
    ):
        engine.classify(raw)


def test_non_mapping_input_is_a_type_error(engine: failreason.Engine) -> None:
    """Passing something that is no error at all is a TypeError the caller can catch."""
    with pytest.raises(TypeError, match="got int"):
        engine.classify(42)


def test_system_is_case_insensitive(engine: failreason.Engine) -> None:
    """'Xero' is read as 'xero'."""
    assert engine.signal({"system": "Xero"}).system == "xero"


def test_bytes_body_is_decoded(engine: failreason.Engine) -> None:
    """A body passed as bytes is decoded with its charset."""
    raw = {
        "status": 400,
        "headers": {"Content-Type": "application/json; charset=utf-8"},
        "body": b'{"message": "Verifikationen \\"4000\\" \xc3\xa4r inte i balans"}',
    }
    assert engine.classify(raw).failure_reason == 'Verifikationen "4000" är inte i balans'


def test_httpx_response_is_classified_with_its_system_from_the_host(
    engine: failreason.Engine,
) -> None:
    """An httpx.Response carries its status, headers, body and, by host, its system."""
    request = httpx.Request("POST", "https://api.xero.com/api.xro/2.0/Invoices")
    response = httpx.Response(
        429, headers={"Retry-After": "30"}, json={"Detail": "Rate limit exceeded"}, request=request
    )
    signal = engine.signal(response)
    result = engine.classify(response)
    assert (signal.system, signal.status, signal.headers["retry-after"]) == ("xero", 429, "30")
    assert (result.failure_reason_type, result.failure_reason, result.retryable) == (
        "accounting_system_rate_limit",
        "Rate limit exceeded",
        True,
    )


def test_httpx_status_error_uses_its_response(engine: failreason.Engine) -> None:
    """``response.raise_for_status()``'s exception classifies like the response."""
    request = httpx.Request("GET", "https://example.test/x")
    response = httpx.Response(401, text="Unauthorized", request=request)
    error = httpx.HTTPStatusError("401", request=request, response=response)
    result = engine.classify(error, system="acme")
    assert result.failure_reason_type == "accounting_system_authentication_failure"


@pytest.mark.parametrize(
    ("error", "expected_type"),
    [
        pytest.param(
            httpx.ConnectTimeout("timed out"), "accounting_system_timeout", id="connect-timeout"
        ),
        pytest.param(
            httpx.ReadTimeout("The read operation timed out"),
            "accounting_system_timeout",
            id="read-timeout",
        ),
        pytest.param(
            httpx.ConnectError("[Errno 111] Connection refused"),
            "accounting_system_unreachable",
            id="connect-error",
        ),
        pytest.param(TimeoutError(), "accounting_system_timeout", id="python-timeout"),
        pytest.param(
            ConnectionRefusedError(111, "Connection refused"),
            "accounting_system_unreachable",
            id="refused",
        ),
        pytest.param(
            socket.gaierror(-2, "Name or service not known"),
            "accounting_system_unreachable",
            id="dns",
        ),
        pytest.param(
            ValueError("Amount must be positive"),
            "accounting_system_validation_failure",
            id="other",
        ),
    ],
)
def test_exceptions_are_classified_by_class_and_text(
    engine: failreason.Engine, error: BaseException, expected_type: str
) -> None:
    """Transport exceptions map to timeouts and outages; others keep their text."""
    assert engine.classify(error).failure_reason_type == expected_type


def test_exception_without_text_uses_its_class_name(engine: failreason.Engine) -> None:
    """An exception with no message still gives a readable reason."""
    assert engine.classify(KeyError()).failure_reason == "KeyError"


def test_keyword_context_fills_what_the_error_lacks(engine: failreason.Engine) -> None:
    """``classify(exc, stage=...)`` puts an exception in its stage."""
    result = engine.classify(OSError("disk full"), stage="receipt_download")
    assert result.failure_reason_type == "receipt_download_failure"


def test_keyword_context_is_checked_too(engine: failreason.Engine) -> None:
    """Keyword context with an unknown name is an error, not ignored."""
    with pytest.raises(failreason.EnvelopeError, match="unknown keyword argument 'stag'"):
        engine.classify(OSError("x"), stag="auth")
