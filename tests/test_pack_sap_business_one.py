"""SAP Business One pack: both Service Layer body shapes, field tags, and what it leaves."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

ENGINE = failreason.load()

VENDOR_REASON = (
    "Selected vendor cannot be processed because it does not exist or is currently blocked. "
    "Please verify the vendor's status in the accounting system and try again."
)


def v1(code: int, value: str) -> dict[str, Any]:
    """A Service Layer error body before 10.00.210: the message under message.value."""
    return {"error": {"code": code, "message": {"lang": "en-us", "value": value}}}


def v2(code: str, message: str) -> dict[str, Any]:
    """A Service Layer error body from 10.00.210 on: a string code and a plain message."""
    return {"error": {"code": code, "details": [{"code": "", "message": ""}], "message": message}}


def classify(body: dict[str, Any], status: int = 400, stage: str = "entry") -> Any:
    return ENGINE.classify(
        {"system": "sap_business_one", "stage": stage, "status": status, "body": body}
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(v1(-10, "Invalid BP code [OPCH.CardCode] , 'V30100'"), id="message-value"),
        pytest.param(v2("-10", "Invalid BP code [OPCH.CardCode] , 'V30100'"), id="plain-message"),
    ],
)
def test_profile_reads_both_service_layer_shapes(body: dict[str, Any]) -> None:
    """The message and the DI code are read whether message is an object or a string."""
    signal = ENGINE.signal({"system": "sap_business_one", "status": 400, "body": body})
    assert signal.messages == ("Invalid BP code [OPCH.CardCode] , 'V30100'",)
    assert signal.codes == ("-10",)


def test_empty_details_of_the_new_shape_add_no_message() -> None:
    """The details array of 10.00.210, empty strings, adds nothing to the message read."""
    signal = ENGINE.signal(
        {"system": "sap_business_one", "status": 404, "body": v2("-2028", "Data not found")}
    )
    assert signal.messages == ("Data not found",)


@pytest.mark.parametrize(
    ("value", "rule", "reason"),
    [
        pytest.param(
            "[OPCH.CardCode] , 'No matching records found (ODBC -2028)'",
            "sap_business_one.vendor-unknown",
            VENDOR_REASON,
            id="cardcode-is-the-vendor",
        ),
        pytest.param(
            "[JDT1.Account][line: 3] , 'No matching records found (ODBC -2028)'",
            "sap_business_one.account-unknown",
            "An account used on this entry does not exist in the Accounting System. Check "
            "Category. [JDT1.Account][line: 3] , 'No matching records found (ODBC -2028)'",
            id="account-is-the-gl-account",
        ),
        pytest.param(
            "[JDT1.VatGroup][line: 1] , 'No matching records found (ODBC -2028)'",
            "sap_business_one.tax-code-unknown",
            "A tax code used on this entry does not exist in the Accounting System: "
            "[JDT1.VatGroup][line: 1] , 'No matching records found (ODBC -2028)'",
            id="vatgroup-is-the-tax-code",
        ),
        pytest.param(
            "[DocumentLines.CostingCode3][line: 0] , 'No matching records found (ODBC -2028)'",
            "sap_business_one.dimension-unknown",
            "A tag used on this entry does not exist on the Accounting System. Check the Tag. "
            "[DocumentLines.CostingCode3][line: 0] , 'No matching records found (ODBC -2028)'",
            id="service-layer-property-costingcode-is-a-tag",
        ),
    ],
)
def test_not_found_is_read_by_the_field_it_names(value: str, rule: str, reason: str) -> None:
    """One SAP wording, -2028 No matching records found, goes to the object its field tag names."""
    result = classify(v1(-2028, value), status=404)
    assert (result.rule_id, result.failure_reason) == (rule, reason)


@pytest.mark.parametrize(
    ("tag", "rule"),
    [
        pytest.param("[OPCH.CardCode]", "sap_business_one.vendor-unknown", id="vendor"),
        pytest.param("[JDT1.Account][line: 1]", "sap_business_one.account-unknown", id="account"),
        pytest.param(
            "[PCH1.VatGroup][line: 1]", "sap_business_one.tax-code-unknown", id="tax-code"
        ),
        pytest.param("[JDT1.ProfitCode][line: 2]", "sap_business_one.dimension-unknown", id="tag"),
    ],
)
def test_code_2028_and_the_field_decide_in_any_language(tag: str, rule: str) -> None:
    """A -2028 in the session's language is read by its code and field, not its words."""
    body = {
        "error": {
            "code": -2028,
            "message": {"lang": "de-de", "value": f"{tag} , 'Keine Datensätze gefunden'"},
        }
    }
    assert classify(body, status=404).rule_id == rule


def test_a_field_tag_under_another_code_needs_the_words() -> None:
    """-5002 on a CardCode can be any refusal (a too long value): the tag alone is not enough."""
    result = classify(v1(-5002, "Wert zu lang [OPCH.CardCode]"))
    assert result.failure_reason_type != "vendor_unknown"


def test_not_found_without_a_field_falls_through() -> None:
    """-2028 with no field tag could be any master record: the message is passed on."""
    result = classify(v1(-2028, "No matching records found (ODBC -2028)"), status=404)
    assert result.rule_id == "fallback"
    assert result.failure_reason == "No matching records found (ODBC -2028)"


def test_payment_terms_not_found_is_no_vendor_or_account() -> None:
    """KBA 2693418's own -2028 example names the payment terms: no pack rule claims it."""
    result = classify(v1(-2028, '[OINV.GroupNum] , "No matching records found (ODBC -2028)"'))
    assert result.failure_reason_type == "accounting_system_validation_failure"
    assert not result.rule_id.startswith("sap_business_one.")


def test_quoted_value_after_the_tag_is_captured_not_the_quoted_message() -> None:
    """The value SAP quotes after the field is the identifier; a quoted message never is."""
    named = classify(v1(-5002, "Invalid account code [JDT1.Account][line: 1] , '6100'"))
    assert named.captures == {"account": "6100"}
    unnamed = classify(v1(-2028, "[JDT1.Account][line: 1] , 'No matching records found'"))
    assert "account" not in unnamed.captures


def test_vendor_is_reported_before_the_account_of_the_same_body() -> None:
    """With the vendor and an account both refused, the vendor decides (priority 3 over 2)."""
    body = v2(
        "-10",
        "G/L account is not valid [PCH1.AcctCode][line:1]\n"
        "Invalid BP code [OPCH.CardCode] , 'V30100'",
    )
    assert classify(body).rule_id == "sap_business_one.vendor-unknown"


def test_closed_period_wins_over_the_vendor() -> None:
    """A locked period is passed through even when the same body names a vendor problem."""
    body = v2(
        "-10",
        "Posting period locked; specify an alternative date\n"
        "Invalid BP code [OPCH.CardCode] , 'V30100'",
    )
    assert classify(body).rule_id == "sap_business_one.posting-period-closed"


def test_session_code_decides_whatever_the_language() -> None:
    """Code 301 is a lost session even when the message is in the user's language."""
    result = classify(v1(301, "Sesión no válida o la sesión ya ha expirado."), status=401)
    assert result.rule_id == "sap_business_one.session-refused"
    assert result.failure_reason_type == "accounting_system_authentication_failure"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("10001071 - Customer C20000 is inactive", id="customer-inactive"),
        pytest.param("10001069 - Item A00042 is inactive", id="item-inactive"),
        pytest.param(
            "Base document card and target document card do not match [OPCH.CardCode]",
            id="cardcode-mismatch-is-no-unknown-vendor",
        ),
    ],
)
def test_other_inactive_or_mismatched_records_are_no_vendor(value: str) -> None:
    """Customers, items and card mismatches are SAP's to explain, not an unknown vendor."""
    assert classify(v1(-10, value)).failure_reason_type != "vendor_unknown"


def test_configuration_rules_stay_out_of_receipt_upload() -> None:
    """While a receipt is attached, an account message is the generic receipt rules' to read."""
    result = classify(
        v1(-10, "G/L account is not valid [VPM4.AcctCode][line:1]"), stage="receipt_upload"
    )
    assert not result.rule_id.startswith("sap_business_one.")
