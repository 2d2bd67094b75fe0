"""Sage 200 pack: what 401, 403 and 504 mean on its API, and what it leaves to others."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

ENGINE = failreason.load()

QUOTA_MESSAGE = "Out of call volume quota. Quota will be replenished in 00:00:59."


def classify(status: int, body: Any = "", **extra: Any) -> Any:
    raw = {"system": "sage_200", "stage": "entry", "status": status, "body": body, **extra}
    return ENGINE.classify(raw)


def test_gateway_body_is_read_without_a_profile() -> None:
    """The gateway's {statusCode, message} gives its message, and statusCode is no error code."""
    signal = ENGINE.signal(
        {"system": "sage_200", "status": 403, "body": {"statusCode": 403, "message": QUOTA_MESSAGE}}
    )
    assert signal.messages == (QUOTA_MESSAGE,)
    assert "403" not in signal.codes


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"headers": {"Retry-After": "59"}}, id="retry-after-alone"),
        pytest.param({"body": {"statusCode": 403, "message": QUOTA_MESSAGE}}, id="message-alone"),
    ],
)
def test_a_spent_quota_is_a_rate_limit_not_a_credential(raw: dict[str, Any]) -> None:
    """A 403 with Retry-After or the quota message is retried later, never a reconnect."""
    result = classify(403, **raw)
    assert result.rule_id == "sage_200.call-quota"
    assert result.failure_reason_type == "accounting_system_rate_limit"
    assert result.retryable


def test_a_plain_403_is_the_users_role_not_the_token() -> None:
    """With no quota sign, 403 says the role lacks the module, and asks for access, not a login."""
    result = classify(403)
    assert result.rule_id == "sage_200.module-access-denied"
    assert "has no access to the module" in result.failure_reason
    assert "Reconnect" not in result.failure_reason


def test_an_empty_401_names_the_site_and_company() -> None:
    """Sage 200's 401 can be the X-Site / X-Company headers, so the reason names the company."""
    result = classify(401)
    assert result.rule_id == "sage_200.unauthorized"
    assert "check the company selected" in result.failure_reason


@pytest.mark.parametrize("status", [401, 403, 504])
def test_sage_200s_own_message_is_passed_on(status: int) -> None:
    """When Sage 200 or the gateway says something, the bookkeeper reads that, not our sentence."""
    result = classify(status, body={"Message": "User 'api.sync' is not enabled for API access."})
    assert result.rule_id.startswith("sage_200.")
    assert result.failure_reason == "User 'api.sync' is not enabled for API access."


def test_gateway_timeout_is_retryable_and_points_at_the_tunnel() -> None:
    """504 is retried later; a lasting one needs the site's API connection checked."""
    result = classify(504)
    assert result.rule_id == "sage_200.gateway-timeout"
    assert result.retryable
    assert "Native API tunnel" in result.failure_reason


def test_status_rules_stay_out_of_validation_codes() -> None:
    """At stage validation the connector's own code decides, not a Sage 200 status."""
    result = ENGINE.classify(
        {"system": "sage_200", "stage": "validation", "status": 403, "code": "unknown_vendor"}
    )
    assert result.failure_reason_type == "vendor_unknown"
    assert not result.rule_id.startswith("sage_200.")


def test_validation_messages_fall_to_the_common_rules() -> None:
    """Sage 200 publishes no validation catalogue: a 400 is left to the rules after the pack."""
    result = classify(400, body={"Message": "The authorisation status of the order is not valid."})
    assert not result.rule_id.startswith("sage_200.")


def test_the_same_status_elsewhere_keeps_the_generic_reading() -> None:
    """The pack's readings of 403 are Sage 200's: another system's bare 403 is not a module."""
    result = ENGINE.classify({"system": "sage_50", "stage": "entry", "status": 403, "body": ""})
    assert not result.rule_id.startswith("sage_200.")
