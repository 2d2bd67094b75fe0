"""The KashFlow pack: SOAP and REST answers, precedence, and what it leaves to the generic layer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()


def soap_answer(detail: str, method: str = "InsertPurchase") -> str:
    """A SOAP method's failed answer: HTTP 200, Status NO and the StatusDetail."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f'<{method}Response xmlns="KashFlow"><{method}Result>0</{method}Result>'
        f"<Status>NO</Status><StatusDetail>{detail}</StatusDetail></{method}Response>"
        "</soap:Body></soap:Envelope>"
    )


@pytest.mark.parametrize(
    ("body", "messages", "codes"),
    [
        pytest.param(
            soap_answer("The IP address of 81.2.69.160 is not in the access list"),
            ("The IP address of 81.2.69.160 is not in the access list",),
            (),
            id="soap-status-detail-inside-the-method-response",
        ),
        pytest.param(
            {"Error": "InvalidSessionToken", "Message": "Session token provided is invalid."},
            ("Session token provided is invalid.",),
            ("InvalidSessionToken",),
            id="rest-message-and-error-identifier",
        ),
    ],
)
def test_profile_reads_both_api_shapes(
    body: object, messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """SOAP's StatusDetail and REST's Message are the message; REST's Error is the code."""
    signal = ENGINE.signal({"system": "kashflow", "stage": "entry", "status": 200, "body": body})
    assert (signal.messages, signal.codes) == (messages, codes)


@pytest.mark.parametrize(
    ("url", "body", "rule_id"),
    [
        pytest.param(
            "https://securedwebapp.com/api/service.asmx",
            soap_answer("The IP address of 81.2.69.160 is not in the access list"),
            "kashflow.ip-not-in-access-list",
            id="soap-endpoint",
        ),
        pytest.param(
            "https://api.kashflow.com/v2/purchases",
            {"Error": "AccountLocked", "Message": "User account is locked."},
            "kashflow.session-refused",
            id="rest-endpoint",
        ),
    ],
)
def test_hosts_name_the_system(url: str, body: Any, rule_id: str) -> None:
    """A response from either KashFlow API is read with the pack without a system id."""
    request = httpx.Request("POST", url)
    kwargs = {"text": body} if isinstance(body, str) else {"json": body}
    response = httpx.Response(200, request=request, **kwargs)
    assert ENGINE.classify(response, stage="entry").rule_id == rule_id


def test_session_codes_outrank_the_access_list() -> None:
    """A body carrying both a session code and the IP refusal is decided by the session code."""
    raw = {
        "system": "kashflow",
        "stage": "entry",
        "body": {
            "Error": "InvalidSessionToken",
            "Message": "The IP address of 81.2.69.160 is not in the access list",
        },
    }
    assert ENGINE.classify(raw).rule_id == "kashflow.session-refused"


def test_session_code_decides_without_a_status() -> None:
    """InvalidSessionToken is a credentials failure even when an SDK drops the 401."""
    raw = {
        "system": "kashflow",
        "stage": "entry",
        "body": {"Error": "InvalidSessionToken", "Message": "Session token provided is invalid."},
    }
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason_type, result.failure_reason) == (
        "kashflow.session-refused",
        "accounting_system_authentication_failure",
        "Session token provided is invalid.",
    )


@pytest.mark.parametrize(
    ("detail", "rule_id", "expected_type"),
    [
        pytest.param(
            "Incorrect username or password",
            "generic.authentication",
            "accounting_system_authentication_failure",
            id="wrong-password",
        ),
        pytest.param(
            "There is no customer with that email address",
            "fallback",
            "accounting_system_validation_failure",
            id="customer-lookup",
        ),
    ],
)
def test_soap_answers_left_to_the_generic_layer(
    detail: str, rule_id: str, expected_type: str
) -> None:
    """Documented SOAP answers the pack does not claim get the right type from other rules."""
    raw = {"system": "kashflow", "stage": "entry", "status": 200, "body": soap_answer(detail)}
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason_type) == (rule_id, expected_type)


def test_ip_rule_stays_out_of_validation() -> None:
    """The connector's own checks are never read by the pack, even with KashFlow's words."""
    raw = {
        "system": "kashflow",
        "stage": "validation",
        "body": soap_answer("The IP address of 81.2.69.160 is not in the access list"),
    }
    assert ENGINE.classify(raw).rule_id != "kashflow.ip-not-in-access-list"
