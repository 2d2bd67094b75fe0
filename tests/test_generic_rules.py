"""The rules every system needs, checked on real responses from the shared corpus."""

from __future__ import annotations

import pytest

import failreason
from tests.corpus import corpus, sample


def anonymous(sample_id: str) -> dict[str, object]:
    """A real sample with its system removed: what the generic rules see for any system."""
    return {key: value for key, value in sample(sample_id).items() if key != "system"}


GENERIC_CASES = [
    # (corpus id, rule that must decide, type)
    ("erp-009", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-018", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-049", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-056", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-073", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-094", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-162", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-168", "generic.permission", "accounting_system_authentication_failure"),
    ("erp-187", "generic.authentication", "accounting_system_authentication_failure"),
    ("erp-012", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-053", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-069", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-071", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-121", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-215", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-223", "generic.rate-limit", "accounting_system_rate_limit"),
    ("erp-078", "generic.unreachable", "accounting_system_unreachable"),
    ("erp-083", "generic.unreachable", "accounting_system_unreachable"),
    ("erp-205", "generic.unreachable", "accounting_system_unreachable"),
    ("erp-208", "generic.unreachable", "accounting_system_unreachable"),
    ("erp-120", "generic.timeout", "accounting_system_timeout"),
    ("erp-209", "generic.timeout", "accounting_system_timeout"),
    ("erp-216", "generic.timeout", "accounting_system_timeout"),
    ("erp-217", "generic.receipt-download", "receipt_download_failure"),
    ("erp-219", "generic.receipt-download", "receipt_download_failure"),
    ("erp-013", "generic.receipt-too-large", "receipt_file_size_limit_exceeded"),
    ("erp-195", "generic.receipt-too-large", "receipt_file_size_limit_exceeded"),
    ("erp-082", "generic.receipt-upload", "receipt_upload_failure"),
    ("erp-197", "generic.receipt-upload", "receipt_upload_failure"),
    ("erp-212", "generic.receipt-upload", "receipt_upload_failure"),
]


@pytest.mark.parametrize(
    ("sample_id", "rule_id", "expected_type"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in GENERIC_CASES],
)
def test_generic_rule_decides_real_sample(
    engine: failreason.Engine, sample_id: str, rule_id: str, expected_type: str
) -> None:
    """Each sample, from whatever system, is decided by its generic rule as the corpus accepts."""
    result = engine.classify(anonymous(sample_id))
    assert (result.rule_id, result.failure_reason_type) == (rule_id, expected_type)
    assert expected_type in corpus()[sample_id]["accept"]


@pytest.mark.parametrize(
    ("raw", "expected_type"),
    [
        pytest.param({"status": 401}, "accounting_system_authentication_failure", id="401"),
        pytest.param({"status": 403}, "accounting_system_authentication_failure", id="403"),
        pytest.param({"status": 429}, "accounting_system_rate_limit", id="429"),
        pytest.param({"status": 502}, "accounting_system_unreachable", id="502"),
        pytest.param({"status": 503}, "accounting_system_unreachable", id="503"),
        pytest.param({"status": 504}, "accounting_system_timeout", id="504"),
        # A 5xx with nothing to read failed before the server could say why: an outage.
        pytest.param({"status": 500}, "accounting_system_unreachable", id="500"),
        pytest.param(
            {"status": 500, "body": "The entry could not be posted on line 3"},
            "accounting_system_validation_failure",
            id="500-with-message",
        ),
        pytest.param(
            {"stage": "auth", "status": 400},
            "accounting_system_authentication_failure",
            id="auth-stage",
        ),
        pytest.param(
            {"stage": "auth", "status": 503},
            "accounting_system_unreachable",
            id="auth-stage-outage",
        ),
        pytest.param(
            {"stage": "receipt_download", "status": 500},
            "receipt_download_failure",
            id="download-500",
        ),
        pytest.param(
            {"stage": "receipt_upload", "status": 413},
            "receipt_file_size_limit_exceeded",
            id="upload-413",
        ),
        pytest.param(
            {"stage": "receipt_upload", "status": 429},
            "accounting_system_rate_limit",
            id="upload-429",
        ),
        pytest.param(
            {"stage": "receipt_upload", "status": 400}, "receipt_upload_failure", id="upload-400"
        ),
    ],
)
def test_status_alone_decides_the_type(
    engine: failreason.Engine, raw: dict[str, object], expected_type: str
) -> None:
    """With an empty body, the status and stage still give the right type."""
    assert engine.classify(raw).failure_reason_type == expected_type


@pytest.mark.parametrize(
    ("expected_type", "retryable"),
    [
        ("accounting_system_rate_limit", True),
        ("accounting_system_unreachable", True),
        ("accounting_system_timeout", True),
        ("accounting_system_authentication_failure", False),
        ("accounting_system_validation_failure", False),
    ],
)
def test_transient_failures_are_retryable(
    engine: failreason.Engine, expected_type: str, retryable: bool
) -> None:
    """Rate limits, outages and timeouts are retryable; nothing else is by default."""
    status = {
        "accounting_system_rate_limit": 429,
        "accounting_system_unreachable": 503,
        "accounting_system_timeout": 504,
        "accounting_system_authentication_failure": 401,
        "accounting_system_validation_failure": 400,
    }[expected_type]
    result = engine.classify({"status": status})
    assert (result.failure_reason_type, result.retryable) == (expected_type, retryable)


def test_unreachable_wording_does_not_override_a_4xx(engine: failreason.Engine) -> None:
    """'Could not connect ... [http 401]' is a credentials problem, not an outage."""
    result = engine.classify(anonymous("erp-162"))
    assert result.failure_reason_type == "accounting_system_authentication_failure"


def test_rate_limit_wording_wins_over_403(engine: failreason.Engine) -> None:
    """A rate limit sent as 403 (MYOB) is a rate limit, not an authentication failure."""
    result = engine.classify(anonymous("erp-121"))
    assert result.failure_reason.startswith("API key has exceeded the daily rate limit")


def test_receipt_download_is_pleos_whatever_the_system(engine: failreason.Engine) -> None:
    """A receipt comes from Pleo, so no system pack decides a download failure."""
    raw = {
        "system": "quickbooks_online",
        "stage": "receipt_download",
        "status": 403,
        "code": "3001",
    }
    result = engine.classify(raw)
    assert (result.rule_id, result.failure_reason_type) == (
        "generic.receipt-download",
        "receipt_download_failure",
    )
