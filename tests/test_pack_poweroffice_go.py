"""The PowerOffice Go pack: ProblemDetails, gateway and token shapes, precedence, near misses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

DEPARTMENT = {
    "title": "Customer validation error(s)",
    "detail": "Department with code = 'Avdeling10' not found.",
}
SUPPLIER_PASCAL = {
    "Type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    "Title": "Object(s) not found",
    "Status": 400,
    "Detail": "Supplier with id = 12345 not found.",
}
GATEWAY_THROTTLED = {
    "statusCode": "429",
    "message": "Rate limit is exceeded. Try again in 1 seconds.",
}
CLIENT_NOT_FOUND = {
    "error": "invalid_client",
    "error_description": (
        "Client integration not found. Please ensure the provided keys are matching the "
        "desired environment."
    ),
}

EXTRACTION_CASES = [
    pytest.param(
        {"system": "poweroffice_go", "status": 400, "body": DEPARTMENT},
        ("Department with code = 'Avdeling10' not found.",),
        ("Customer validation error(s)",),
        id="detail-is-the-message-title-the-code",
    ),
    pytest.param(
        {"system": "poweroffice_go", "status": 400, "body": SUPPLIER_PASCAL},
        ("Supplier with id = 12345 not found.",),
        ("Object(s) not found",),
        id="pascal-case-problem-details",
    ),
    pytest.param(
        {"system": "poweroffice_go", "status": 429, "body": GATEWAY_THROTTLED},
        ("Rate limit is exceeded. Try again in 1 seconds.",),
        (),
        id="gateway-status-code-and-message",
    ),
    pytest.param(
        {"system": "poweroffice_go", "stage": "auth", "status": 400, "body": CLIENT_NOT_FOUND},
        (CLIENT_NOT_FOUND["error_description"],),
        ("invalid_client",),
        id="token-endpoint-description-and-error-code",
    ),
]


@pytest.mark.parametrize(("raw", "messages", "codes"), EXTRACTION_CASES)
def test_profile_reads_poweroffice_shapes(
    raw: dict[str, Any], messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """The profile takes the detail over the title, and the gateway's and token's fields."""
    signal = ENGINE.signal(raw)
    assert (signal.messages, signal.codes) == (messages, codes)


def test_host_names_the_system() -> None:
    """A response from goapi.poweroffice.net is read with the pack without a system key."""
    request = httpx.Request("POST", "https://goapi.poweroffice.net/v2/Vouchers/ManualJournals")
    response = httpx.Response(400, json=SUPPLIER_PASCAL, request=request)
    assert ENGINE.classify(response).rule_id == "poweroffice_go.supplier-not-found"


def test_client_not_found_is_left_to_the_generic_layer() -> None:
    """The token endpoint's invalid_client is passed on by the generic credentials rule."""
    raw = {"system": "poweroffice_go", "stage": "auth", "status": 400, "body": CLIENT_NOT_FOUND}
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason) == (
        "generic.authentication",
        CLIENT_NOT_FOUND["error_description"],
    )


def test_department_code_is_named_in_the_reason() -> None:
    """A dimension given by code is captured and named with Pleo's tag wording."""
    result = ENGINE.classify({"system": "poweroffice_go", "status": 400, "body": DEPARTMENT})
    assert result.failure_reason == (
        "Tag with code Avdeling10 does not exist on the Accounting System. Check the Tag."
    )


def test_internal_id_is_not_taken_for_an_account_number() -> None:
    """An account given by PowerOffice's internal id keeps PowerOffice's own sentence."""
    body = {"title": "Object(s) not found", "detail": "Account with id = 12345 not found."}
    result = ENGINE.classify({"system": "poweroffice_go", "status": 400, "body": body})
    assert result.rule_id == "poweroffice_go.account-not-found"
    assert "account" not in result.captures
    assert "Account No. 12345" not in result.failure_reason


def test_conflict_on_a_supplier_goes_before_the_unknown_supplier() -> None:
    """A 409 about a supplier in use is passed on: the supplier exists."""
    body = {
        "title": "Supplier conflict",
        "detail": "Supplier with id = 12345 is in use and cannot be deleted.",
    }
    result = ENGINE.classify({"system": "poweroffice_go", "status": 409, "body": body})
    assert (result.rule_id, result.failure_reason_type) == (
        "poweroffice_go.conflict",
        "accounting_system_validation_failure",
    )


def test_rate_limit_words_under_403_beat_the_privilege_rule() -> None:
    """A 403 whose title says "Too Many Requests" is the rate limit, not a privilege."""
    body = {"title": "Too Many Requests", "status": 403}
    result = ENGINE.classify({"system": "poweroffice_go", "status": 403, "body": body})
    assert (result.rule_id, result.retryable) == ("poweroffice_go.rate-limit", True)


def test_forbidden_says_what_to_grant() -> None:
    """403 names the privilege and the module subscription instead of "reconnect"."""
    result = ENGINE.classify({"system": "poweroffice_go", "status": 403, "body": ""})
    assert result.rule_id == "poweroffice_go.privilege-or-subscription"
    assert "subscription" in result.failure_reason
    assert "Reconnect" not in result.failure_reason


@pytest.mark.parametrize(
    ("status", "rule", "failure_type"),
    [
        pytest.param(
            413,
            "poweroffice_go.documentation-too-large",
            "receipt_file_size_limit_exceeded",
            id="413",
        ),
        pytest.param(
            415, "poweroffice_go.documentation-file-type", "receipt_upload_failure", id="415"
        ),
    ],
)
def test_attachment_limits_apply_while_attaching(status: int, rule: str, failure_type: str) -> None:
    """The voucher documentation limits decide while the receipt is attached ..."""
    raw = {"system": "poweroffice_go", "stage": "receipt_upload", "status": status, "body": ""}
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason_type) == (rule, failure_type)


@pytest.mark.parametrize("status", [413, 415])
def test_attachment_limits_do_not_apply_to_a_posting(status: int) -> None:
    """... and not to the posting of the voucher itself."""
    raw = {"system": "poweroffice_go", "stage": "entry", "status": status, "body": ""}
    assert ENGINE.classify(raw).rule_id == "fallback"


NEAR_MISSES = [
    # (raw error, a PowerOffice rule that must not decide it)
    pytest.param(
        {
            "system": "poweroffice_go",
            "status": 404,
            "body": {
                "title": "Object(s) not found",
                "detail": "Client bank account with id = 12345 not found.",
            },
        },
        "poweroffice_go.account-not-found",
        id="a-bank-account-is-no-ledger-account",
    ),
    pytest.param(
        {
            "system": "poweroffice_go",
            "status": 400,
            "body": {
                "title": "Custom Dimension validation error(s)",
                "detail": (
                    "CustomDimensionPatchDto: The target location specified by path segment "
                    "'customDimensionOrdinal' was not found."
                ),
            },
        },
        "poweroffice_go.dimension-not-found",
        id="a-patch-path-not-found-is-no-missing-dimension",
    ),
    pytest.param(
        {
            "system": "poweroffice_go",
            "status": 400,
            "body": {
                "title": "Object(s) not found",
                "detail": "Employee with id = 12345 not found.",
            },
        },
        "poweroffice_go.supplier-not-found",
        id="an-employee-is-no-supplier",
    ),
    pytest.param(
        {"system": "poweroffice_go", "stage": "entry", "status": 401, "body": ""},
        "poweroffice_go.privilege-or-subscription",
        id="a-missing-token-is-not-the-403-rule",
    ),
    pytest.param(
        {
            "system": "poweroffice_go",
            "status": 200,
            "body": {"title": "Lock date", "detail": "Lock date settings were read."},
        },
        "poweroffice_go.lock-date",
        id="lock-date-named-outside-a-refusal",
    ),
]


@pytest.mark.parametrize(("raw", "rule"), NEAR_MISSES)
def test_near_miss_falls_through(raw: dict[str, Any], rule: str) -> None:
    """Errors that only resemble a PowerOffice rule's case are left to other rules."""
    assert ENGINE.classify(raw).rule_id != rule
