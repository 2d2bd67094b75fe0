"""Pulling the accounting system's message(s) and error code(s) out of parsed bodies."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path as FilePath
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from failreason._body import parse_body
from failreason._clean import join_messages
from failreason._extract import (
    GENERIC,
    ErrorSource,
    Extracted,
    Profile,
    extract,
    load_profile,
)
from failreason._paths import compile_path

ROOT = FilePath(__file__).parents[1]
SAMPLES = FilePath(__file__).parent / "samples"
PROFILED_SYSTEMS = [
    "xero",
    "quickbooks_online",
    "netsuite",
    "business_central",
    "fortnox",
    "economic",
    "exact_online",
    "sage_intacct",
    "myob",
    "odoo",
    "tripletex",
    "twinfield",
    "visma_eaccounting",
    "sage_accounting",
    "datev",
]


@cache
def profiles() -> dict[str, Profile]:
    """The profiles in rules/<system>.yaml, as the engine loads them."""
    loaded = {}
    for system in PROFILED_SYSTEMS:
        document = yaml.safe_load((ROOT / "rules" / f"{system}.yaml").read_text(encoding="utf-8"))
        loaded[system] = load_profile(document["extract"], system=document["system"])
    return loaded


def run(body: object, system: str | None = None, *extra: str) -> Extracted:
    return extract(parse_body(body), profiles()[system] if system else None, extra)


def source(path: str, message: tuple[str, ...] = (), code: tuple[str, ...] = ()) -> ErrorSource:
    return ErrorSource(
        compile_path(path),
        tuple(compile_path(p) for p in message),
        tuple(compile_path(p) for p in code),
    )


# --- profile sources ----------------------------------------------------------------------


def test_first_source_with_a_message_wins() -> None:
    """Xero's specific validation messages beat its generic top-level one."""
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": "Account must be valid."}]}],
    }
    assert run(body, "xero") == Extracted(
        ("Account must be valid.",), ("10", "ValidationException")
    )


def test_codes_come_from_every_source() -> None:
    """A later source still contributes its codes."""
    profile = Profile("x", (source("a", ("m",)), source("", (), ("code",))))
    assert extract(parse_body({"a": {"m": "Boom"}, "code": 7}), profile).codes == ("7",)


def test_part_repeated_in_another_part_is_dropped() -> None:
    """QuickBooks' Message inside its Detail leaves just the Detail."""
    body = {
        "Fault": {
            "Error": [{"Message": "Object Not Found", "Detail": "Object Not Found : Account 12"}]
        }
    }
    assert run(body, "quickbooks_online").messages == ("Object Not Found : Account 12",)


def test_parts_are_joined() -> None:
    """Different parts of one error form one message."""
    body = {
        "Fault": {"Error": [{"Message": "Invalid Company Status", "Detail": "Subscription ended."}]}
    }
    assert run(body, "quickbooks_online").messages == (
        "Invalid Company Status; Subscription ended.",
    )


def test_reason_phrase_part_gives_way() -> None:
    """A bare "Unauthorized" next to a detail is dropped."""
    profile = Profile("x", (source("", ("Title", "Detail")),))
    parsed = parse_body({"Title": "Unauthorized", "Detail": "TokenExpired"})
    assert extract(parsed, profile).messages == ("TokenExpired",)


def test_wrapper_message_falls_through_to_the_walk() -> None:
    """e-conomic's "Validation failed" gives way to the nested specific messages."""
    body = {
        "message": "Validation failed. 1 error found.",
        "errorCode": "E04300",
        "errors": {
            "customer": {
                "errors": [{"errorMessage": "Customer '1' not found.", "errorCode": "E07180"}]
            }
        },
    }
    assert run(body, "economic") == Extracted(("Customer '1' not found.",), ("E04300",))


def test_only_wrappers_still_give_a_message() -> None:
    """When nothing specific exists, the generic message is kept."""
    body = {
        "error": {
            "code": 200,
            "message": "Odoo Server Error",
            "data": {"name": "odoo.exceptions.AccessDenied"},
        }
    }
    assert run(body, "odoo") == Extracted(("Odoo Server Error",), ("odoo.exceptions.AccessDenied",))


def test_source_is_found_wherever_it_sits() -> None:
    """Sage Intacct errors nested under operation/result are reached by errormessage.error[]."""
    body = (
        "<response><control><status>success</status></control><operation><result>"
        "<status>failure</status><errormessage><error><errorno>BL01001973</errorno>"
        "<description></description><description2>Invalid Project '10064' specified.</description2>"
        "<correction></correction></error></errormessage></result></operation></response>"
    )
    assert run(body, "sage_intacct") == Extracted(
        ("Invalid Project '10064' specified.",), ("BL01001973",)
    )


def test_xml_element_text_is_read_through_attributes() -> None:
    """Exact Online's <message xml:lang="..">text</message> gives its text."""
    body = '<error><code>ERR</code><message xml:lang="nl">Ongeldig: Dagboek</message></error>'
    assert run(body, "exact_online") == Extracted(("Ongeldig: Dagboek",), ("ERR",))


def test_lowercase_quickbooks_fault() -> None:
    """QuickBooks' lower-case ``fault.error`` matches the profile too."""
    body = {
        "fault": {"error": [{"message": "AuthorizationFailed", "code": "3100"}], "type": "SERVICE"}
    }
    assert run(body, "quickbooks_online") == Extracted(
        ("AuthorizationFailed",), ("3100", "SERVICE")
    )


# --- the generic walk -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "messages", "codes"),
    [
        pytest.param(
            {"error": "invalid_grant", "error_description": "Refresh token expired"},
            ("Refresh token expired",),
            ("invalid_grant",),
            id="oauth",
        ),
        pytest.param(
            {"error": "Account not found"}, ("Account not found",), (), id="error-sentence"
        ),
        pytest.param(
            {"o:errorDetails": [{"detail": "Invalid login.", "o:errorCode": "INVALID_LOGIN"}]},
            ("Invalid login.",),
            ("INVALID_LOGIN",),
            id="prefixed-keys",
        ),
        pytest.param(
            [{"$message": "Couldn't find Supplier.", "$dataCode": "RecordInvalid"}],
            ("Couldn't find Supplier.",),
            ("RecordInvalid",),
            id="dollar-keys",
        ),
        pytest.param(
            {"errorno": "UJPP0002", "description2": "Sign-in failed."},
            ("Sign-in failed.",),
            ("UJPP0002",),
            id="trailing-digits",
        ),
        pytest.param(
            {"error": {"message": {"lang": "", "value": "Binding failed."}}},
            ("Binding failed.",),
            (),
            id="value-under-message",
        ),
        pytest.param(
            {"value": "not a message", "text": "nor this"},
            ("not a message; nor this",),
            (),
            id="value-alone-is-only-text",
        ),
        pytest.param(
            {"title": "Not Found", "detail": "No such invoice."},
            ("No such invoice.",),
            (),
            id="detail-beats-title",
        ),
        pytest.param({"title": "Invoice locked"}, ("Invoice locked",), (), id="title-alone"),
        pytest.param(
            {"Code": "AccessDenied", "Message": "Request has expired", "RequestId": "9551"},
            ("Request has expired",),
            ("AccessDenied",),
            id="s3",
        ),
        pytest.param({"ErrorCode": 4032}, ("ErrorCode: 4032",), ("4032",), id="numeric-code"),
        pytest.param(
            {"message": "Bad Request", "providerMessage": "2500 - Invalid Reference Id"},
            ("2500 - Invalid Reference Id",),
            (),
            id="reason-phrase-dropped",
        ),
        pytest.param(
            {
                "Message": "Object Not Found",
                "errorMessage": "Details: Object Not Found : Check accounts",
            },
            ("Details: Object Not Found : Check accounts",),
            (),
            id="contained-dropped",
        ),
    ],
)
def test_generic_walk(body: object, messages: tuple[str, ...], codes: tuple[str, ...]) -> None:
    """Message-like and code-like keys are found without a profile."""
    assert extract(parse_body(body), None) == Extracted(messages, codes)


def test_no_profile_is_the_generic_profile() -> None:
    """``profile=None`` and GENERIC give the same result."""
    parsed = parse_body({"error": {"code": "X", "message": "Y"}})
    assert extract(parsed, None) == extract(parsed, GENERIC) == Extracted(("Y",), ("X",))


def test_tree_without_a_message_falls_back_to_its_text() -> None:
    """A body with only codes still yields a readable message."""
    body = {"ErrorName": "AccountNotFound", "ErrorCode": 3002}
    assert run(body, "visma_eaccounting").messages == ("AccountNotFound; ErrorCode: 3002",)


# --- text, HTML and extra messages -------------------------------------------------------------


def test_text_body_is_the_message() -> None:
    """Plain text is cleaned and used as it is."""
    assert run("  Bankuppgifter\n saknas ", "fortnox") == Extracted(("Bankuppgifter saknas",), ())


def test_html_prefers_title_and_headings() -> None:
    """An HTML error page gives its title and headings, not its navigation."""
    page = (
        "<html><title>We'll be back soon</title>"
        "<body><a>Status</a><p>Maintenance.</p></body></html>"
    )
    assert run(page).messages == ("We'll be back soon; Maintenance.",)


def test_empty_body_gives_no_message() -> None:
    """Nothing in, nothing out."""
    assert run(None) == Extracted((), ())


def test_extra_messages_come_first_and_are_deduplicated() -> None:
    """The connector's own message leads; case-insensitive repeats go."""
    found = run({"error": {"message": "Boom."}}, None, "Export failed", "boom.")
    assert found.messages == ("Export failed", "boom.")


def test_messages_are_cleaned() -> None:
    """Markup and odd whitespace are removed from extracted messages."""
    assert run({"message": "<b>Account</b>\n  missing"}).messages == ("Account missing",)


# --- loading profiles ---------------------------------------------------------------------------


def test_load_profile_from_the_extract_mapping() -> None:
    """The engine passes the ``extract:`` mapping and the system name."""
    profile = load_profile(
        {
            "hosts": ["API.Example.com"],
            "errors": [{"path": "Fault.Error[]", "message": ["Message"], "code": ["code"]}],
        },
        system="acme",
    )
    assert profile.system == "acme"
    assert profile.hosts == ("api.example.com",)
    assert profile.errors == (source("Fault.Error[]", ("Message",), ("code",)),)


def test_load_profile_from_a_whole_document() -> None:
    """A whole rule file (system + extract) loads too."""
    profile = load_profile({"system": "acme", "extract": {"errors": [{"path": ""}]}, "rules": []})
    assert (profile.system, profile.errors) == ("acme", (source(""),))


@pytest.mark.parametrize(
    ("errors", "where"),
    [
        pytest.param([{"path": "a..b"}], "extract.errors[0].path", id="path"),
        pytest.param(
            [{"path": "a"}, {"path": "b", "message": ["ok", "x y"]}],
            "extract.errors[1].message[1]",
            id="message",
        ),
        pytest.param([{"path": "a", "code": ["[x]"]}], "extract.errors[0].code[0]", id="code"),
    ],
)
def test_bad_path_is_named(errors: list[dict[str, Any]], where: str) -> None:
    """A path that does not compile raises ValueError naming where it is."""
    with pytest.raises(ValueError, match=re.escape(where)):
        load_profile({"errors": errors}, system="acme")


def test_profile_needs_a_system() -> None:
    """Without a system name there is no profile."""
    with pytest.raises(ValueError, match="system"):
        load_profile({"errors": [{"path": ""}]})


@pytest.mark.parametrize("system", PROFILED_SYSTEMS)
def test_rule_file_profile_loads(system: str) -> None:
    """Each system's rule file has a profile for that system, with hosts."""
    profile = profiles()[system]
    assert profile.system == system
    assert profile.errors
    assert profile.hosts


KEYS = st.sampled_from(
    [
        *("message", "Message", "error", "code", "detail", "Fault", "Error", "o:errorDetails"),
        *("$message", "errormessage", "description2", "value", "title", "@code", "#text", "x"),
    ]
)
TREES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


@given(TREES, st.sampled_from([None, *PROFILED_SYSTEMS]))
def test_any_tree_with_any_profile(tree: Any, system: str | None) -> None:
    """Extraction never raises; the connector's message leads; codes are non-empty strings."""
    found = run(tree, system, "Export failed")
    assert found.messages[0] == "Export failed"
    assert all(code and code == code.strip() for code in found.codes)


# --- the corpus ----------------------------------------------------------------------------------

TAG = re.compile(
    r"</?[A-Za-z][\w:.-]*(?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*\s*/?>"
)


@cache
def corpus() -> list[dict[str, Any]]:
    """Every labelled sample of tests/samples/erp-errors.dev.jsonl (a copy of shared/corpus)."""
    lines = (SAMPLES / "erp-errors.dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("row", corpus(), ids=lambda row: row["id"])
def test_every_corpus_body_gives_a_clean_message(row: dict[str, Any]) -> None:
    """Each real body yields a non-empty message, no longer than the body, free of markup."""
    body = row["input"]["body"]
    system = row["input"].get("system")
    found = run(body, system if system in PROFILED_SYSTEMS else None)
    message = join_messages(found.messages)
    original = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    assert message
    assert len(message) <= len(original)
    assert '{"' not in message
    assert not TAG.search(message), message


def load_sample(sample_id: str) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(
        (SAMPLES / "extract" / f"{sample_id}.json").read_text(encoding="utf-8")
    )
    return sample


@pytest.mark.parametrize(
    ("sample_id", "messages", "codes"),
    [
        pytest.param(
            "erp-000", ("Account must be valid.", "Tax rate must be valid."), (), id="xero-fragment"
        ),
        pytest.param("erp-011", ("AuthorizationUnsuccessful",), (), id="xero-guzzle-truncated"),
        pytest.param(
            "erp-012",
            ("rate limit exceeded; please wait before retrying the xero api",),
            ("rate limit exceeded",),
            id="xero-form",
        ),
        pytest.param(
            "erp-015",
            ("Contact Name cannot be empty.",),
            ("10", "ValidationException"),
            id="xero-xml-cut",
        ),
        pytest.param(
            "erp-027",
            (
                "Duplicate Name Exists Error; The name supplied already exists. : "
                "Another customer, vendor or employee is",
            ),
            ("6240", "ValidationFault"),
            id="quickbooks-xml-in-php-error",
        ),
        pytest.param(
            "erp-029",
            (
                "Object Not Found: Something you\u2019re trying to use has been made inactive. "
                "Check the fields with accounts.",
            ),
            ("610",),
            id="quickbooks-detail-repeats-message",
        ),
        pytest.param(
            "erp-047",
            (
                "Validation Exception was thrown.Details:Object Not Found : Something you're "
                "trying to use has been made inactive. Check the fields with accounts, "
                "customers, items, vendors or employees..",
            ),
            (),
            id="quickbooks-escaped-dotnet",
        ),
        pytest.param(
            "erp-056",
            (
                "Invalid login attempt. For more details, see the Login Audit Trail in the "
                "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
            ),
            ("INVALID_LOGIN",),
            id="netsuite-rest",
        ),
        pytest.param(
            "erp-119",
            ('Inköpskonto inte uppdaterat. Kontot "4000" existerar inte. (PurchaseAccount)',),
            (),
            id="fortnox-elided",
        ),
        pytest.param(
            "erp-130",
            (
                "Invalid Project '10064' specified. "
                "[Support ID: nHh88EB032~Y1JFVP0J5xA-qTZWkbX7zwAAAAY]",
            ),
            ("BL01001973",),
            id="intacct-error",
        ),
        pytest.param(
            "erp-150", ("Couldn't find record.",), ("RecordNotFound",), id="sage-double-encoded"
        ),
        pytest.param(
            "erp-158",
            ("Error processing request stream. Binding to new entities…",),
            (),
            id="exact-guzzle-truncated",
        ),
        pytest.param(
            "erp-166", ("Odoo Server Error",), ("odoo.exceptions.AccessDenied",), id="odoo-json-rpc"
        ),
        pytest.param("erp-174", ("Kan ikke være null.",), ("18000",), id="tripletex-validation"),
        pytest.param("erp-201", ("Xero | Error 500",), (), id="xero-html-as-bytes-repr"),
        pytest.param(
            "erp-205", ("503 Service Temporarily Unavailable",), (), id="quickbooks-gateway-html"
        ),
    ],
)
def test_corpus_sample_message(
    sample_id: str, messages: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """Chosen real bodies give exactly the message a person reading them would pick."""
    sample = load_sample(sample_id)
    assert run(sample["body"], sample["system"]) == Extracted(messages, codes)


# --- field-keyed validation errors (ASP.NET ModelState, Rails, Laravel) --------------------


def test_field_keyed_errors_are_messages_named_by_their_field() -> None:
    """ProblemDetails' title is only a wrapper; the messages are under each field."""
    body = {
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"$.lines[0].vatCode": ["is not valid"], "AccountCode": ["Required."]},
    }
    assert run(body).messages == ("lines[0].vatCode: is not valid", "AccountCode: Required.")


def test_a_message_that_names_its_field_is_not_prefixed() -> None:
    body = {"errors": {"Name": ["The Name field is required."], "": ["Body is empty."]}}
    assert run(body).messages == ("The Name field is required.", "Body is empty.")


def test_an_error_object_with_scalar_members_is_not_read_as_fields() -> None:
    """{"error": {"type": ..., "param": ...}} names no field of the request: param is no message."""
    body = {"error": {"type": "invalid_request_error", "param": "amount", "message": "Too big"}}
    assert run(body).messages == ("Too big",)
