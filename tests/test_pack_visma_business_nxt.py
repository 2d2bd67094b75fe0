"""Visma Business NXT's pack: GraphQL errors[] under HTTP 200, nginx's page for a bad token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

COMPANY_ACCESS = (
    "Error: Could not get authorize user using VismaNetCompanyId: 1234567. "
    "Description: External integration error. Status: 18."
)
FIELD_ERROR = {
    "message": (
        "GraphQL.Validation.Errors.FieldsOnCorrectTypeError: Cannot query field 'totalRows' on "
        "type 'Query_UseCompany_GeneralLedgerAccount_Connection'. Did you mean 'totalCount'?"
    ),
    "locations": [{"line": 4, "column": 7}],
    "extensions": {"code": "FIELDS_ON_CORRECT_TYPE", "codes": ["FIELDS_ON_CORRECT_TYPE"]},
}
NGINX_401 = (
    "<html>\n<head><title>401 Authorization Required</title></head>\n<body>\n"
    "<center><h1>401 Authorization Required</h1></center>\n<hr><center>nginx</center>\n"
    "</body>\n</html>\n"
)


def _nxt(*errors: dict[str, Any]) -> dict[str, Any]:
    body = {"errors": list(errors), "data": {"useCompany": {"generalLedgerAccount": None}}}
    return {"system": "visma_business_nxt", "stage": "entry", "status": 200, "body": body}


def test_profile_reads_messages_and_extension_codes() -> None:
    """The documented syntax error gives its message and its extensions code, once."""
    signal = ENGINE.signal(_nxt(FIELD_ERROR))
    assert signal.messages == (FIELD_ERROR["message"],)
    assert signal.codes == ("FIELDS_ON_CORRECT_TYPE",)


def test_business_visma_net_host_names_the_system() -> None:
    """A response from either GraphQL endpoint is read with the Business NXT pack."""
    request = httpx.Request("POST", "https://business.visma.net/api/graphql-service")
    body = {"errors": [{"message": COMPANY_ACCESS}], "data": {"useCompany": None}}
    response = httpx.Response(200, json=body, request=request)
    assert ENGINE.signal(response).system == "visma_business_nxt"
    assert ENGINE.classify(response, stage="entry").rule_id == "visma_business_nxt.company-access"


def test_company_access_decides_beside_a_query_error() -> None:
    """Company access is found in any error of the array; the reason names the company only."""
    result = ENGINE.classify(_nxt(FIELD_ERROR, {"message": COMPANY_ACCESS}))
    assert (result.rule_id, result.failure_reason_type) == (
        "visma_business_nxt.company-access",
        "accounting_system_authentication_failure",
    )
    assert "for company 1234567 " in result.failure_reason
    assert "totalRows" not in result.failure_reason


@pytest.mark.parametrize(
    ("raw", "rule_id", "expected_type", "reason"),
    [
        pytest.param(
            {"system": "visma_business_nxt", "stage": "entry", "status": 401, "body": NGINX_401},
            "generic.authentication",
            "accounting_system_authentication_failure",
            "401 Authorization Required",
            id="nginx-401-page",
        ),
        pytest.param(
            {"system": "visma_business_nxt", "stage": "entry", "status": 429, "body": ""},
            "generic.rate-limit",
            "accounting_system_rate_limit",
            "The accounting system API rate limit was exceeded (HTTP 429). Try again later.",
            id="gateway-429",
        ),
    ],
)
def test_documented_statuses_are_left_to_the_generic_rules(
    raw: dict[str, Any], rule_id: str, expected_type: str, reason: str
) -> None:
    """The 401 page and the gateway's 429 need no pack rule: the generic ones read them."""
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason_type, result.failure_reason) == (
        rule_id,
        expected_type,
        reason,
    )


def test_query_error_alone_goes_to_the_fallback() -> None:
    """A schema mistake is the integration's own, passed on, never an access problem."""
    result = ENGINE.classify(_nxt(FIELD_ERROR))
    assert (result.rule_id, result.failure_reason_type) == (
        "fallback",
        "accounting_system_validation_failure",
    )


def test_concurrency_limit_decides_before_company_access() -> None:
    """A refused slot is retried before anyone looks at access: the limit wins in one body."""
    limit = {"extensions": {"code": "OUTSTANDING_LIMIT_EXCEEDED"}}
    result = ENGINE.classify(_nxt({"message": COMPANY_ACCESS}, limit))
    assert (result.rule_id, result.retryable) == ("visma_business_nxt.concurrency-limit", True)


def test_concurrency_code_listed_only_under_codes_is_read() -> None:
    """extensions.codes[] is read as well as extensions.code."""
    error = {"message": "Request refused", "extensions": {"codes": ["OUTSTANDING_LIMIT_EXCEEDED"]}}
    signal = ENGINE.signal(_nxt(error))
    assert signal.codes == ("OUTSTANDING_LIMIT_EXCEEDED",)
    assert ENGINE.classify(_nxt(error)).rule_id == "visma_business_nxt.concurrency-limit"
