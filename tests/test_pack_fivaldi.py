"""Fivaldi's pack: the voucher import's numbered codes and the API's three error shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()


def _fivaldi(status: int, body: object) -> dict[str, Any]:
    return {"system": "fivaldi", "stage": "entry", "status": status, "body": body}


def _voucher_import(*codes: tuple[int, str]) -> dict[str, Any]:
    errors = [{"errorCode": number, "message": name} for number, name in codes]
    return _fivaldi(400, {"message": "ERROR_IMPORT_VOUCHERS", "errors": errors})


EXTRACTION_CASES = [
    pytest.param(
        _voucher_import((35, "VAT_CODE_NOT_EXIST"), (43, "INVALID_DIMENSION")),
        ("VAT_CODE_NOT_EXIST", "INVALID_DIMENSION"),
        ("35", "43"),
        id="voucher-import-error-code-list",
    ),
    pytest.param(
        _fivaldi(
            409,
            {
                "status": "CONFLICT",
                "message": "Ostolaskua 1234 ei voitu päivittää",
                "errors": ["Laskulla on jo hyväksyntä", "Laskun tila ei salli muutosta"],
            },
        ),
        ("Laskulla on jo hyväksyntä", "Laskun tila ei salli muutosta"),
        (),
        id="purchase-invoice-strings-before-the-top-level-message",
    ),
    pytest.param(
        _fivaldi(
            400,
            {
                "status": "ERROR",
                "httpResponseCode": "400",
                "errors": [{"code": "E1002", "fieldName": "ssn", "errorMsg": "Invalid format"}],
            },
        ),
        ("Invalid format",),
        ("E1002",),
        id="general-response-envelope",
    ),
    pytest.param(
        _fivaldi(404, {"status": "NOT_FOUND", "message": "Company not found"}),
        ("Company not found",),
        (),
        id="api-error-top-level-message",
    ),
]


@pytest.mark.parametrize(("raw", "messages", "codes"), EXTRACTION_CASES)
def test_profile_reads_each_documented_shape(
    raw: dict[str, Any], messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """Messages and codes come from wherever Fivaldi's schemas put them."""
    signal = ENGINE.signal(raw)
    assert (signal.messages, signal.codes) == (messages, codes)


def test_fivaldi_host_names_the_system() -> None:
    """A response from the Customer API is read with Fivaldi's pack."""
    request = httpx.Request(
        "POST", "https://api.fivaldi.net/customer/api/companies/X/bookkeeping/vouchers"
    )
    response = httpx.Response(
        400, json={"errors": [{"errorCode": 43, "message": "INVALID_DIMENSION"}]}, request=request
    )
    assert ENGINE.signal(response).system == "fivaldi"
    assert ENGINE.classify(response, stage="entry").rule_id == "fivaldi.dimension-invalid"


@pytest.mark.parametrize(
    ("codes", "rule_id"),
    [
        pytest.param(
            ((35, "VAT_CODE_NOT_EXIST"), (45, "INVALID_VOUCHER_MONTH")),
            "fivaldi.voucher-month-closed",
            id="closed-month-over-vat-code",
        ),
        pytest.param(
            ((43, "INVALID_DIMENSION"), (46, "INVALID_VOUCHER_FISCAL_YEAR")),
            "fivaldi.fiscal-year-closed",
            id="closed-year-over-dimension",
        ),
        pytest.param(
            ((43, "INVALID_DIMENSION"), (42, "INVALID_ACCOUNT")),
            "fivaldi.account-invalid",
            id="account-over-dimension",
        ),
        pytest.param(
            ((34, "INVALID_VAT_TYPE"), (35, "VAT_CODE_NOT_EXIST")),
            "fivaldi.vat-code-unknown",
            id="vat-code-over-vat-type",
        ),
    ],
)
def test_several_codes_decide_by_the_packs_precedence(
    codes: tuple[tuple[int, str], ...], rule_id: str
) -> None:
    """With several errors, a period that is not open wins, then VAT, account, dimension."""
    assert ENGINE.classify(_voucher_import(*codes)).rule_id == rule_id


def test_code_is_read_without_its_name() -> None:
    """The number alone keys the rule: the message wording is not documented."""
    raw = _fivaldi(400, {"errors": [{"errorCode": 35, "message": "ALV-koodia ei löydy"}]})
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason_type) == (
        "fivaldi.vat-code-unknown",
        "invalid_configuration",
    )


def test_accounting_type_code_is_not_taken_for_an_account() -> None:
    """INVALID_ACCOUNTING_TYPE_MISMATCH is the request's accounting type, not a GL account."""
    result = ENGINE.classify(_voucher_import((23, "INVALID_ACCOUNTING_TYPE_MISMATCH")))
    assert (result.rule_id, result.failure_reason_type) == (
        "fivaldi.request-mismatch",
        "accounting_system_validation_failure",
    )


@pytest.mark.parametrize(
    ("raw", "rule_id", "expected_type"),
    [
        pytest.param(
            _fivaldi(404, {"status": "NOT_FOUND", "message": "Company 35 not found"}),
            "fallback",
            "accounting_system_validation_failure",
            id="number-in-a-message-is-no-code",
        ),
        pytest.param(
            _fivaldi(401, ""),
            "generic.authentication",
            "accounting_system_authentication_failure",
            id="unsigned-or-badly-signed-request",
        ),
        pytest.param(
            _fivaldi(429, ""),
            "generic.rate-limit",
            "accounting_system_rate_limit",
            id="over-the-burst-capacity",
        ),
        pytest.param(
            _voucher_import((44, "INVALID_VOUCHER_NUMBER")),
            "fallback",
            "accounting_system_validation_failure",
            id="voucher-number-passed-on",
        ),
    ],
)
def test_errors_outside_the_mapped_codes_fall_through(
    raw: dict[str, Any], rule_id: str, expected_type: str
) -> None:
    """Statuses without a documented body and unmapped codes are left to other rules."""
    result = ENGINE.classify(raw)
    assert (result.rule_id, result.failure_reason_type) == (rule_id, expected_type)
