"""The Uniconta pack: ErrorCodes names wherever a connector puts them, and their precedence."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import failreason

ENGINE = failreason.load()

NO_RIGHTS_SENTENCE = (
    "Uniconta refused the request: the integration's Uniconta user has no rights to do this "
    "(NoRights). Give the user access to the company and its journals in Uniconta."
)
JOURNAL_SENTENCE = (
    "Uniconta did not post the journal: one of its lines has an error (ErrorInJournal). Open "
    "the journal in Uniconta and use Check journal to see which line and why, then export again."
)


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        pytest.param({"Err": "ErrorInJournal"}, ("ErrorInJournal",), id="posting-result-err"),
        pytest.param({"LastError": "NoRights"}, ("NoRights",), id="api-last-error"),
        pytest.param(
            json.dumps({"Err": "AccountIsMissing", "JournalPostedlId": 0}),
            ("AccountIsMissing",),
            id="serialised-as-text",
        ),
        pytest.param(
            {"Err": "FileIsTooBig", "LastError": "NoRights"},
            ("FileIsTooBig", "NoRights"),
            id="both-fields-in-order",
        ),
    ],
)
def test_profile_reads_the_result_fields_as_codes(body: object, codes: tuple[str, ...]) -> None:
    """A serialised PostingResult's Err and an API's LastError are the error's codes."""
    assert ENGINE.signal({"system": "uniconta", "body": body}).codes == codes


def test_odata_host_names_the_system() -> None:
    """An httpx answer from Uniconta's OData service is read with the Uniconta pack."""
    request = httpx.Request("GET", "https://odata.uniconta.com/odata/12345/GLAccountClient")
    response = httpx.Response(400, json={"LastError": "NoRights"}, request=request)
    assert ENGINE.signal(response).system == "uniconta"
    assert ENGINE.classify(response).rule_id == "uniconta.no-rights"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"code": "NoRights"}, id="code"),
        pytest.param({"message": "NoRights"}, id="exception-message"),
        pytest.param({"message": "Insert failed with NoRights"}, id="inside-connector-words"),
        pytest.param({"body": {"Err": "NoRights"}}, id="result-field"),
    ],
)
def test_a_bare_name_becomes_a_sentence(raw: dict[str, Any]) -> None:
    """Wherever the name stands, a reason made only of it is replaced by what to do."""
    result = ENGINE.classify({"system": "uniconta", "stage": "entry", **raw})
    assert (result.rule_id, result.failure_reason) == ("uniconta.no-rights", NO_RIGHTS_SENTENCE)


def test_the_clients_own_text_is_passed_on() -> None:
    """With the code, a translated sentence from the client is the reason, as the seed asks."""
    result = ENGINE.classify(
        {"system": "uniconta", "code": "NoRights", "message": "Du har ikke adgang til kladden"}
    )
    assert result.rule_id == "uniconta.no-rights"
    assert result.failure_reason == "Du har ikke adgang til kladden"


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("NoRightsToInsert", id="longer-identifier"),
        pytest.param("The user has no rights field set", id="words-not-the-name"),
        pytest.param("AccountIsMissingOnOffer", id="suffixed"),
    ],
)
def test_a_name_inside_a_longer_identifier_is_not_that_code(message: str) -> None:
    """The names are matched whole: a longer identifier is another thing."""
    result = ENGINE.classify({"system": "uniconta", "message": message})
    assert not result.rule_id.startswith("uniconta.")


@pytest.mark.parametrize(
    ("body", "rule_id"),
    [
        pytest.param(
            {"Err": "ErrorInJournal", "LastError": "NoRights"},
            "uniconta.no-rights",
            id="rights-over-the-journal",
        ),
        pytest.param(
            {"Err": "AccountIsMissing", "LastError": "FileIsTooBig"},
            "uniconta.file-too-big",
            id="file-size-over-the-account",
        ),
        pytest.param(
            {"Err": "AccountIsMissing", "LastError": "ErrorInJournal"},
            "uniconta.error-in-journal",
            id="journal-over-the-account",
        ),
        pytest.param(
            {"Err": "NoSubscription", "LastError": "UserOrPasswordIsWrong"},
            "uniconta.login-refused",
            id="credentials-over-the-subscription",
        ),
    ],
)
def test_precedence_between_codes_of_one_answer(body: dict[str, str], rule_id: str) -> None:
    """Credentials, then rights and subscription, then the file, the journal, the account."""
    assert ENGINE.classify({"system": "uniconta", "stage": "entry", "body": body}).rule_id == (
        rule_id
    )


@pytest.mark.parametrize(
    ("stage", "rule_id", "failure_type"),
    [
        pytest.param(
            "entry", "uniconta.file-too-big", "receipt_file_size_limit_exceeded", id="entry"
        ),
        pytest.param(
            "receipt_upload",
            "uniconta.file-too-big",
            "receipt_file_size_limit_exceeded",
            id="receipt-upload",
        ),
        pytest.param(
            "receipt_download",
            "generic.receipt-download",
            "receipt_download_failure",
            id="download-is-pleo-side",
        ),
    ],
)
def test_file_too_big_applies_where_the_voucher_is_sent(
    stage: str, rule_id: str, failure_type: str
) -> None:
    """FileIsTooBig is the receipt's size while posting or attaching, never on Pleo's side."""
    result = ENGINE.classify({"system": "uniconta", "stage": stage, "code": "FileIsTooBig"})
    assert (result.rule_id, result.failure_reason_type) == (rule_id, failure_type)


def test_rights_refused_while_attaching_stay_a_credentials_problem() -> None:
    """NoRights at receipt upload is the user's rights, not a failed attachment."""
    result = ENGINE.classify({"system": "uniconta", "stage": "receipt_upload", "code": "NoRights"})
    assert result.failure_reason_type == "accounting_system_authentication_failure"
    assert result.failure_reason == NO_RIGHTS_SENTENCE


def test_the_journals_error_is_passed_through_not_retried() -> None:
    """ErrorInJournal is the entry's own problem: a validation failure, not retryable."""
    result = ENGINE.classify({"system": "uniconta", "code": "ErrorInJournal"})
    assert (result.failure_reason_type, result.retryable) == (
        "accounting_system_validation_failure",
        False,
    )
    assert result.failure_reason == JOURNAL_SENTENCE


@pytest.mark.parametrize(
    "code",
    ["CouldNotFind", "KeyExists", "FieldCannotBeBlank", "InvoiceNumberMissing", "NoSucces"],
)
def test_codes_without_a_pleo_reason_of_their_own_fall_through(code: str) -> None:
    """Names that do not say which object failed are passed on by the fallback."""
    result = ENGINE.classify({"system": "uniconta", "stage": "entry", "code": code})
    assert (result.rule_id, result.failure_reason_type) == (
        "fallback",
        "accounting_system_validation_failure",
    )


def test_another_systems_code_of_the_same_name_is_not_uniconta() -> None:
    """The pack reads Uniconta's answers only: NoRights from another system is not its rule."""
    result = ENGINE.classify({"system": "dinero", "code": "NoRights"})
    assert not result.rule_id.startswith("uniconta.")
