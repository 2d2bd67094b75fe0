"""Xledger's pack: GraphQL errors[] with Xledger's code beside the message."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

BURST = {"code": "BAD_REQUEST.BURST_RATE_LIMIT_REACHED", "message": "Too many requests"}
CREDITS = {"code": "BAD_REQUEST.INSUFFICIENT_CREDITS", "message": "Not enough credits"}
SCHEMA_ERROR = {
    "message": "Cannot query field `foo` on type `Query`",
    "extensions": {"code": "ARGUMENTS_OF_CORRECT_TYPE"},
}
TOKEN_FORMAT = {
    "message": 'Bad format for API Token. Expected header: "Authorization: token <your-token>"'
}


def _xledger(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"system": "xledger", "stage": "entry", "status": 200, "body": {"errors": list(errors)}}


def test_profile_reads_top_level_and_extension_codes_of_every_error() -> None:
    """Codes come from errors[].code and errors[].extensions.code, messages from each error."""
    signal = ENGINE.signal(_xledger(SCHEMA_ERROR, {**BURST, "message": "Rate limited"}))
    assert signal.messages == ("Cannot query field `foo` on type `Query`", "Rate limited")
    assert signal.codes == ("ARGUMENTS_OF_CORRECT_TYPE", "BAD_REQUEST.BURST_RATE_LIMIT_REACHED")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://www.xledger.net/graphql", id="live"),
        pytest.param("https://demo.xledger.net/graphql", id="demo"),
    ],
)
def test_xledger_host_names_the_system(url: str) -> None:
    """A response from Xledger's live or demo endpoint is read with Xledger's pack."""
    request = httpx.Request("POST", url)
    response = httpx.Response(200, json={"errors": [CREDITS], "data": None}, request=request)
    result = ENGINE.classify(response, stage="entry")
    assert ENGINE.signal(response).system == "xledger"
    assert result.rule_id == "xledger.insufficient-credits"


def test_rate_limit_decides_a_body_that_also_holds_a_query_error() -> None:
    """A limit anywhere in errors[] decides, whatever error comes before it."""
    result = ENGINE.classify(_xledger(SCHEMA_ERROR, BURST))
    assert (result.rule_id, result.failure_reason_type) == (
        "xledger.rate-limit",
        "accounting_system_rate_limit",
    )


def test_credits_code_under_extensions_is_still_read() -> None:
    """The code keys the rule also when a gateway moves it into extensions."""
    result = ENGINE.classify(
        _xledger({"message": "Not enough credits", "extensions": {"code": CREDITS["code"]}})
    )
    assert result.rule_id == "xledger.insufficient-credits"


def test_token_reason_never_echoes_the_authorization_header() -> None:
    """The reason is written out, so the quoted header (a secret's place) is not in it."""
    result = ENGINE.classify(_xledger(TOKEN_FORMAT))
    assert result.failure_reason_type == "accounting_system_authentication_failure"
    assert "Authorization:" not in result.failure_reason
    assert "redacted" not in result.failure_reason


@pytest.mark.parametrize(
    ("error", "rule_id", "expected_type"),
    [
        pytest.param(
            {"message": "Your query timed out."},
            "generic.timeout",
            "accounting_system_timeout",
            id="timeout-left-to-generic",
        ),
        pytest.param(SCHEMA_ERROR, "fallback", "accounting_system_validation_failure", id="schema"),
        pytest.param(
            {"code": "BAD_REQUEST", "message": "postedDate 2026-02-30 is not a valid date"},
            "fallback",
            "accounting_system_validation_failure",
            id="bare-bad-request-is-no-limit",
        ),
    ],
)
def test_errors_outside_the_catalogue_fall_through(
    error: dict[str, Any], rule_id: str, expected_type: str
) -> None:
    """Only Xledger's documented codes and token message are decided by the pack."""
    result = ENGINE.classify(_xledger(error))
    assert (result.rule_id, result.failure_reason_type) == (rule_id, expected_type)
