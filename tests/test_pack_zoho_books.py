"""The Zoho Books pack: its {"code", "message"} envelope, the codes it keys on, what it leaves."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

ENGINE = failreason.load()

NOT_AUTHORIZED = {"code": 57, "message": "You are not authorized to perform this operation"}
ACCOUNT_REFUSED = {"code": 4, "message": "Invalid value passed for account_id"}
OAUTH_THROTTLED = {
    "error_description": (
        "You have made too many requests continuously. Please try again after some time."
    ),
    "error": "Access Denied",
    "status": "failure",
}


def test_profile_reads_the_message_and_the_numeric_code() -> None:
    """The documented envelope gives Zoho's message and its code as a string."""
    signal = ENGINE.signal({"system": "zoho_books", "status": 404, "body": ACCOUNT_REFUSED})
    assert (signal.messages, signal.codes) == (("Invalid value passed for account_id",), ("4",))


def test_profile_reads_an_error_sent_under_http_200() -> None:
    """A non-zero code under 200 (a client that does not check `code`) is still read."""
    result = ENGINE.classify({"system": "zoho_books", "status": 200, "body": NOT_AUTHORIZED})
    assert result.rule_id == "zoho_books.not-authorized"
    assert result.failure_reason == "You are not authorized to perform this operation"


def test_oauth_throttling_is_left_to_the_generic_rate_limit() -> None:
    """The accounts server's RFC 6749 answer is a rate limit, not the 'Access Denied' it says."""
    result = ENGINE.classify({"system": "zoho_books", "status": 400, "body": OAUTH_THROTTLED})
    assert result.rule_id == "generic.rate-limit"
    assert result.retryable


def test_rate_limit_code_wins_over_a_permission_status() -> None:
    """Code 44 sent with 401 is still the per-minute block: limits come before credentials."""
    body = {"code": 44, "message": "You are not authorized to perform this operation"}
    result = ENGINE.classify({"system": "zoho_books", "status": 401, "body": body})
    assert result.rule_id == "zoho_books.rate-limit"
    assert result.failure_reason_type == "accounting_system_rate_limit"


def test_internal_error_is_retryable() -> None:
    """Code 1000 is Zoho's own failure: the same entry may succeed later."""
    body = {"code": 1000, "message": "Internal error"}
    result = ENGINE.classify({"system": "zoho_books", "status": 500, "body": body})
    assert (result.rule_id, result.retryable) == ("zoho_books.internal-error", True)


@pytest.mark.parametrize(
    ("field", "rule_id"),
    [
        pytest.param("vendor_id", "zoho_books.vendor-unknown", id="vendor"),
        pytest.param("account_id", "zoho_books.account-unknown", id="account"),
        pytest.param("paid_through_account_id", "zoho_books.account-unknown", id="paid-through"),
        pytest.param("tax_id", "zoho_books.tax-unknown", id="tax"),
        pytest.param("tax_exemption_id", "zoho_books.tax-unknown", id="tax-exemption"),
        pytest.param("tag_id", "zoho_books.tag-unknown", id="tag"),
        pytest.param("project_id", "zoho_books.tag-unknown", id="project"),
    ],
)
def test_each_refused_field_has_its_rule(field: str, rule_id: str) -> None:
    """'Invalid value passed for <field>' is decided by the field Zoho names, whatever the code."""
    body = {"code": 2, "message": f"Invalid value passed for {field}"}
    assert ENGINE.classify({"system": "zoho_books", "status": 400, "body": body}).rule_id == rule_id


NEAR_MISSES = [
    pytest.param({"code": 4, "message": "Invalid value passed for Amount"}, id="amount"),
    pytest.param({"code": 2, "message": "Invalid value passed for account_number"}, id="bank-no"),
    pytest.param({"code": 2, "message": "Invalid value passed for vendor_name"}, id="vendor-name"),
    pytest.param({"code": 2, "message": "Invalid value passed for tax_treatment"}, id="treatment"),
    pytest.param({"code": 2, "message": "Invalid value passed for tag_name"}, id="tag-name"),
    pytest.param({"code": 1001, "message": 'Bill "BL-00012" already exists.'}, id="duplicate"),
    pytest.param({"code": 1038, "message": "JSON is not well formed"}, id="malformed-json"),
]


@pytest.mark.parametrize("body", NEAR_MISSES)
def test_near_misses_fall_through_to_the_message(body: dict[str, Any]) -> None:
    """Fields that only resemble a mapping, and request errors, pass Zoho's message on."""
    result = ENGINE.classify({"system": "zoho_books", "status": 400, "body": body})
    assert not result.rule_id.startswith("zoho_books.")
    assert result.failure_reason_type == "accounting_system_validation_failure"
    assert result.failure_reason == body["message"]


def test_customer_that_does_not_exist_is_no_vendor() -> None:
    """Code 1002 about a customer is not the purchase's vendor."""
    body = {"code": 1002, "message": "Customer does not exist."}
    result = ENGINE.classify({"system": "zoho_books", "status": 404, "body": body})
    assert result.failure_reason_type == "accounting_system_validation_failure"


def test_account_refused_while_attaching_a_receipt_stays_a_receipt_failure() -> None:
    """Configuration rules do not apply at receipt_upload; the generic receipt rule decides."""
    raw = {
        "system": "zoho_books",
        "stage": "receipt_upload",
        "status": 400,
        "body": ACCOUNT_REFUSED,
    }
    result = ENGINE.classify(raw)
    assert result.failure_reason_type == "receipt_upload_failure"


def test_not_authorized_still_applies_while_attaching_a_receipt() -> None:
    """Credentials are read at receipt_upload too: the receipt is not the problem."""
    raw = {"system": "zoho", "stage": "receipt_upload", "status": 401, "body": NOT_AUTHORIZED}
    assert ENGINE.classify(raw).rule_id == "zoho_books.not-authorized"


def test_receipt_download_is_never_read_by_the_pack() -> None:
    """A receipt download talks to Pleo, so Zoho's codes mean nothing there."""
    raw = {
        "system": "zoho_books",
        "stage": "receipt_download",
        "status": 401,
        "body": NOT_AUTHORIZED,
    }
    result = ENGINE.classify(raw)
    assert result.failure_reason_type == "receipt_download_failure"


@pytest.mark.parametrize(
    ("message", "rule_id"),
    [
        pytest.param("Account does not exist.", "zoho_books.account-unknown", id="account"),
        pytest.param("Tax does not exist.", "zoho_books.tax-unknown", id="tax"),
        pytest.param("Tax group does not exist.", "zoho_books.tax-unknown", id="tax-group"),
        pytest.param("Reporting tag does not exist.", "zoho_books.tag-unknown", id="tag"),
        pytest.param("Project does not exist.", "zoho_books.tag-unknown", id="project"),
        pytest.param("Expense does not exist.", "fallback", id="the-entry-itself"),
        pytest.param("Tax authority does not exist.", "fallback", id="tax-authority"),
    ],
)
def test_code_1002_is_read_by_the_object_it_names(message: str, rule_id: str) -> None:
    """The documented '<Entity> does not exist.' family is a mapping only for mapped objects."""
    body = {"code": 1002, "message": message}
    assert ENGINE.classify({"system": "zoho_books", "status": 404, "body": body}).rule_id == rule_id


def test_does_not_exist_without_code_1002_is_not_the_pack_s() -> None:
    """The wording alone, under another code, is left to the generic layer."""
    body = {"code": 5, "message": "Tax does not exist."}
    result = ENGINE.classify({"system": "zoho_books", "status": 400, "body": body})
    assert not result.rule_id.startswith("zoho_books.")
