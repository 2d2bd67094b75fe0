"""The Moneybird pack: its symbolic and attribute error shapes, precedence, near misses."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

ENGINE = failreason.load()

LIMIT_REACHED = {
    "error": "creating time entries is limited",
    "symbolic": {"administration": "limit_reached"},
}
CONTACT_AND_LEDGER = {
    "error": {"ledger_account": ["is invalid"], "contact": ["must exist"]},
    "details": {"ledger_account": [{"error": "invalid"}], "contact": [{"error": "blank"}]},
}


def test_profile_reads_the_symbolic_sentence() -> None:
    """A symbolic error's sentence is the message, not its per-parameter codes."""
    body = {"error": "Purchase Invoice is required", "symbolic": {"purchase_invoice": "required"}}
    signal = ENGINE.signal({"system": "moneybird", "status": 400, "body": body})
    assert signal.messages == ("Purchase Invoice is required",)


def test_profile_reads_the_bare_429_string() -> None:
    """A 429's body is the JSON string "Retry later", which the generic rate limit takes."""
    raw = {
        "system": "moneybird",
        "status": 429,
        "headers": {"Retry-After": "1609459200", "RateLimit-Remaining": "0"},
        "body": '"Retry later"',
    }
    assert ENGINE.signal(raw).messages == ("Retry later",)
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.retryable) == ("generic.rate-limit", True)


def test_limit_reached_without_the_402_status() -> None:
    """An SDK that drops the status still carries symbolic limit_reached."""
    result = ENGINE.classify({"system": "moneybird", "body": LIMIT_REACHED})
    assert result.rule_id == "moneybird.plan-limit"
    assert "creating time entries is limited" in result.failure_reason


def test_plan_limit_applies_while_attaching_a_receipt() -> None:
    """A licence problem is read at receipt_upload: the receipt is not what failed."""
    raw = {"system": "moneybird", "stage": "receipt_upload", "status": 402, "body": LIMIT_REACHED}
    assert ENGINE.classify(raw).rule_id == "moneybird.plan-limit"


def test_supplier_comes_before_the_ledger_account() -> None:
    """A 422 naming both the contact and the ledger account is the unknown supplier first."""
    result = ENGINE.classify({"system": "moneybird", "status": 422, "body": CONTACT_AND_LEDGER})
    assert result.rule_id == "moneybird.vendor-unknown"
    assert result.failure_reason_type == "vendor_unknown"


def test_ledger_account_reason_names_the_attribute_problem() -> None:
    """The reason says what Moneybird said about the ledger account, not its detail codes."""
    body = {
        "error": {"ledger_account_id": ["does not exist"]},
        "details": {"ledger_account_id": [{"error": "blank"}]},
    }
    result = ENGINE.classify({"system": "moneybird", "status": 422, "body": body})
    assert result.rule_id == "moneybird.ledger-account-unknown"
    assert "(ledger account does not exist)" in result.failure_reason
    assert "blank" not in result.failure_reason


@pytest.mark.parametrize(
    ("body", "rule_id"),
    [
        pytest.param(
            {"error": "record not found", "symbolic": {"contact_id": "not_found"}},
            "moneybird.vendor-unknown",
            id="symbolic-contact",
        ),
        pytest.param(
            {"error": "record not found", "symbolic": {"ledger_account_id": "not_found"}},
            "moneybird.ledger-account-unknown",
            id="symbolic-ledger-account",
        ),
        pytest.param(
            {"error": "record not found", "symbolic": {"project_id": "not_found"}},
            "moneybird.project-unknown",
            id="symbolic-project",
        ),
        pytest.param(
            {"error": {"tax_rate_id": ["does not exist"]}},
            "moneybird.tax-rate-unknown",
            id="attribute-tax-rate",
        ),
    ],
)
def test_symbolic_and_attribute_forms_reach_the_same_rules(
    body: dict[str, Any], rule_id: str
) -> None:
    """Each reference is recognised in both documented error shapes."""
    assert ENGINE.classify({"system": "moneybird", "status": 404, "body": body}).rule_id == rule_id


NEAR_MISSES = [
    pytest.param(404, {"error": "Record not found for model name: Contact person"}, id="person"),
    pytest.param(404, {"error": "Record not found for model name: Financial statement"}, id="stmt"),
    pytest.param(
        404,
        {"error": "record not found", "symbolic": {"customer_id": "not_found"}},
        id="customer-id",
    ),
    pytest.param(
        422,
        {
            "error": {"contact_id": ["can't be blank"]},
            "details": {"contact_id": [{"error": "blank"}]},
        },
        id="contact-left-blank",
    ),
    pytest.param(400, {"error": "Ids is required", "symbolic": {"ids": "required"}}, id="request"),
    pytest.param(
        400, {"error": "Period contains no journal entries", "symbolic": {}}, id="no-entries"
    ),
]


@pytest.mark.parametrize(("status", "body"), NEAR_MISSES)
def test_near_misses_are_passed_on(status: int, body: dict[str, Any]) -> None:
    """Other models, other contacts and request errors are not configuration problems."""
    result = ENGINE.classify({"system": "moneybird", "status": status, "body": body})
    assert not result.rule_id.startswith("moneybird.")
    assert result.failure_reason_type == "accounting_system_validation_failure"


def test_forbidden_feature_is_left_to_the_generic_permission_rules() -> None:
    """The documented 403 is read right without the pack: Moneybird's message, passed on."""
    body = {"error": "This feature is not active for this administration"}
    result = ENGINE.classify({"system": "moneybird", "status": 403, "body": body})
    assert result.failure_reason_type == "accounting_system_authentication_failure"
    assert result.failure_reason == body["error"]


def test_reference_errors_at_receipt_upload_stay_receipt_failures() -> None:
    """While a receipt is attached, a missing record is the upload's failure."""
    raw = {
        "system": "moneybird",
        "stage": "receipt_upload",
        "status": 404,
        "body": {"error": "Record not found for model name: Category"},
    }
    assert ENGINE.classify(raw).failure_reason_type == "receipt_upload_failure"


def test_oauth_error_description_is_the_message() -> None:
    """The token endpoint's RFC 6749 answer gives its description, not the bare error code."""
    body = {
        "error": "invalid_grant",
        "error_description": "The provided authorization grant is invalid, expired, revoked.",
    }
    raw = {"system": "moneybird", "stage": "auth", "status": 401, "body": body}
    result = ENGINE.classify(raw)
    assert result.failure_reason == body["error_description"]
    assert result.rule_id == "generic.authentication"


def test_no_access_without_a_scope_list_is_left_to_the_generic_rules() -> None:
    """'No access to bank' names no :scope to capture; the generic rule passes it on."""
    body = {"error": "No access to bank"}
    result = ENGINE.classify({"system": "moneybird", "status": 401, "body": body})
    assert result.rule_id != "moneybird.no-access"
    assert result.failure_reason_type == "accounting_system_authentication_failure"
    assert result.failure_reason == "No access to bank"
