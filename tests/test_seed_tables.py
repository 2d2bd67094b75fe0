"""Every row of Pleo's "Update Export Items" tables: its type and its wording, to the letter."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

VENDOR = (
    "Selected vendor cannot be processed because it does not exist or is currently blocked. "
    "Please verify the vendor's status in the accounting system and try again."
)

VALIDATION_ROWS = [
    pytest.param(
        {"stage": "validation", "code": "missing_journal", "params": {"journal": "Purchases"}},
        "missing_configuration",
        "Journal Purchases missing: provide journal Purchases in the configurations",
        id="missing-journal",
    ),
    pytest.param(
        {"stage": "validation", "code": "missing_account", "params": {"account": "2820"}},
        "missing_configuration",
        "Account 2820 missing: provide account 2820 in the configurations",
        id="missing-account",
    ),
    pytest.param(
        {"stage": "validation", "code": "missing_expense_gl_account", "params": {"account": 4010}},
        "missing_configuration",
        "Account 4010 missing: provide account 4010 in the configurations",
        id="missing-expense-gl-account",
    ),
]

CONNECTOR_FOUND_ROWS = [
    pytest.param(
        {"stage": "validation", "code": "unknown_tax_code", "params": {"tax_code": "S25"}},
        "invalid_configuration",
        "Tax Code S25 does not exist in the Accounting System",
        id="tax-code-missing",
    ),
    pytest.param(
        {"stage": "validation", "code": "unknown_account", "params": {"account": "6540"}},
        "invalid_configuration",
        "Account No. 6540 does not exist in the Accounting System. Check Category.",
        id="expense-gl-account-missing",
    ),
    pytest.param(
        {"stage": "validation", "code": "unknown_tag", "params": {"tag": "DEPT-7"}},
        "invalid_configuration",
        "Tag with code DEPT-7 does not exist on the Accounting System. Check the Tag.",
        id="tag-missing",
    ),
    pytest.param(
        {"stage": "validation", "code": "unknown_vendor", "params": {"vendor": "V-1"}},
        "vendor_unknown",
        VENDOR,
        id="vendor-not-found",
    ),
    pytest.param(
        {"stage": "validation", "code": "attachment_too_large"},
        "receipt_file_size_limit_exceeded",
        "Attachment file size exceeds accounting system limits.",
        id="attachment-too-large",
    ),
    pytest.param(
        {"stage": "validation", "code": "receipt_download_failed"},
        "receipt_download_failure",
        "Failed to download the attachment file from Pleo. Re-export the expense.",
        id="receipt-download-failed",
    ),
    pytest.param(
        {"stage": "validation", "code": "receipt_upload_failed", "message": "Unsupported type"},
        "receipt_upload_failure",
        "Unsupported type",
        id="receipt-upload-failed",
    ),
    pytest.param(
        {"stage": "validation", "code": "rate_limited", "message": "Quota used up for today"},
        "accounting_system_rate_limit",
        "Quota used up for today",
        id="rate-limit",
    ),
    pytest.param(
        {"stage": "validation", "code": "authentication_failed", "message": "Token revoked"},
        "accounting_system_authentication_failure",
        "Token revoked",
        id="authorisation-failure",
    ),
]

# The same rows as accounting systems report them, in English, through real HTTP-shaped input.
AS_REPORTED_ROWS = [
    pytest.param(
        {"status": 400, "body": {"message": "Tax code 'S25' does not exist."}},
        "invalid_configuration",
        "Tax Code S25 does not exist in the Accounting System",
        id="tax-code-missing",
    ),
    pytest.param(
        {"status": 400, "body": {"message": "Account 4010 does not exist"}},
        "invalid_configuration",
        "Account No. 4010 does not exist in the Accounting System. Check Category.",
        id="expense-gl-account-missing",
    ),
    pytest.param(
        {"status": 400, "body": {"message": "Dimension value 'SALES' was not found"}},
        "invalid_configuration",
        "Tag with code SALES does not exist on the Accounting System. Check the Tag.",
        id="tag-missing",
    ),
    pytest.param(
        {"status": 400, "body": {"message": "Vendor 'Acme ApS' is blocked."}},
        "vendor_unknown",
        VENDOR,
        id="vendor-not-found",
    ),
    pytest.param(
        {"stage": "receipt_upload", "status": 413, "body": "Request Entity Too Large"},
        "receipt_file_size_limit_exceeded",
        "Attachment file size exceeds accounting system limits.",
        id="attachment-too-large",
    ),
    pytest.param(
        {"stage": "receipt_download", "status": 404, "body": "NoSuchKey"},
        "receipt_download_failure",
        "Failed to download the attachment file from Pleo. Re-export the expense.",
        id="receipt-download-failed",
    ),
    pytest.param(
        {"stage": "receipt_upload", "status": 415, "body": {"message": "File type not allowed"}},
        "receipt_upload_failure",
        "File type not allowed",
        id="receipt-upload-failed",
    ),
    pytest.param(
        {"status": 429, "body": {"message": "Rate limit exceeded, retry in 60 seconds"}},
        "accounting_system_rate_limit",
        "Rate limit exceeded, retry in 60 seconds",
        id="rate-limit",
    ),
    pytest.param(
        {"status": 401, "body": {"error": {"message": "The access token has expired"}}},
        "accounting_system_authentication_failure",
        "The access token has expired",
        id="authorisation-failure",
    ),
]


@pytest.mark.parametrize(("raw", "expected_type", "expected_reason"), VALIDATION_ROWS)
def test_validation_failure_rows(
    engine: failreason.Engine, raw: dict[str, Any], expected_type: str, expected_reason: str
) -> None:
    """The three validation failures give Pleo's type and exact wording."""
    result = engine.classify(raw)
    assert (result.failure_reason_type, result.failure_reason) == (expected_type, expected_reason)


@pytest.mark.parametrize(("raw", "expected_type", "expected_reason"), CONNECTOR_FOUND_ROWS)
def test_common_errors_found_by_the_connector(
    engine: failreason.Engine, raw: dict[str, Any], expected_type: str, expected_reason: str
) -> None:
    """The nine common export errors, raised by the connector's own checks."""
    result = engine.classify(raw)
    assert (result.failure_reason_type, result.failure_reason) == (expected_type, expected_reason)


@pytest.mark.parametrize(("raw", "expected_type", "expected_reason"), AS_REPORTED_ROWS)
def test_common_errors_reported_by_the_accounting_system(
    engine: failreason.Engine, raw: dict[str, Any], expected_type: str, expected_reason: str
) -> None:
    """The nine common export errors, reported by an accounting system in English."""
    result = engine.classify(raw)
    assert (result.failure_reason_type, result.failure_reason) == (expected_type, expected_reason)


def test_other_errors_pass_the_accounting_system_message(engine: failreason.Engine) -> None:
    """Anything the tables do not name is a validation failure carrying the AS's message."""
    raw = {
        "status": 400,
        "body": {
            "error": {"message": "Posting date is not within your range of allowed posting dates."}
        },
    }
    result = engine.classify(raw)
    assert result.failure_reason_type == "accounting_system_validation_failure"
    assert (
        result.failure_reason == "Posting date is not within your range of allowed posting dates."
    )
    assert result.rule_id == "fallback"


def test_fallback_without_a_message_names_the_status(engine: failreason.Engine) -> None:
    """With nothing readable in the body, the fallback reason names the HTTP status."""
    result = engine.classify({"status": 409, "body": ""})
    assert result.failure_reason == (
        "The accounting system rejected the entry with HTTP status 409 and no error message."
    )


def test_missing_journal_without_its_name_says_so_plainly(engine: failreason.Engine) -> None:
    """A missing journal the connector cannot name does not print an empty 'Journal  missing'."""
    result = engine.classify({"stage": "validation", "code": "missing_journal"})
    assert (
        result.failure_reason == "A journal is missing: provide the journal in the configurations"
    )
