"""The sevDesk pack: its profile, its precedence, and what it leaves to the generic layer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

UUID = "0f7c5e1a-5d1e-4c43-9d0a-3b8e2f1b6a10"


def sevdesk_error(message: str | None, code: int | None = None) -> dict[str, Any]:
    """sevDesk's documented error body: objects null, the error with its support UUID."""
    return {"objects": None, "error": {"message": message, "code": code, "exceptionUUID": UUID}}


@pytest.mark.parametrize(
    ("body", "messages", "codes"),
    [
        pytest.param(
            sevdesk_error("Validation error", 7100),
            ("Validation error",),
            ("7100",),
            id="message-and-numeric-code-from-error",
        ),
        pytest.param(
            sevdesk_error("Authentication required"),
            ("Authentication required",),
            (),
            id="null-code-is-no-code",
        ),
    ],
)
def test_profile_reads_error_message_and_code(
    body: dict[str, Any], messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """The message and code come from `error`; the support UUID is never taken for a code."""
    signal = ENGINE.signal({"system": "sevdesk", "stage": "entry", "status": 422, "body": body})
    assert (signal.messages, signal.codes) == (messages, codes)
    assert UUID not in signal.codes


def test_host_names_the_system() -> None:
    """A response from my.sevdesk.de is read with the sevDesk pack without a system id."""
    request = httpx.Request("POST", "https://my.sevdesk.de/api/v1/Voucher/Factory/saveVoucher")
    response = httpx.Response(422, json=sevdesk_error("Validation error", 7100), request=request)
    result = ENGINE.classify(response, stage="entry")
    assert result.rule_id == "sevdesk.tax-rule-not-allowed-for-account"
    assert result.failure_reason_type == "invalid_configuration"


def test_enshrined_document_outranks_the_tax_rule_code() -> None:
    """A body that is both enshrined and code 7100 is the enshrinement: nothing to remap."""
    raw = {
        "system": "sevdesk",
        "stage": "entry",
        "status": 422,
        "body": sevdesk_error("This is not possible if the voucher is already enshrined!", 7100),
    }
    assert ENGINE.classify(raw).rule_id == "sevdesk.document-enshrined"


@pytest.mark.parametrize(
    ("params", "rule_id", "reason"),
    [
        pytest.param(
            {"account": "4930"},
            "sevdesk.receipt-guidance-account-unknown",
            "Account No. 4930 does not exist in the Accounting System. Check Category.",
            id="account-number-from-params",
        ),
        pytest.param(
            {"tax_code": "USTPFL_UMS_EINN"},
            "sevdesk.no-account-guide-for-tax-rule",
            "Tax Code USTPFL_UMS_EINN does not exist in the Accounting System",
            id="tax-rule-from-params",
        ),
    ],
)
def test_receipt_guidance_names_what_the_connector_asked_for(
    params: dict[str, str], rule_id: str, reason: str
) -> None:
    """sevDesk's 422 names nothing; the identifier the connector passed is named instead."""
    message = (
        "The account you requested could not be found."
        if "account" in params
        else "No account guides were found for the requested tax rule."
    )
    raw = {
        "system": "sevdesk",
        "stage": "entry",
        "status": 422,
        "params": params,
        "body": sevdesk_error(message),
    }
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason) == (rule_id, reason)


@pytest.mark.parametrize(
    ("stage", "rule_id"),
    [
        pytest.param("receipt_upload", "generic.receipt-upload", id="receipt-upload"),
        pytest.param("validation", "fallback", id="validation"),
    ],
)
def test_enshrined_rule_stays_in_its_stages(stage: str, rule_id: str) -> None:
    """Outside entry and auth the pack leaves an enshrinement to the generic rules."""
    raw = {
        "system": "sevdesk",
        "stage": stage,
        "status": 422,
        "body": sevdesk_error("Enshrined vouchers cannot be changed."),
    }
    assert ENGINE.classify(raw).rule_id == rule_id


@pytest.mark.parametrize(
    ("status", "message", "expected_type"),
    [
        pytest.param(
            401,
            "Authentication required",
            "accounting_system_authentication_failure",
            id="401-authentication-required",
        ),
        pytest.param(
            400, "Bad request. Contact was not found", "vendor_unknown", id="supplier-contact"
        ),
        pytest.param(
            500,
            "Server Error",
            "accounting_system_validation_failure",
            id="500-may-be-an-uncaught-400",
        ),
        pytest.param(429, "Too Many Requests", "accounting_system_rate_limit", id="429-rate-limit"),
    ],
)
def test_documented_answers_left_to_the_generic_layer(
    status: int, message: str, expected_type: str
) -> None:
    """The documented answers no pack rule claims still get the right type."""
    raw = {"system": "sevdesk", "stage": "entry", "status": status, "body": sevdesk_error(message)}
    result = ENGINE.classify(raw)
    assert not result.rule_id.startswith("sevdesk.")
    assert result.failure_reason_type == expected_type


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("Voucher with id 7100 was not found", id="7100-as-an-id"),
        pytest.param("The voucher can not be enshrined while it is a draft.", id="not-yet"),
        pytest.param("Der Beleg ist nicht festgeschrieben.", id="nicht-festgeschrieben"),
        pytest.param("Unknown parameter enshrineDocuments", id="query-parameter"),
    ],
)
def test_near_misses_fall_through(message: str) -> None:
    """Words and numbers that only resemble a pack rule's case reach the fallback."""
    raw = {"system": "sevdesk", "stage": "entry", "status": 422, "body": sevdesk_error(message)}
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason) == ("fallback", message)
