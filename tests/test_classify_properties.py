"""Properties of ``classify`` over generated envelopes, hostile text included.

Whatever the envelope holds (any JSON value, text or bytes as body; any headers, status,
codes and params; lone surrogates, control, bidi and zero-width characters), a valid
envelope gives a Classification that keeps every invariant, and an invalid one gives an
EnvelopeError and nothing else. ``FAILREASON_EXAMPLES=3000 pytest
tests/test_classify_properties.py`` runs a longer search than the suite's default.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import failreason

EXAMPLES = int(os.environ.get("FAILREASON_EXAMPLES", "300"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_CHARS = (
    "\ud800\udfff\ud83d\x00\x07\x1b\x7f\x85\x9b\u00ad\u200b\u200d\u202e\u2066\ufeff\ue000"
)
MARKUP = "<>&;#{}[]\"'\\/=:"
characters = st.one_of(
    st.characters(),
    st.characters(categories=["Cs", "Cc", "Cf", "Co", "Zs", "Zl", "Zp", "Cn"]),
    st.sampled_from(HOSTILE_CHARS + MARKUP),
)
texts = st.text(characters, max_size=40)
FRAGMENTS = [
    "<p>",
    "</p>",
    "<html>",
    "<title>",
    "<h1>",
    "<script>",
    "</script>",
    "<?xml version='1.0'?>",
    "<Error>",
    "</Error>",
    "<Message>",
    "</Message>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&lt;",
    "&gt;",
    "&amp;",
    "&#60;",
    "&#x3c;",
    "&#" + "9" * 40 + ";",
    '{"message": "',
    '{"error": {"code": "E1", "message": "',
    '"}',
    "}",
    "]",
    "[",
    "\\u0000",
    "\\ud800",
    "error=invalid_grant&error_description=",
    "Account 4010 is not valid",
    "Rate limit exceeded",
    "Bearer ",
    "b'",
    "'",
    "...",
]
markupish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), texts), max_size=12).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(texts, st.sampled_from(["message", "code", "error"])), children, max_size=4
        )
    ),
    max_leaves=16,
)
bodies = st.one_of(
    st.none(),
    json_values,
    texts,
    markupish,
    st.binary(max_size=60),
    markupish.map(lambda text: text.encode("utf-8", "surrogatepass")),
    json_values.map(lambda value: json.dumps(value, ensure_ascii=False)),
)
systems = st.sampled_from([*failreason.load().systems, "acme", "Xero"])
header_names = st.one_of(
    texts, st.sampled_from(["Retry-After", "Content-Type", "WWW-Authenticate"])
)
header_values = st.one_of(
    texts,
    st.integers(),
    st.sampled_from(["30", "application/json; charset=latin-1", "text/html", "text/xml"]),
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "system": systems,
        "stage": st.sampled_from(failreason.STAGES),
        "status": st.integers(100, 599),
        "headers": st.dictionaries(header_names, header_values, max_size=3),
        "body": bodies,
        "message": texts,
        "code": st.one_of(texts, st.integers()),
        "params": st.dictionaries(texts, json_values, max_size=3),
    },
)


def check_invariants(result: failreason.Classification) -> None:
    assert isinstance(result, failreason.Classification)
    assert result.failure_reason_type in failreason.ITEM_FAILURE_TYPES
    reason = result.failure_reason
    assert reason
    assert reason == reason.strip()
    assert len(reason) <= 500
    assert reason.replace(" ", "").isprintable()
    reason.encode("utf-8")  # strict
    for value in result.captures.values():
        assert value.replace(" ", "").isprintable()
        value.encode("utf-8")
    json.dumps(result.item_payload("59540ed2-0000-4000-8000-000000000001"))
    json.dumps(result.to_json())


@PROPERTY
@given(envelopes)
def test_any_valid_envelope_classifies_with_every_invariant(
    engine: failreason.Engine, raw: dict[str, Any]
) -> None:
    """A well-typed envelope, whatever its text, gives a clean, deterministic answer."""
    result = engine.classify(raw)
    check_invariants(result)
    assert engine.classify(raw) == result


anything = st.one_of(
    json_values,
    st.binary(max_size=8),
    st.sets(st.integers(), max_size=2),
    st.builds(object),
    st.tuples(texts),
    st.dictionaries(st.integers(), texts, max_size=2),
    st.lists(st.builds(object), max_size=2),
)
loose_envelopes = st.dictionaries(
    st.one_of(
        st.sampled_from(
            ["system", "stage", "status", "headers", "body", "message", "code", "params"]
        ),
        texts,
    ),
    anything,
    max_size=4,
)


@PROPERTY
@given(loose_envelopes)
def test_a_wrongly_typed_envelope_is_only_ever_an_envelope_error(
    engine: failreason.Engine, raw: dict[Any, Any]
) -> None:
    """Wrong keys and wrong types give EnvelopeError, and nothing else ever escapes."""
    try:
        result = engine.classify(raw)
    except failreason.EnvelopeError as error:
        message = str(error)
        assert message
        assert "\n" not in message
        assert len(message) < 600
    else:
        check_invariants(result)


@PROPERTY
@given(st.one_of(texts, st.binary(max_size=60), markupish), st.one_of(st.none(), header_values))
def test_a_bare_body_with_any_content_type_classifies(
    engine: failreason.Engine, body: str | bytes, content_type: Any
) -> None:
    """Text or bytes under any declared type (charset included) never break parsing."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    check_invariants(engine.classify({"status": 400, "body": body, "headers": headers}))


@PROPERTY
@given(texts, st.integers(100, 599))
def test_an_exception_with_any_text_classifies(
    engine: failreason.Engine, text: str, status: int
) -> None:
    """An exception's text passes the same boundary as an envelope's message."""
    check_invariants(engine.classify(ConnectionError(text), status=status, system="xero"))
