"""Extraction at the edges mutation testing showed no test held in place.

Trees are given as parsed bodies directly, so these tests do not depend on the parsers; the
keys ``t``, ``d`` and ``txt`` are ones the generic walk ignores, so a profile source is the
only way to reach them.
"""

from __future__ import annotations

from typing import Any

import pytest

from failreason import _extract
from failreason._body import MAX_DEPTH, ParsedBody, parse_body
from failreason._bounds import MAX_CODES, MAX_MESSAGES
from failreason._extract import ErrorSource, Extracted, Profile, extract, load_profile
from failreason._paths import compile_path

FALLBACK = "the raw body text"


def parsed(tree: Any) -> ParsedBody:
    return ParsedBody("json", tree, FALLBACK)


def source(path: str, message: tuple[str, ...] = (), code: tuple[str, ...] = ()) -> ErrorSource:
    return ErrorSource(
        compile_path(path),
        tuple(compile_path(p) for p in message),
        tuple(compile_path(p) for p in code),
    )


def profiled(tree: Any, *sources: ErrorSource) -> Extracted:
    return extract(parsed(tree), Profile("acme", sources))


def nested(depth: int, leaf: Any, key: str = "a") -> Any:
    """``leaf`` under ``depth - 1`` levels of ``{key: ...}``."""
    for _ in range(depth - 1):
        leaf = {key: leaf}
    return leaf


# --- profile sources ---------------------------------------------------------------------


def test_a_specific_part_beats_a_reason_phrase_in_one_error() -> None:
    """Within one error object, "Bad Request" gives way to the specific part."""
    tree = {"t": "Bad Request", "d": "Account 4000 is archived"}
    assert profiled(tree, source("", ("t", "d"))).messages == ("Account 4000 is archived",)


def test_a_weak_source_message_is_kept_when_nothing_better_exists() -> None:
    """A source that only says "Bad Request" still beats the raw text and the walk's wrappers."""
    tree = {"t": "Bad Request", "message": "Error"}
    assert profiled(tree, source("", ("t",))).messages == ("Bad Request",)


def test_codes_come_from_the_walk_when_the_sources_have_none() -> None:
    """A source that gives a message but no code still lets the walk find codes."""
    tree = {"t": "Account 4000 is archived", "code": "E42"}
    assert profiled(tree, source("", ("t",), ("nocode",))) == Extracted(
        ("Account 4000 is archived",), ("E42",)
    )


def test_xml_text_with_attributes_is_read_from_its_text_node() -> None:
    """An element that has attributes keeps its text under ``#text``."""
    tree = {"err": {"txt": {"@lang": "nl", "#text": "Ongeldig dagboek"}, "c": {"#text": "E7"}}}
    extracted = profiled(tree, source("err", ("txt",), ("c",)))
    assert extracted == Extracted(("Ongeldig dagboek",), ("E7",))


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        pytest.param(610, ("610",), id="integer"),
        pytest.param(610.0, ("610",), id="whole-float"),
        pytest.param(6.5, (), id="fraction"),
        pytest.param(True, (), id="boolean"),
        pytest.param(" E1 ", ("E1",), id="text"),
    ],
)
def test_code_values_are_whole_numbers_or_text(value: Any, codes: tuple[str, ...]) -> None:
    """A code is an integer (also when sent as 610.0) or text; booleans and fractions are not."""
    tree = {"err": {"txt": "Boom", "c": value}}
    assert profiled(tree, source("err", ("txt",), ("c",))).codes == codes


# --- relocating a source, within bounds -----------------------------------------------------


def padded(anchors_before: int) -> Any:
    """A tree whose ``wrap`` object is anchor number ``anchors_before + 2`` in document order."""
    return {"pad": [[] for _ in range(anchors_before)], "wrap": {"Oops": {"txt": "found"}}}


def test_relocation_tries_exactly_the_documented_number_of_nested_objects() -> None:
    """The last allowed anchor is tried; the one after it is not (work stays bounded)."""
    limit = _extract._MAX_ANCHORS
    oops = source("Oops", ("txt",))
    assert profiled(padded(limit - 2), oops).messages == ("found",)
    assert profiled(padded(limit - 1), oops).messages == (FALLBACK,)


def test_relocation_reaches_down_to_the_depth_limit_and_no_further() -> None:
    """An error object at the deepest level read is found; one level deeper is not."""
    oops = source("Oops", ("txt",))
    at_limit = nested(MAX_DEPTH + 1, {"Oops": {"txt": "found"}})
    assert profiled(at_limit, oops).messages == ("found",)
    assert profiled({"a": at_limit}, oops).messages == (FALLBACK,)


# --- the generic walk ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "list"])
def test_the_walk_reads_down_to_the_depth_limit_and_no_further(key: str) -> None:
    """A message at depth MAX_DEPTH is read, one level deeper is not, through dicts or lists."""

    def deep(depth: int) -> Any:
        leaf: Any = {"message": "Account 4000 is archived"}
        for _ in range(depth - 2):
            leaf = {"a": leaf} if key == "a" else [leaf]
        return {"wrap": leaf}

    assert extract(parsed(deep(MAX_DEPTH)), None).messages == ("Account 4000 is archived",)
    assert extract(parsed(deep(MAX_DEPTH + 1)), None).messages == (FALLBACK,)


def test_a_branch_too_deep_does_not_stop_the_walk() -> None:
    """Skipping one deep branch still reads its siblings."""
    tree = {"deep": nested(MAX_DEPTH + 5, "x"), "message": "Account 4000 is archived"}
    assert extract(parsed(tree), None).messages == ("Account 4000 is archived",)


def test_text_under_a_message_key_is_a_message() -> None:
    """``{"message": {"text": ...}}`` (and ``value``) carry the message one level down."""
    tree = {"message": {"lang": "en", "value": "Account 4000 is archived"}}
    assert extract(parsed(tree), None).messages == ("Account 4000 is archived",)
    assert extract(parsed({"other": {"value": "Not a message"}}), None).messages == (FALLBACK,)


def test_a_sentence_under_an_error_key_is_a_message() -> None:
    """``error`` holding a sentence is the message; holding an identifier it is a code."""
    assert extract(parsed({"error": "Account 4000 is archived"}), None) == Extracted(
        ("Account 4000 is archived",), ()
    )
    assert extract(parsed({"error": "invalid_grant"}), None).codes == ("invalid_grant",)


def test_titles_give_way_to_specific_messages() -> None:
    """A title is the message only when no specific message exists."""
    tree = {"title": "Request rejected", "detail": "Account 4000 is archived"}
    assert extract(parsed(tree), None).messages == ("Account 4000 is archived",)
    assert extract(parsed({"title": "Request rejected"}), None).messages == ("Request rejected",)


def test_a_reason_phrase_title_is_the_last_resort() -> None:
    """A title such as "Bad Request" is kept when there is nothing else."""
    assert extract(parsed({"title": "Bad Request"}), None).messages == ("Bad Request",)


# --- deduplication ------------------------------------------------------------------------


def test_messages_differing_only_in_numbers_are_both_kept() -> None:
    """Digits make messages different: two accounts are two problems."""
    tree = {"errors": [{"message": "Account 12 is closed"}, {"message": "Account 13 is closed"}]}
    assert extract(parsed(tree), None).messages == (
        "Account 12 is closed",
        "Account 13 is closed",
    )


def test_messages_differing_only_in_case_and_punctuation_are_one() -> None:
    """The same message twice, spelt slightly differently, is reported once."""
    tree = {"errors": [{"message": "Account is closed."}, {"message": "account is CLOSED"}]}
    assert extract(parsed(tree), None).messages == ("Account is closed.",)


def test_containment_is_checked_among_the_messages_kept() -> None:
    """A message repeated inside another is dropped; past ``MAX_MESSAGES`` none are kept."""
    distinct = [{"message": f"Problem {n} occurred"} for n in range(MAX_MESSAGES + 3)]
    inner = [{"message": "Vendor gone"}, {"message": "Vendor gone: Acme"}]
    messages = extract(parsed({"errors": inner + distinct}), None).messages
    assert "Vendor gone" not in messages
    assert "Vendor gone: Acme" in messages
    last_kept = MAX_MESSAGES - len(inner) - 1  # the cap counts messages before containment
    assert f"Problem {last_kept} occurred" in messages
    assert f"Problem {last_kept + 1} occurred" not in messages


def test_at_most_the_documented_number_of_messages_and_codes_are_kept() -> None:
    """However many errors a body lists, the first MAX_MESSAGES and MAX_CODES are kept."""
    errors = [{"message": f"Line {n} has no account", "code": f"E{n}"} for n in range(60)]
    found = extract(parsed({"errors": errors}), None)
    assert found.messages == tuple(f"Line {n} has no account" for n in range(MAX_MESSAGES))
    assert found.codes == tuple(f"E{n}" for n in range(MAX_CODES))


XERO = Profile(
    "xero",
    (ErrorSource(compile_path("Elements[].ValidationErrors[]"), (compile_path("Message"),)),),
)


@pytest.mark.parametrize("profile", [None, XERO], ids=["generic-walk", "profile"])
def test_entities_in_json_text_are_decoded(profile: Profile | None) -> None:
    """JSON carries entities as written, so the message decodes them, once."""
    body = '{"Elements": [{"ValidationErrors": [{"Message": "Tax &amp; VAT code S25 is gone"}]}]}'
    assert extract(parse_body(body), profile).messages == ("Tax & VAT code S25 is gone",)


def test_entities_in_a_plain_text_body_are_decoded() -> None:
    """A text body is the message as written, entities and all: decoded once."""
    found = extract(parse_body("Tax &amp; VAT code S25 is gone"), None)
    assert found.messages == ("Tax & VAT code S25 is gone",)


XML_ERRORS = Profile("acme", (ErrorSource(compile_path("Error"), (compile_path("Message"),)),))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("<Error><Message>Use &amp;lt;b&amp;gt; here</Message></Error>", id="tree"),
        pytest.param("<Error>Use &amp;lt;b&amp;gt; here</Error>", id="text"),
        pytest.param("<html><body><p>Use &amp;lt;b&amp;gt; here</p></body></html>", id="html"),
    ],
)
@pytest.mark.parametrize("profile", [None, XML_ERRORS], ids=["generic-walk", "profile"])
def test_entities_a_parser_decoded_are_not_decoded_again(
    body: str, profile: Profile | None
) -> None:
    """Markup text arrives decoded: "&amp;lt;" is the text "&lt;", never a live or stripped tag."""
    assert extract(parse_body(body), profile).messages == ("Use &lt;b&gt; here",)


# --- loading profiles ----------------------------------------------------------------------


def test_a_document_without_an_extract_mapping_has_no_sources() -> None:
    """A rule file with a system but no ``extract`` gives an empty profile, not an error."""
    assert load_profile({"system": "acme"}) == Profile("acme", ())
    assert load_profile({"hosts": ["API.Acme.com"]}, system="acme") == Profile(
        "acme", (), ("api.acme.com",)
    )


@pytest.mark.parametrize(
    ("data", "system", "message"),
    [
        pytest.param({"system": ""}, None, r"^profile needs a system name$", id="empty-name"),
        pytest.param({"system": 5}, None, r"^profile needs a system name$", id="number-name"),
        pytest.param({"errors": "Fault"}, "x", r"^extract\.errors: expected a list$", id="errs"),
        pytest.param({"hosts": "acme.com"}, "x", r"^hosts: expected a list$", id="hosts"),
        pytest.param(
            {"errors": [{"message": ["m"]}]},
            "x",
            r"^extract\.errors\[0\]: an error source needs a 'path'$",
            id="no-path",
        ),
        pytest.param(
            {"errors": [{"path": 7}]},
            "x",
            r"^extract\.errors\[0\]\.path: a path must be a string, not int$",
            id="path-type",
        ),
        pytest.param(
            {"errors": [{"path": "a", "message": "m"}]},
            "x",
            r"^extract\.errors\[0\]\.message: expected a list$",
            id="message-list",
        ),
        pytest.param(
            {"errors": [{"path": "a", "code": ["ok", "a..b"]}]},
            "x",
            r"^extract\.errors\[0\]\.code\[1\]: bad path 'a\.\.b': ",
            id="bad-code-path",
        ),
    ],
)
def test_profile_problems_name_where_they_are(
    data: dict[str, Any], system: str | None, message: str
) -> None:
    """Each problem in an ``extract`` mapping names the place in the rule file."""
    with pytest.raises(ValueError, match=message):
        load_profile(data, system=system)
