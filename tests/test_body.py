"""Turning raw error bodies into a parsed tree plus readable text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from failreason._body import ParsedBody, parse_body
from failreason._paths import compile_path
from failreason._redact import redact_tree


def find(parsed: ParsedBody, path: str) -> list[Any]:
    return compile_path(path).find(parsed.tree)


# --- empty and JSON values ----------------------------------------------------------


@pytest.mark.parametrize("body", [None, "", "  \n ", b"", "\ufeff"], ids=repr)
def test_nothing_is_empty(body: object) -> None:
    """No body, or only whitespace, is kind "empty" with no text."""
    assert parse_body(body) == ParsedBody("empty", None, "")


def test_a_json_value_is_used_as_the_tree() -> None:
    """A dict passed in is the tree; its text lists the leaves, numbers with their key."""
    parsed = parse_body({"error": {"code": "Internal_ServerError", "message": "No SQL."}, "n": 7})
    assert parsed.kind == "json"
    assert find(parsed, "error.code") == ["Internal_ServerError"]
    assert parsed.text == "Internal_ServerError; No SQL.; n: 7"


def test_json_text_is_parsed() -> None:
    """A string holding JSON becomes its tree."""
    parsed = parse_body('{"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta kunden."}}')
    assert parsed.kind == "json"
    assert find(parsed, "ErrorInformation.Message") == ["Kan inte hitta kunden."]


def test_double_encoded_json_is_decoded_once_more() -> None:
    """A JSON string that holds JSON is decoded again."""
    inner = json.dumps({"error": {"message": "Another user has already changed the record."}})
    parsed = parse_body(json.dumps(inner))
    assert find(parsed, "error.message") == ["Another user has already changed the record."]


def test_json_inside_a_string_value_is_decoded() -> None:
    """A value holding a JSON array becomes that array (Sage's error_message)."""
    body = {"error_message": json.dumps([{"$message": "Couldn't find record."}])}
    assert find(parse_body(body), "error_message[].$message") == ["Couldn't find record."]


def test_a_plain_json_string_stays_text() -> None:
    """A quoted string body is JSON whose text is the string."""
    parsed = parse_body('"Account must be valid."')
    assert (parsed.kind, parsed.text) == ("json", "Account must be valid.")


# --- broken JSON -----------------------------------------------------------------------


def test_truncated_json_is_closed() -> None:
    """JSON cut off inside a string keeps what was read, marking the cut with "…"."""
    parsed = parse_body('{"error": {"code": "", "message": {"value": "Error processing req')
    assert find(parsed, "error.message.value") == ["Error processing req…"]


def test_truncation_marker_is_dropped() -> None:
    """Guzzle's " (truncated...)" is not part of the value."""
    parsed = parse_body(
        '{"Title":"Unauthorized","Detail":"AuthorizationUnsuccessful","Instance":"13 (truncated...)'
    )
    assert find(parsed, "Detail") == ["AuthorizationUnsuccessful"]
    assert find(parsed, "Instance") == ["13…"]


def test_cut_inside_a_key_drops_that_member() -> None:
    """When closing the open string does not parse, the last member goes."""
    assert parse_body('{"Message": "Object Not Found", "Deta').tree == {
        "Message": "Object Not Found"
    }


def test_elisions_and_trailing_commas_are_dropped() -> None:
    """A "..." standing for omitted members (as in bug reports) is skipped."""
    parsed = parse_body('{"ErrorInformation":{"error":1,"message":"Kontot existerar inte.", ...}}')
    assert find(parsed, "ErrorInformation.message") == ["Kontot existerar inte."]


def test_escaped_json_is_unescaped() -> None:
    """JSON logged inside a JSON string (every quote escaped) is read."""
    parsed = parse_body('{\\"ClassName\\":\\"IdsException\\",\\"Message\\":\\"Object Not Found\\",')
    assert parsed.tree == {"ClassName": "IdsException", "Message": "Object Not Found"}


def test_python_repr_is_left_as_text() -> None:
    """A Python dict repr is not JSON and stays text."""
    parsed = parse_body("{u'type': u'ValidationFault', u'Error': [{u'code': u'2010'}]}")
    assert (parsed.kind, parsed.tree) == ("text", None)


def test_text_that_starts_like_json_is_text() -> None:
    """Text starting with "[401]" (a JSON array) is still text."""
    parsed = parse_body(
        '[401] Client error: `POST x` resulted in: {"Detail":"AuthorizationUnsuccessful"}'
    )
    assert parsed.kind == "text"
    assert find(parsed, "Detail") == ["AuthorizationUnsuccessful"]


# --- documents inside text ----------------------------------------------------------------


def test_json_inside_text_is_found() -> None:
    """A document embedded in an exception message becomes the tree; kind stays text."""
    body = 'Error 400: {"error":"invalid_request"} while refreshing'
    parsed = parse_body(body)
    assert (parsed.kind, parsed.tree) == ("text", {"error": "invalid_request"})
    assert parsed.text == "Error 400: invalid_request while refreshing"


def test_xml_inside_text_is_found() -> None:
    """QuickBooks XML after "with body: [" is parsed despite the trailing "]."."""
    body = (
        'Response Code:[400] with body: [<?xml version="1.0"?><IntuitResponse '
        'xmlns="http://schema.intuit.com/finance/v3"><Fault type="ValidationFault">'
        '<Error code="6240"><Message>Duplicate Name Exists Error</Message></Error>'
        "</Fault></IntuitResponse>]."
    )
    parsed = parse_body(body)
    assert parsed.kind == "text"
    assert find(parsed, "IntuitResponse.Fault.Error[].Message") == ["Duplicate Name Exists Error"]
    assert parsed.text == "Response Code:[400] with body: [ Duplicate Name Exists Error ]."


# --- XML ---------------------------------------------------------------------------------


def test_xml_tree_shape() -> None:
    """Local names as keys, @attributes, #text next to children, repeats as lists."""
    body = (
        '<r:Response xmlns:r="urn:x" xmlns:xsi="urn:i"><Error xsi:type="A" code="1">'
        "<Message>first</Message></Error><Error code='2'>second</Error><Empty/></r:Response>"
    )
    assert parse_body(body).tree == {
        "Response": {
            "Error": [
                {"@type": "A", "@code": "1", "Message": "first"},
                {"@code": "2", "#text": "second"},
            ],
            "Empty": "",
        }
    }


def test_sage_intacct_errors_are_reached() -> None:
    """A single <error> is reached by ``errormessage.error[]``."""
    body = (
        "<response><operation><result><status>failure</status><errormessage><error>"
        "<errorno>BL01001973</errorno><description2>Invalid Project</description2>"
        "</error></errormessage></result></operation></response>"
    )
    path = "response.operation.result.errormessage.error[].description2"
    assert find(parse_body(body), path) == ["Invalid Project"]


def test_truncated_xml_keeps_what_was_read() -> None:
    """XML cut off mid-document keeps the complete elements before the cut."""
    parsed = parse_body(
        "<error xmlns=''>\n  <message>The credentials provided are incorrect</message>\n  <co"
    )
    assert parsed.kind == "xml"
    assert find(parsed, "error.message") == ["The credentials provided are incorrect"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><r><m>&lol;&lol;</m></r>',
            id="entity",
        ),
        pytest.param('<!DOCTYPE r SYSTEM "file:///etc/passwd"><r><m>x</m></r>', id="external"),
    ],
)
def test_xml_with_a_dtd_is_not_parsed(body: str) -> None:
    """Untrusted XML with a DTD is treated as text, so no entity is ever expanded."""
    parsed = parse_body(body)
    assert parsed.tree is None
    assert "lollol" not in parsed.text


def test_content_type_that_lies_falls_back_to_sniffing() -> None:
    """XML sent as application/json is still read as XML."""
    parsed = parse_body("<Error><Code>AccessDenied</Code></Error>", "application/json")
    assert (parsed.kind, find(parsed, "Error.Code")) == ("xml", ["AccessDenied"])


# --- HTML, form and text ----------------------------------------------------------------------


def test_html_page() -> None:
    """An HTML page gives its visible text and a summary of title and headings."""
    body = (
        "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
        "<center><h1>503 Service Temporarily Unavailable</h1></center><hr>"
        "<center>nginx</center></body></html>"
    )
    parsed = parse_body(body)
    assert (parsed.kind, parsed.tree) == ("html", None)
    assert parsed.summary == "503 Service Temporarily Unavailable"
    assert parsed.text.endswith("nginx")


def test_html_content_type_is_honoured() -> None:
    """A fragment labelled text/html is HTML."""
    assert parse_body("<p>Down &amp; out</p>", "text/html; charset=utf-8").summary == "Down & out"


def test_logged_python_bytes_are_decoded() -> None:
    """A ``b'...'`` literal logged by a connector is decoded (here an HTML page with a BOM)."""
    body = "b'\\xef\\xbb\\xbf<!DOCTYPE html>\\r\\n<html><title>Xero | Error 500</title>'"
    parsed = parse_body(body)
    assert (parsed.kind, parsed.summary) == ("html", "Xero | Error 500")


def test_form_encoding() -> None:
    """Form-encoded bodies become a dict of first values."""
    parsed = parse_body("oauth_problem=rate%20limit%20exceeded&oauth_problem=x&a=")
    assert parsed.kind == "form"
    assert parsed.tree == {"oauth_problem": "rate limit exceeded", "a": ""}


def test_plain_text_is_collapsed() -> None:
    """Plain text keeps its words, with whitespace collapsed."""
    parsed = parse_body("Error 500: Mandatory: Relationship\nInvalid reference: Cost unit\n")
    assert parsed == ParsedBody(
        "text", None, "Error 500: Mandatory: Relationship Invalid reference: Cost unit"
    )


# --- bytes ---------------------------------------------------------------------------------


def test_bytes_use_the_declared_charset() -> None:
    """The charset in the content type decodes the bytes."""
    body = '{"message": "Inköpskonto saknas"}'.encode("latin-1")
    parsed = parse_body(body, "application/json; charset=ISO-8859-1")
    assert find(parsed, "message") == ["Inköpskonto saknas"]


def test_bytes_with_a_bom_are_utf8() -> None:
    """A UTF-8 byte order mark is dropped."""
    assert parse_body(b'\xef\xbb\xbf{"a": "\xc3\xa9"}').tree == {"a": "é"}


def test_undecodable_bytes_are_replaced() -> None:
    """Invalid UTF-8 and an unknown charset never fail."""
    parsed = parse_body(b"Fehler \xff bei", "text/plain; charset=no-such-charset")
    assert parsed.text == "Fehler \ufffd bei"


# --- never raises, stays fast ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "text/xml",
        "text/html",
        "application/x-www-form-urlencoded",
        "text/plain; charset=latin-1",
        "application/json; charset=bogus",
    ]
)
markupish = st.text(alphabet='<>{}[]"\\/:=&!?-. abc\n', max_size=80)


@given(st.one_of(st.text(), markupish, st.binary()), content_types)
def test_any_text_or_bytes_parse_without_raising(
    body: str | bytes, content_type: str | None
) -> None:
    """parse_body never raises, and its text is whitespace-collapsed."""
    parsed = parse_body(body, content_type)
    assert parsed.text == " ".join(parsed.text.split())


@given(json_values)
def test_any_json_value_parses_without_raising(value: Any) -> None:
    """JSON values of any shape are accepted."""
    assert parse_body(value).kind in ("json", "text", "empty")


@settings(max_examples=50)
@given(json_values)
def test_json_text_round_trips(value: Any) -> None:
    """A serialised object or array parses back to the same tree, redacted as given."""
    if isinstance(value, dict | list) and value and "NaN" not in json.dumps(value):
        assert parse_body(json.dumps(value)).tree == redact_tree(value)


HOSTILE = {
    "deep-json": "[" * 500_000 + "]" * 500_000,
    "deep-xml": "<a>" * 300_000,
    "unclosed-json": '{"a": [' + '{"b": 1},' * 100_000,
    "many-openers": '{"' * 500_000,
    "many-tags": "<a " * 300_000,
    "text": "word " * 200_000,
    "form": "a=b&" * 250_000 + "c=d",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_megabyte_is_parsed(name: str) -> None:
    """About 1 MB of hostile input parses to readable text (benchmarks/ measures its speed)."""
    parsed = parse_body(HOSTILE[name])
    assert isinstance(parsed.text, str)
    assert parsed.kind in ("json", "xml", "html", "form", "text")
