"""The Wave pack: GraphQL errors[] and mutation inputErrors, precedence, near misses."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

ENGINE = failreason.load()

ACCOUNT_ID = "QWNjb3VudDoxMjM0NTY3ODk7QnVzaW5lc3M6MTIzNDU2Nzg5"


def money_transaction(*input_errors: dict[str, Any]) -> dict[str, Any]:
    """A refused moneyTransactionCreate, as Wave answers it under HTTP 200."""
    return {
        "data": {
            "moneyTransactionCreate": {
                "didSucceed": False,
                "inputErrors": list(input_errors),
                "transaction": None,
            }
        }
    }


def graphql_error(code: str, message: str) -> dict[str, Any]:
    """A top-level GraphQL error with Wave's extensions."""
    extensions = {"id": "d9e441c5-8c54-421b-bcdb-f0c2012a9f9c", "code": code}
    return {"errors": [{"extensions": extensions, "message": message}], "data": None}


def test_profile_reads_input_errors_inside_the_mutation() -> None:
    """inputErrors are found under data.<mutation>, with their codes, every one of them."""
    body = money_transaction(
        {"code": "INVALID", "message": "This value is invalid.", "path": ["input", "date"]},
        {"code": "REQUIRED", "message": "This field is required.", "path": ["input", "anchor"]},
    )
    signal = ENGINE.signal({"system": "wave", "status": 200, "body": body})
    assert signal.messages == ("This value is invalid.", "This field is required.")
    assert signal.codes == ("INVALID", "REQUIRED")


def test_profile_reads_the_extension_code_not_the_support_id() -> None:
    """errors[].extensions.code is the code; extensions.id is a support reference."""
    body = graphql_error("NOT_FOUND", "Business 'BAD_ID' could not be found.")
    signal = ENGINE.signal({"system": "wave", "status": 200, "body": body})
    assert signal.codes == ("NOT_FOUND",)
    assert signal.messages == ("Business 'BAD_ID' could not be found.",)


def test_account_comes_before_the_sales_tax() -> None:
    """Input errors on a line's account and on its tax: the account rule decides first."""
    body = money_transaction(
        {
            "code": "INVALID",
            "message": "Bad tax.",
            "path": ["input", "lineItems", 0, "taxes", 0, "salesTaxId"],
        },
        {
            "code": "INVALID",
            "message": "Bad account.",
            "path": ["input", "lineItems", 0, "accountId"],
        },
    )
    result = ENGINE.classify({"system": "wave", "status": 200, "body": body})
    assert result.rule_id == "wave.account-unknown"


def test_anchor_account_is_an_account_too() -> None:
    """The account paid from (the anchor) is configuration like a line's category."""
    body = money_transaction(
        {
            "code": "INVALID",
            "message": "This value is invalid.",
            "path": ["input", "anchor", "accountId"],
        }
    )
    assert ENGINE.classify({"system": "wave", "body": body}).rule_id == "wave.account-unknown"


def test_bulk_mutation_is_read_like_the_single_one() -> None:
    """moneyTransactionsCreate reports its input errors the same way."""
    body = {
        "data": {
            "moneyTransactionsCreate": {
                "didSucceed": False,
                "inputErrors": [
                    {
                        "code": "INVALID",
                        "message": "This value is invalid.",
                        "path": [
                            "input",
                            "transactions",
                            0,
                            "lineItems",
                            0,
                            "taxes",
                            0,
                            "salesTaxId",
                        ],
                    }
                ],
            }
        }
    }
    assert ENGINE.classify({"system": "wave", "body": body}).rule_id == "wave.sales-tax-unknown"


def test_unauthenticated_beats_a_missing_business() -> None:
    """With both errors, credentials come first: the business may only be hidden by them."""
    body = graphql_error("NOT_FOUND", "Business 'QnVzaW5lc3M6MQ' could not be found.")
    body["errors"].append(
        {
            "extensions": {"id": "e486c5f4-49b0-456f-897c-6d21bdabcde7", "code": "UNAUTHENTICATED"},
            "message": "Login required",
        }
    )
    result = ENGINE.classify({"system": "wave", "status": 200, "body": body})
    assert result.rule_id == "wave.unauthenticated"


def test_long_ids_never_reach_the_reason() -> None:
    """A base64 account id in Wave's message is hidden, and no rule captures it."""
    body = graphql_error("NOT_FOUND", f"Account '{ACCOUNT_ID}' could not be found.")
    result = ENGINE.classify({"system": "wave", "status": 200, "body": body})
    assert result.rule_id == "wave.account-unknown"
    assert ACCOUNT_ID not in result.failure_reason
    assert dict(result.captures) == {}


NEAR_MISSES = [
    pytest.param(
        money_transaction({"code": "UNKNOWN", "message": "This value is invalid.", "path": None}),
        id="input-error-without-path",
    ),
    pytest.param(
        money_transaction(
            {
                "code": "INVALID",
                "message": "This value is invalid.",
                "path": ["input", "externalId"],
            }
        ),
        id="external-id",
    ),
    pytest.param(
        {
            "data": {
                "customerCreate": {
                    "didSucceed": False,
                    "inputErrors": [
                        {
                            "code": "INVALID",
                            "message": "This value is invalid.",
                            "path": ["input", "accountId"],
                        }
                    ],
                }
            }
        },
        id="other-mutation",
    ),
    pytest.param(
        graphql_error(
            "GRAPHQL_VALIDATION_FAILED",
            'Unknown argument "name" on field "business" of type "Query".',
        ),
        id="malformed-query",
    ),
    pytest.param(
        graphql_error("NOT_FOUND", "Customer 'Q3VzdG9tZXI6MQ' could not be found."),
        id="customer",
    ),
]


@pytest.mark.parametrize("body", NEAR_MISSES)
def test_near_misses_are_passed_on(body: dict[str, Any]) -> None:
    """Other fields, other mutations and the connector's own query errors fall through."""
    result = ENGINE.classify({"system": "wave", "status": 200, "body": body})
    assert not result.rule_id.startswith("wave.")
    assert result.failure_reason_type == "accounting_system_validation_failure"


def test_account_error_while_attaching_a_receipt_stays_a_receipt_failure() -> None:
    """Configuration rules do not apply at receipt_upload."""
    body = money_transaction(
        {
            "code": "INVALID",
            "message": "This value is invalid.",
            "path": ["input", "anchor", "accountId"],
        }
    )
    raw = {"system": "wave", "stage": "receipt_upload", "status": 200, "body": body}
    assert ENGINE.classify(raw).failure_reason_type == "receipt_upload_failure"
