"""The Billy pack: its API v2 envelope, validationErrors per record, and codes over wording."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

INVALID_TOKEN = {
    "meta": {"statusCode": 401, "success": False},
    "errorMessage": "Invalid OAuth 2 access token.",
    "errorCode": "OAUTH_INVALID_ACCESS_TOKEN",
    "helpUrl": "https://www.billy.dk/support/",
}


def unprocessable(records: dict[str, Any], message: str | None = None) -> dict[str, Any]:
    """A 422 body as Billy's web app reads it: an envelope and validationErrors per record."""
    body: dict[str, Any] = {"meta": {"statusCode": 422, "success": False}}
    if message is not None:
        body["errorMessage"] = message
    body["validationErrors"] = records
    return body


@pytest.mark.parametrize(
    ("body", "messages", "codes"),
    [
        pytest.param(
            INVALID_TOKEN,
            ("Invalid OAuth 2 access token.",),
            ("OAUTH_INVALID_ACCESS_TOKEN",),
            id="envelope-message-and-code",
        ),
        pytest.param(
            unprocessable(
                {"bill": {"message": "The bill could not be saved.", "attributes": {}}},
                "1 record of the request is invalid.",
            ),
            ("The bill could not be saved.",),
            (),
            id="record-message-before-the-envelopes",
        ),
        pytest.param(
            unprocessable(
                {"c1042": {"message": "All of it is wrong.", "attributes": {"title": "x"}}}
            ),
            ("All of it is wrong.",),
            (),
            id="record-keyed-by-client-id",
        ),
        pytest.param(
            unprocessable({"bill": {"attributes": {"contactId": "Must not be blank."}}}, "Nope."),
            ("Nope.",),
            (),
            id="envelope-message-when-the-record-has-none",
        ),
    ],
)
def test_profile_reads_the_documented_shape(
    body: dict[str, Any], messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """The record's message comes first, then errorMessage; errorCode is the code."""
    signal = ENGINE.signal({"system": "billy", "body": body})
    assert (signal.messages, signal.codes) == (messages, codes)


@pytest.mark.parametrize("host", ["api.billysbilling.com", "api.billyapp.com"])
def test_api_hosts_name_the_system(host: str) -> None:
    """An httpx answer from Billy's API is read with the Billy pack."""
    request = httpx.Request("POST", f"https://{host}/v2/bills")
    response = httpx.Response(401, json=INVALID_TOKEN, request=request)
    assert ENGINE.signal(response).system == "billy"
    assert ENGINE.classify(response).rule_id == "billy.authentication"


def test_the_code_decides_whatever_the_language() -> None:
    """With Accept-Language da_DK the message is Danish; the code still decides, message kept."""
    body = {**INVALID_TOKEN, "errorMessage": "Adgangsnøglen er ugyldig."}
    result = ENGINE.classify({"system": "billy", "status": 401, "body": body})
    assert (result.rule_id, result.failure_reason) == (
        "billy.authentication",
        "Adgangsnøglen er ugyldig.",
    )


def test_a_code_without_a_message_gets_a_sentence_naming_it() -> None:
    """A body holding only the code is not reported as the bare code."""
    result = ENGINE.classify({"system": "billy", "body": {"errorCode": "AUTHENTICATION_REQUIRED"}})
    assert result.failure_reason_type == "accounting_system_authentication_failure"
    assert result.failure_reason.startswith("Billy refused the credentials of the integration")
    assert "(AUTHENTICATION_REQUIRED)" in result.failure_reason


def test_credentials_refused_while_attaching_stay_a_credentials_problem() -> None:
    """An invalid token during the receipt upload is not a failed attachment."""
    result = ENGINE.classify(
        {"system": "billy", "stage": "receipt_upload", "status": 401, "body": INVALID_TOKEN}
    )
    assert (result.rule_id, result.failure_reason_type) == (
        "billy.authentication",
        "accounting_system_authentication_failure",
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            {
                "status": 405,
                "body": {
                    "meta": {"statusCode": 405, "success": False},
                    "errorMessage": "Method not allowed.",
                    "errorCode": "METHOD_NOT_ALLOWED",
                },
            },
            id="method-not-allowed",
        ),
        pytest.param(
            {
                "status": 422,
                "body": unprocessable(
                    {"accessToken": {"attributes": {"name": "This field must not be blank."}}}
                ),
            },
            id="validation-of-an-access-token-record",
        ),
    ],
)
def test_near_misses_fall_through_to_the_accounting_systems_message(raw: dict[str, Any]) -> None:
    """Only the documented codes are credentials: other errors pass Billy's message on."""
    result = ENGINE.classify({"system": "billy", "stage": "entry", **raw})
    assert (result.rule_id, result.failure_reason_type) == (
        "fallback",
        "accounting_system_validation_failure",
    )


def test_receipt_download_is_pleo_side() -> None:
    """No Billy rule applies while the receipt is fetched from Pleo."""
    result = ENGINE.classify(
        {"system": "billy", "stage": "receipt_download", "status": 401, "body": INVALID_TOKEN}
    )
    assert result.failure_reason_type == "receipt_download_failure"
