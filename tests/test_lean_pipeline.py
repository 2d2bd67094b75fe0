"""The shortcuts of the classification pipeline give exactly what the long way gives.

Each shortcut is compared with the path it replaces, kept as the reference: plain templates
with the sandboxed Jinja render, the quick refusal of ``redact`` with every pattern tried,
the codes-only walk with the full walk, the single redaction of a reason with the double one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import failreason
from failreason import _clean, _engine, _redact, _sanitize
from failreason._body import parse_body
from failreason._bounds import MAX_MESSAGE_CHARS
from failreason._clean import clean_text, final_reason
from failreason._extract import _Walk
from failreason._plain_template import plain_template
from failreason._redact import _may_hold_secret, redact, redact_every_shape
from failreason._render import RenderError, Template, new_environment
from failreason._sanitize import collapse
from failreason._template_limits import render_bounded
from tests.conftest import WriteRules

SAMPLES = Path(__file__).parent / "samples"


def sample_inputs() -> list[dict[str, Any]]:
    return [
        json.loads(line)["input"]
        for path in sorted(SAMPLES.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


INPUTS = sample_inputs()
TRICKY_MESSAGES = [
    "<b>Account</b> &lt;4000&gt; is <script>alert(1)</script> invalid",
    "Bad value {{ 7 * 7 }} {% if x %}x{% endif %} {# comment #}",
    "first line\nsecond line\r\n\tthird",
    "x" * 499 + " tail",
    "word " * 400,
    "\x1b[31mred\x1b[0m \x00 nul \u202e reversed \u200b zero width",
    "password=hunter2abc and Bearer abcDEF123456789 and sk_live_abcdefgh12345678",
    "  padded message  ",
    "",
]


def templates(engine: failreason.Engine) -> dict[str, Template]:
    return {rule.template.name: rule.template for rule in engine.rules}


def jinja(template: Template, context: Mapping[str, Any]) -> str:
    return render_bounded(template._template, context)


def agree(template: Template, context: Mapping[str, Any]) -> bool:
    """The plain render gives Jinja's text or leaves it to Jinja; True when it answered."""
    assert template._plain is not None
    plain = template._plain.render(context)
    try:
        expected = jinja(template, context)
    except Exception:  # whatever Jinja raises, the plain path must not answer
        assert plain is None, template.name
        return False
    assert plain in (None, expected), template.name
    return plain is not None


# --- plain templates ---------------------------------------------------------------------


def test_every_builtin_template_but_a_few_is_plain(engine: failreason.Engine) -> None:
    """The fast path covers the shared templates (else this file would test nothing)."""
    plain = [name for name, t in templates(engine).items() if t._plain is not None]
    assert {"accounting_system_message", "authentication_failure", "tax_code_unknown"} <= set(plain)


def contexts(engine: failreason.Engine) -> Iterator[dict[str, Any]]:
    """What templates see for every sample, and for tricky messages with and without facts."""
    for raw in INPUTS:
        yield _engine.template_context(engine.signal(raw), {})
    for message in TRICKY_MESSAGES:
        signal = engine.signal({"status": 400, "message": message} if message else {})
        yield _engine.template_context(signal, {})
        raw_context = {"message": message, "stage": "entry", "codes": [], "params": {}}
        yield raw_context
        yield raw_context | {"status": 503, "account": message, "tax_code": message, "tag": "T"}


def test_plain_templates_render_as_jinja_does(engine: failreason.Engine) -> None:
    """Every plain template gives Jinja's output for samples and tricky messages."""
    answered = 0
    for template in templates(engine).values():
        if template._plain is not None:
            answered += sum(agree(template, context) for context in contexts(engine))
    assert answered > 1_000


PLAIN_SOURCES = [
    "{{ message }}",
    "{% if not status is defined %}none{% elif status %}{{ status }}{% else %}zero{% endif %}",
    "{% if account is undefined %}-{% else %}<{{ account }}>{% endif %}\n",
    "{% if not not message %}\n  {{ message }}!\n{% endif %}\ntail",
    "{#- note -#} A {{ stage }} B {% if code is defined %}{{ code }}{% endif %}",
    "{% if not message %}empty{% else %}{{ message }}{% endif %}",
    "{% if message is not defined %}gone{% elif not stage %}{{ message }}{% endif %}",
]
NOT_PLAIN_SOURCES = [
    "{{ message | upper }}",
    "{{ message ~ '!' }}",
    "{% for m in messages %}{{ m }}{% endfor %}",
    "{{ range }}",
    "{% if range is defined %}x{% endif %}",
    "{% set x = 1 %}{{ x }}",
    "{{ params.journal }}",
    "{% if status == 400 %}x{% endif %}",
]


def compiled(source: str) -> Template:
    env = new_environment({})
    return Template(
        "t", frozenset(), env.from_string(source), plain_template(env.parse(source), env.globals)
    )


@pytest.mark.parametrize("source", PLAIN_SOURCES)
def test_hand_written_plain_templates_match_jinja(source: str) -> None:
    """Elif chains, negations, is (un)defined and trimmed blocks come out as Jinja's."""
    template = compiled(source)
    assert template._plain is not None
    for message in TRICKY_MESSAGES:
        for extra in ({}, {"status": 0}, {"status": 422, "account": message, "code": "E1"}):
            assert agree(template, {"message": message, "stage": "entry"} | extra)


@pytest.mark.parametrize("source", NOT_PLAIN_SOURCES)
def test_templates_beyond_the_plain_subset_stay_with_jinja(source: str) -> None:
    """Filters, operators, loops, globals, attributes and comparisons are Jinja's to render."""
    assert compiled(source)._plain is None


@pytest.mark.parametrize(
    "context",
    [
        pytest.param({"stage": "entry"}, id="missing-name"),
        pytest.param({"message": ["a", "list"]}, id="list-value"),
        pytest.param({"message": True}, id="bool-value"),
        pytest.param({"message": "x" * 70_000}, id="value-past-the-sandbox-weight"),
    ],
)
def test_plain_render_defers_to_jinja_when_unsure(context: dict[str, Any]) -> None:
    """Whatever the plain path cannot vouch for, Template.render leaves to Jinja."""
    template = compiled("{{ message }}")
    assert template._plain is not None
    assert template._plain.render(context) is None
    try:
        expected = jinja(template, context)
    except Exception:  # the same error must come from render, as RenderError
        with pytest.raises(RenderError):
            template.render(context)
        return
    assert template.render(context) == expected


@given(
    st.text(max_size=600),
    st.one_of(st.none(), st.integers(100, 599)),
    st.one_of(st.none(), st.text(max_size=40)),
)
def test_builtin_plain_templates_match_jinja_on_any_text(
    message: str, status: int | None, capture: str | None
) -> None:
    """Any message, status and capture: the shared templates' two renders agree."""
    engine = ENGINE
    context: dict[str, Any] = {"message": message, "stage": "entry", "codes": [], "params": {}}
    if status is not None:
        context["status"] = status
    if capture is not None:
        context |= {"account": capture, "tax_code": capture, "tag": capture, "journal": capture}
    for template in templates(engine).values():
        if template._plain is not None:
            agree(template, context)


ENGINE = failreason.load(cache_size=0)


# --- one redaction ----------------------------------------------------------------------


def test_reasons_equal_the_twice_redacted_jinja_render(engine: failreason.Engine) -> None:
    """For every sample, the reason is what Jinja plus a second redaction made before."""
    for raw in INPUTS:
        signal = engine.signal(raw)
        explanation = engine.explain(raw)
        step = explanation.steps[-1]
        if step.captures is None or step.reason is None:
            continue  # the last resort decided
        context = _engine.template_context(signal, step.captures)
        before = final_reason(redact(final_reason(jinja(step.rule.template, context))))
        assert step.reason == before, raw


# --- the quick refusal of redact ----------------------------------------------------------

TRIGGERS = [
    *("password", "PassCode", "client_secret", "TOKEN", "Api-Key", "key", "sessionId", "pin"),
    *("Authorization", "Cookie", "grant_type", "redirect_uri", "code", "state=", "?state="),
    *("Bearer ", "basic ", "https://", "user", "@", "eyJ", "sk_live_", "AKIA", "ghp_", "xoxb-"),
    *("SG.", "ya29.", "1//0", "-----BEGIN PRIVATE KEY-----", "<password>", "</password>"),
    *("=", ": ", ":", "%3D", "%3d", '"', "'", '\\"', "&", ";", " ", "\n", ".", "-", "_", "/"),
    *("abc12", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "0123456789", "Account", "is", "invalid"),
    *("\u00e9", "\u212a", "\u017f", "\u0130"),  # non-ASCII: e acute, Kelvin, long s, dotted I
]


# One text per pattern of redact, holding no trigger but the one that pattern needs.
ONE_TRIGGER_EACH = [
    pytest.param("Bearer abc12abc12", id="bearer"),
    pytest.param("Basic dXNlcjpwYXNz", id="basic"),
    pytest.param("eyJhbGciOi.eyJzdWIi.c2ln", id="jwt"),
    pytest.param("https://user:pa55word@host", id="url-credentials"),
    pytest.param("<pwd>x1</pwd>", id="markup"),
    pytest.param("sk_live_abcdefgh12345678", id="stripe"),
    pytest.param("AKIAABCDEFGHIJKLMNOP", id="aws"),
    pytest.param("ya29.abcdefghijklmnopqrstuv", id="google"),
    pytest.param("1//0abcdefghijklmnopqrst", id="google-refresh"),
    pytest.param("SG.abcdefghijklmnop.abcdefghijklmnop", id="sendgrid"),
    pytest.param("xoxb-1234567890", id="slack"),
    pytest.param("glpat-abcdefghijklmnopqrst", id="gitlab"),
    pytest.param("whsec_abcdefghijklmnop", id="webhook"),
    pytest.param("xapp-1-abcdefghij", id="slack-app"),
    pytest.param("sid=abc123def", id="pair"),
    pytest.param("sid%3Dabc123def", id="pair-url-encoded"),
    pytest.param("grant_type=authorization_code&code=abc123", id="oauth-code"),
    pytest.param("API key a1B2c3D4e5F6g7H8", id="named"),
    pytest.param("q" + "aB3dE6fH9iK2lM5nO8pQ1rS4tU7vW0xY3z", id="long-token"),
    pytest.param("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", id="pem"),
]


@pytest.mark.parametrize("text", ONE_TRIGGER_EACH)
def test_each_pattern_of_redact_has_its_trigger(text: str) -> None:
    """For every kind of secret, the quick check sends the text on, and it is redacted."""
    assert _may_hold_secret(text)
    assert redact(text) != text


def refusal_is_exact(text: str) -> None:
    if not _may_hold_secret(text):
        assert redact_every_shape(text) == text


@given(st.lists(st.sampled_from(TRIGGERS), max_size=30).map("".join))
def test_quick_refusal_never_skips_a_secret_in_secret_like_text(text: str) -> None:
    """Text the quick check lets through is text that no pattern of redact would change."""
    refusal_is_exact(text)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_quick_refusal_never_skips_a_secret_in_any_ascii_text(text: str) -> None:
    """The same for any ASCII text."""
    refusal_is_exact(text)


def test_quick_refusal_is_exact_on_every_sample_text(engine: failreason.Engine) -> None:
    """Every message, body text and tree leaf of the samples: redact equals every pattern."""
    checked = 0
    for raw in INPUTS:
        body = raw.get("body")
        texts = [*engine.signal(raw).messages, json.dumps(body), str(body)]
        texts.append(parse_body(body if isinstance(body, str | dict | list) else None).text)
        for text in texts:
            assert redact(text) == redact_every_shape(text)
            checked += 1
    assert checked > 1_000


def test_quick_refusal_lets_most_sample_messages_through(engine: failreason.Engine) -> None:
    """The shortcut is taken for most real messages, or it would only cost time."""
    messages = [m for raw in INPUTS for m in engine.signal(raw).messages]
    refused = [m for m in messages if not _may_hold_secret(m)]
    assert len(refused) > len(messages) / 2


# --- the codes-only walk ------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none()),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["code", "errorCode", "error", "errors", "message", "title", "text", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_codes_only_walk_finds_the_codes_of_the_full_walk(tree: Any) -> None:
    """Skipping message texts when messages are chosen changes no code found."""
    assert _Walk(tree, codes_only=True).codes == _Walk(tree).codes


@pytest.mark.parametrize("codes_only", [False, True])
def test_the_walk_reads_codes_under_code_and_error_keys(codes_only: bool) -> None:
    """An identifier under "error" and a value under "code" are codes, in either walk."""
    tree = {"error": "invalid_grant", "detail": {"code": 4032}, "message": "Token expired"}
    assert _Walk(tree, codes_only=codes_only).codes == ["invalid_grant", "4032"]


def test_codes_only_walk_on_sample_trees(engine: failreason.Engine) -> None:
    """The same for every sample body with a tree."""
    for raw in INPUTS:
        tree = engine.signal(raw).tree
        if tree is not None:
            assert _Walk(tree, codes_only=True).codes == _Walk(tree).codes


# --- characters checked before a pattern runs --------------------------------------------


def clean_every_pattern(text: str, *, escaped: bool = True) -> str:
    """``clean_text`` as it was before each pattern got its first-character check."""
    text = _redact.redact_markup(_sanitize.visible(text[:MAX_MESSAGE_CHARS]))
    if escaped:
        text = _clean._TAG.sub(" ", text)
    text = _clean._LITERAL_ESCAPES.sub(" ", text).replace('\\"', '"')
    text = _clean._JSON_OPEN.sub("", text)
    text = _clean._JSON_CLOSE.sub("", text)
    if escaped:
        decoded = _sanitize.unescape(text.replace("<", "\0"))
        text = _sanitize.visible(_sanitize.neutralise_markup(decoded).replace("\0", "<"))
    else:
        text = _sanitize.neutralise_markup(text)
    text = " ".join(text.split())
    text = text.lstrip(_clean._LEADING_NOISE).rstrip(_clean._TRAILING_NOISE)
    return _clean._unwrap_quotes(text)


CLEAN_FRAGMENTS = [
    *("<b>", "</b>", "<password>", "s3cr3t", "</password>", "&lt;", "&gt;", "&amp;", "<"),
    *("\\n", "\\t", '\\"', "\\", '{"', '"}', "[", "]", "{", "}", '["', '"]', '"', "'"),
    *(" ", "  ", "\n", "\t", "\x00", "\x1b[31m", "\u200b", "\u00a0", "\ud800", "é", "x", "ok."),
]


@given(st.lists(st.sampled_from(CLEAN_FRAGMENTS), max_size=20).map("".join), st.booleans())
def test_clean_text_equals_every_pattern_applied(text: str, escaped: bool) -> None:
    """Skipping a pattern whose first character is absent changes no cleaned message."""
    assert clean_text(text, escaped=escaped) == clean_every_pattern(text, escaped=escaped)


def test_printable_text_has_no_whitespace_but_the_space() -> None:
    """What lets collapse return printable text at once: no other whitespace is printable."""
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c.isprintable()]
    assert spaces == [" "]


@given(st.text(alphabet=st.sampled_from([" ", "a", "\t", "\u00a0", "\u3000", "\n", "é"])))
def test_collapse_is_split_and_join(text: str) -> None:
    """collapse, with its shortcut, is " ".join(text.split())."""
    assert collapse(text) == " ".join(text.split())


@given(st.text(max_size=50))
def test_visible_keeps_ascii_printable_text_and_agrees_with_the_long_way(text: str) -> None:
    """The shortcut of visible is taken only where the long way changes nothing."""
    long_way = _sanitize._INVISIBLE.sub("", _sanitize._BREAKS.sub(" ", _sanitize.valid(text)))
    if "\x1b" not in text and "\x9b" not in text and "\x9d" not in text:
        assert _sanitize.visible(text) == long_way


def test_a_template_that_completes_a_secret_is_still_redacted(write_rules: WriteRules) -> None:
    """The second redaction is skipped only for a message as it stands, never for new text."""
    rules = write_rules(
        acme="""\
rules:
  - id: acme.leaky
    match: {regex: 'account (?P<account>\\w+) missing'}
    type: invalid_configuration
    message: "password={{ account }}"
"""
    )
    result = failreason.load(rules, cache_size=0).classify(
        {"message": "account Abc12345xyz9 missing"}
    )
    assert result.failure_reason == "password=[redacted]"
