"""Packs built from documented catalogues: where each reads its message, and what it leaves."""

from __future__ import annotations

from typing import Any

import pytest

import failreason

ENGINE = failreason.load()

QBXML_TWO_RESPONSES = (
    "<?xml version='1.0' ?><QBXML><QBXMLMsgsRs>"
    "<BillAddRs requestID='1' statusCode='3140' statusSeverity='Error' "
    "statusMessage='There is an invalid reference to QuickBooks Vendor &quot;Acme&quot; "
    "in the Bill.'/>"
    "<CheckAddRs requestID='2' statusCode='0' statusSeverity='Info' statusMessage='Status OK'/>"
    "</QBXMLMsgsRs></QBXML>"
)

NETVISOR_FAILED = (
    "<Root><ResponseStatus><Status>FAILED</Status>"
    "<Status>INVALID_DATA :: Data form incorrect:. XML message validation failed: "
    "Could not validate xml"
    "</Status><TimeStamp>01.01.2018 12:00:00</TimeStamp></ResponseStatus></Root>"
)

SDATA_NOT_FOUND = (
    "<sdata:diagnoses xmlns:sdata='http://schemas.sage.com/sdata/2008/1'><sdata:diagnosis>"
    "<sdata:severity>error</sdata:severity><sdata:sdataCode>ResourceKindNotFound</sdata:sdataCode>"
    "<sdata:applicationCode/><sdata:message>Unable to locate the specified object "
    "'accounts50/GCRM/-'</sdata:message><sdata:stackTrace/><sdata:payloadPath/>"
    "</sdata:diagnosis></sdata:diagnoses>"
)

D365_CUSTOMER_GROUP_MESSAGE = (
    "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: "
    "The value 'TESTIFY202' in field 'Customer group' is not found in the related "
    "table 'Customer groups'."
)

D365_CUSTOMER_GROUP = {
    "error": {
        "code": "",
        "message": "An error has occurred.",
        "innererror": {
            "message": D365_CUSTOMER_GROUP_MESSAGE,
            "type": "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException",
        },
    }
}

EXTRACTION_CASES = [
    pytest.param(
        {
            "system": "dinero",
            "status": 400,
            "body": {
                "code": 42,
                "message": "Validation Error",
                "languageSpecificMessages": [
                    {"property": "Lines[0].AccountNumber", "message": "Konto 9999 findes ikke"}
                ],
            },
        },
        ("Konto 9999 findes ikke",),
        ("42",),
        id="dinero-property-message-over-the-wrapper",
    ),
    pytest.param(
        {"system": "quickbooks_desktop", "body": QBXML_TWO_RESPONSES},
        ('There is an invalid reference to QuickBooks Vendor "Acme" in the Bill.',),
        ("3140",),
        id="qbxml-first-status-attribute-of-any-response-element",
    ),
    pytest.param(
        {"system": "netvisor", "status": 200, "body": NETVISOR_FAILED},
        (
            "INVALID_DATA :: Data form incorrect:. XML message validation failed: "
            "Could not validate xml",
        ),
        (),
        id="netvisor-second-status-without-failed-or-timestamp",
    ),
    pytest.param(
        {
            "system": "procountor",
            "status": 400,
            "body": {
                "errors": [
                    {"status": 400, "field": "partnerId", "message": "ERROR_BRN_CODE"},
                    {"status": 400, "field": "date", "message": "CLOSED_FISCAL_PERIOD"},
                ]
            },
        },
        ("ERROR_BRN_CODE", "CLOSED_FISCAL_PERIOD"),
        ("ERROR_BRN_CODE", "CLOSED_FISCAL_PERIOD"),
        id="procountor-every-validation-code-is-message-and-code",
    ),
    pytest.param(
        {"system": "sage_50", "status": 404, "body": SDATA_NOT_FOUND},
        ("Unable to locate the specified object 'accounts50/GCRM/-'",),
        ("ResourceKindNotFound",),
        id="sage-50-sdata-diagnosis-inside-diagnoses",
    ),
    pytest.param(
        {"system": "dynamics_365_finance", "status": 400, "body": D365_CUSTOMER_GROUP},
        (D365_CUSTOMER_GROUP_MESSAGE,),
        ("Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException",),
        id="d365-finance-inner-error-over-the-wrapper",
    ),
]


@pytest.mark.parametrize(("raw", "messages", "codes"), EXTRACTION_CASES)
def test_profile_reads_the_documented_shape(
    raw: dict[str, Any], messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """Each profile takes the message and code where the system's documentation puts them."""
    signal = ENGINE.signal(raw)
    assert (signal.messages, signal.codes) == (messages, codes)


TIMESTAMP_OUT_OF_DATE = {"code": 58, "message": "Timestamp out of date"}

NEAR_MISSES = [
    # (raw error, a rule that must not decide it, the type it gets instead)
    pytest.param(
        {"system": "dinero", "stage": "validation", "status": 413, "code": "attachment_too_large"},
        "dinero.file-too-large",
        "receipt_file_size_limit_exceeded",
        id="dinero-413-at-validation-is-the-connectors-own-code",
    ),
    pytest.param(
        {"system": "dinero", "status": 400, "body": {"code": 48, "message": "Invalid format"}},
        "dinero.no-pro-subscription",
        "accounting_system_validation_failure",
        id="dinero-code-48-under-a-400-is-no-licence-problem",
    ),
    pytest.param(
        {"system": "dinero", "status": 400, "body": TIMESTAMP_OUT_OF_DATE},
        "dinero.accounting-year-missing",
        "accounting_system_validation_failure",
        id="dinero-outdated-timestamp-is-not-a-missing-year",
    ),
    pytest.param(
        {
            "system": "quickbooks_desktop",
            "code": "3140",
            "message": 'There is an invalid reference to QuickBooks Customer "Jones" in the Bill.',
        },
        "quickbooks_desktop.vendor-unknown",
        "accounting_system_validation_failure",
        id="qbxml-customer-reference-is-not-the-vendor",
    ),
    pytest.param(
        {
            "system": "quickbooks_desktop",
            "code": "3140",
            "message": (
                'There is an invalid reference to QuickBooks Item "Tax On Sale" '
                "in the SalesReceipt line."
            ),
        },
        "quickbooks_desktop.tax-code-unknown",
        "accounting_system_validation_failure",
        id="qbxml-tax-item-on-a-sale-is-not-a-tax-code",
    ),
    pytest.param(
        {
            "system": "quickbooks_desktop",
            "code": "3100",
            "message": 'The name "Acme Supplies" of the list element is already in use.',
        },
        "quickbooks_desktop.vendor-unknown",
        "accounting_system_validation_failure",
        id="qbxml-name-in-use-is-no-unknown-vendor",
    ),
    pytest.param(
        {"system": "quickbooks_desktop", "stage": "receipt_download", "code": "0x80040408"},
        "quickbooks_desktop.session-unavailable",
        "receipt_download_failure",
        id="qbxml-receipt-download-talks-to-pleo",
    ),
    pytest.param(
        {"system": "netvisor", "status": 200, "body": NETVISOR_FAILED},
        "netvisor.access",
        "accounting_system_validation_failure",
        id="netvisor-invalid-data-is-no-credentials-problem",
    ),
    pytest.param(
        {
            "system": "netvisor",
            "status": 200,
            "body": (
                "<Root><ResponseStatus><Status>FAILED</Status><Status>DUPLICATE_DATA :: "
                "Voucher already exists, PERIOD_LOCK checked</Status></ResponseStatus></Root>"
            ),
        },
        "netvisor.period-lock",
        "accounting_system_validation_failure",
        id="netvisor-category-only-counts-at-the-start",
    ),
    pytest.param(
        {
            "system": "procountor",
            "status": 400,
            "body": {
                "errors": [{"status": 400, "field": "partnerId", "message": "ERROR_BRN_CODE"}]
            },
        },
        "procountor.account-vat-combination",
        "accounting_system_validation_failure",
        id="procountor-business-id-code-is-no-account-problem",
    ),
    pytest.param(
        {
            "system": "procountor",
            "stage": "receipt_upload",
            "status": 400,
            "body": {"errors": [{"status": 400, "message": "CLOSED_FISCAL_PERIOD"}]},
        },
        "procountor.closed-fiscal-period",
        "receipt_upload_failure",
        id="procountor-attachment-refusal-stays-a-receipt-failure",
    ),
    pytest.param(
        {"system": "sage_50", "status": 404, "body": SDATA_NOT_FOUND},
        "sage_50.sdata-unavailable",
        "accounting_system_validation_failure",
        id="sage-50-wrong-resource-kind-is-no-outage",
    ),
    pytest.param(
        {"system": "dynamics_365_finance", "status": 400, "body": D365_CUSTOMER_GROUP},
        "dynamics_365_finance.vendor-unknown",
        "accounting_system_validation_failure",
        id="d365-finance-customer-group-is-no-vendor",
    ),
]


@pytest.mark.parametrize(("raw", "rule_id", "expected_type"), NEAR_MISSES)
def test_pack_rule_leaves_a_near_miss_alone(
    raw: dict[str, Any], rule_id: str, expected_type: str
) -> None:
    """A pack rule does not take an error that only resembles the one it documents."""
    result = ENGINE.classify(raw)
    assert result.rule_id != rule_id
    assert result.failure_reason_type == expected_type
