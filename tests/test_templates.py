"""Reasons are rendered from sandboxed templates; error text is data, never code."""

from __future__ import annotations

import pytest

import failreason
from tests.conftest import WriteRules


def test_template_syntax_in_an_error_message_comes_out_literally(
    engine: failreason.Engine,
) -> None:
    """An accounting-system message holding ``{{ ... }}`` is printed, not evaluated."""
    hostile = "Bad value {{ 7 * 7 }} {% for x in range(3) %}{{ x }}{% endfor %} {{ config }}"
    result = engine.classify({"status": 400, "message": hostile})
    assert result.failure_reason == hostile


def test_captured_template_syntax_comes_out_literally(engine: failreason.Engine) -> None:
    """A captured identifier holding template syntax is inserted as text."""
    result = engine.classify({"status": 400, "message": "Tax code '{{7*7}}' does not exist"})
    assert result.failure_reason == "Tax Code {{7*7}} does not exist in the Accounting System"


def test_sandbox_blocks_attribute_escapes(write_rules: WriteRules) -> None:
    """A rule author's template cannot reach Python internals through the sandbox."""
    rules = write_rules(
        acme="""\
rules:
  - id: acme.escape
    match: {code: x}
    type: unexpected_failure
    message: "{{ message.__class__.__mro__ }}"
"""
    )
    result = failreason.load(rules).classify({"code": "x", "message": "hello"})
    assert result.rule_id != "acme.escape"  # the render failed, so the next rule decided


def test_a_rule_that_cannot_render_yields_to_the_next(write_rules: WriteRules) -> None:
    """A template needing a value this error lacks does not break classification."""
    rules = write_rules(
        acme="""\
rules:
  - id: acme.needs-capture
    match: {any: [{regex: 'account (?P<account>\\d+)'}, {code: acct}]}
    type: invalid_configuration
    message: "Account {{ account }} is wrong"
"""
    )
    engine = failreason.load(rules)
    assert engine.classify({"message": "account 42 gone"}).failure_reason == "Account 42 is wrong"
    fallback = engine.classify({"code": "acct", "message": "no number here"})
    assert fallback.rule_id == "fallback"
    explanation = engine.explain({"code": "acct", "message": "no number here"})
    [failed] = [step for step in explanation.steps if step.error]
    assert "'account' is undefined" in failed.error  # type: ignore[operator]


def test_reasons_are_cut_at_500_characters_on_a_word(engine: failreason.Engine) -> None:
    """A long accounting-system message is cut at a word boundary, with an ellipsis."""
    words = " ".join(f"word{i}" for i in range(200))
    reason = engine.classify({"status": 400, "message": words}).failure_reason
    assert len(reason) <= 500
    assert reason.endswith("…")
    assert reason[:-1].rstrip() in words
    assert words.startswith(reason[:-1].rstrip() + " ")


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
            ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            id="bearer-jwt",
        ),
        pytest.param("client_secret=Zk3Q9vX2mLp8Rt6Yw1Nc4Hs7Ub0Je5Ag", id="client-secret"),
        pytest.param('"password": "hunter2-but-longer"', id="password"),
    ],
)
def test_secrets_in_messages_are_redacted(engine: failreason.Engine, secret: str) -> None:
    """Credentials an accounting system echoes back never reach Pleo."""
    reason = engine.classify({"status": 400, "message": f"Request failed: {secret}"}).failure_reason
    assert "[redacted]" in reason
    assert secret.rsplit(maxsplit=1)[-1].strip('"') not in reason


def test_a_filter_failing_inside_yields_to_the_next_rule(write_rules: WriteRules) -> None:
    """A filter that raises from inside (``dictsort`` on a text) makes the rule give way."""
    rules = write_rules(
        acme="""\
rules:
  - id: acme.broken-filter
    match: {code: x}
    type: unexpected_failure
    message: "{{ message|dictsort }}"
"""
    )
    result = failreason.load(rules).classify({"code": "x", "message": "hello"})
    assert result.rule_id == "fallback"
