"""The Fiken pack: its vnd.error list, the token endpoint, precedence and near misses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

REQUIRED_FIELDS = (
    "Feil ved validering av data: 'bankAccountNumber' er påkrevd. 'type' er påkrevd. "
    "'name' er påkrevd. "
)
VND_ERRORS = [{"logref": "ad834767-c679-4635-a59e-beb4aefd00f3", "message": REQUIRED_FIELDS}]
HAL_ERRORS = {
    "_embedded": {
        "errors": [
            {"logref": "1f0c6b1e-0000-4000-8000-000000000001", "message": "Ugyldig dato"},
            {"logref": "1f0c6b1e-0000-4000-8000-000000000002", "message": "Ugyldig beløp"},
        ]
    }
}
TOKEN_ERROR = {
    "error": "invalid_grant",
    "error_description": "The authorization code is invalid or expired.",
}

EXTRACTION_CASES = [
    pytest.param(
        {"system": "fiken", "status": 400, "body": VND_ERRORS},
        (REQUIRED_FIELDS.strip(),),
        (),
        id="bare-vnd-error-list-message-without-the-logref",
    ),
    pytest.param(
        {"system": "fiken", "status": 400, "body": HAL_ERRORS},
        ("Ugyldig dato", "Ugyldig beløp"),
        (),
        id="hal-embedded-errors-every-message",
    ),
    pytest.param(
        {"system": "fiken", "stage": "auth", "status": 400, "body": TOKEN_ERROR},
        ("The authorization code is invalid or expired.",),
        ("invalid_grant",),
        id="token-endpoint-description-and-error-code",
    ),
]


@pytest.mark.parametrize(("raw", "messages", "codes"), EXTRACTION_CASES)
def test_profile_reads_fikens_shapes(
    raw: dict[str, Any], messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """The profile takes Fiken's message where it puts it, and no request id as a code."""
    signal = ENGINE.signal(raw)
    assert (signal.messages, signal.codes) == (messages, codes)


def test_host_names_the_system() -> None:
    """A response from api.fiken.no is read with the Fiken pack without a system key."""
    request = httpx.Request("POST", "https://api.fiken.no/api/v2/companies/demo/purchases")
    result = ENGINE.classify(httpx.Response(403, content=b"", request=request))
    assert result.rule_id == "fiken.access-refused"


def test_other_host_gets_the_generic_reading() -> None:
    """The same 403 from an unknown host is the generic credentials rule, not Fiken's."""
    request = httpx.Request("POST", "https://erp.example.com/api/purchases")
    result = ENGINE.classify(httpx.Response(403, content=b"", request=request))
    assert result.rule_id == "generic.authentication"


def test_expired_authorization_code_is_left_to_the_generic_layer() -> None:
    """invalid_grant from the token endpoint is passed on by the generic credentials rule."""
    result = ENGINE.classify(
        {"system": "fiken", "stage": "auth", "status": 400, "body": TOKEN_ERROR}
    )
    assert (result.rule_id, result.failure_reason) == (
        "generic.authentication",
        "The authorization code is invalid or expired.",
    )


@pytest.mark.parametrize("stage", ["entry", "auth", "receipt_upload"])
def test_rate_limit_at_every_stage_fiken_answers(stage: str) -> None:
    """429 is Fiken's one-request-at-a-time limit wherever Fiken answered, and retryable."""
    result = ENGINE.classify({"system": "fiken", "stage": stage, "status": 429, "body": ""})
    assert (result.rule_id, result.retryable) == ("fiken.concurrent-requests", True)


def test_rate_limit_words_under_403_beat_the_access_rule() -> None:
    """A 403 that says "Too Many Requests" is the rate limit, not missing access."""
    raw = {
        "system": "fiken",
        "status": 403,
        "body": [
            {"logref": "5d0c1a52-8a7b-4a0e-b3a1-6f9d2c7e4b21", "message": "Too Many Requests"}
        ],
    }
    result = ENGINE.classify(raw)
    assert result.rule_id == "fiken.concurrent-requests"
    assert result.failure_reason_type == "accounting_system_rate_limit"


def test_receipt_download_is_pleos_side() -> None:
    """A 429 while downloading the receipt from Pleo is no Fiken rate limit."""
    raw = {"system": "fiken", "stage": "receipt_download", "status": 429, "body": ""}
    assert ENGINE.classify(raw).failure_reason_type == "receipt_download_failure"


def test_media_type_of_a_posting_is_no_attachment_problem() -> None:
    """415 on a JSON posting is the integration's request, passed on, not the receipt's type."""
    result = ENGINE.classify({"system": "fiken", "stage": "entry", "status": 415, "body": ""})
    assert result.rule_id == "fallback"


def test_media_type_of_an_attachment_names_the_accepted_files() -> None:
    """415 while attaching the receipt says which files Fiken takes."""
    raw = {"system": "fiken", "stage": "receipt_upload", "status": 415, "body": ""}
    result = ENGINE.classify(raw)
    assert result.failure_reason_type == "receipt_upload_failure"
    assert "PNG, JPEG, GIF or PDF" in result.failure_reason


NEAR_MISSES = [
    # (raw error, a Fiken rule that must not decide it)
    pytest.param(
        {
            "system": "fiken",
            "status": 400,
            "body": [
                {"logref": "x", "message": "Feil ved validering av data: 'hourlyRate' er påkrevd. "}
            ],
        },
        "fiken.concurrent-requests",
        id="a-rate-field-is-no-rate-limit",
    ),
    pytest.param(
        {"system": "fiken", "stage": "auth", "status": 401, "body": ""},
        "fiken.access-refused",
        id="not-authenticated-is-not-the-403-rule",
    ),
    pytest.param(
        {"system": "fiken", "stage": "receipt_upload", "status": 400, "body": VND_ERRORS},
        "fiken.attachment-file-type",
        id="a-validation-message-on-upload-is-not-the-file-type",
    ),
]


@pytest.mark.parametrize(("raw", "rule"), NEAR_MISSES)
def test_near_miss_falls_through(raw: dict[str, Any], rule: str) -> None:
    """Errors that only resemble a Fiken rule's case are left to other rules."""
    assert ENGINE.classify(raw).rule_id != rule
