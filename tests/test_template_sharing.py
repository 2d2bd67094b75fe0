"""Templates are parsed once, and rules whose messages read alike share one compiled template."""

from __future__ import annotations

from typing import Any

import pytest

import failreason
from failreason._errors import Location
from failreason._render import compile_source, new_environment
from failreason._template_limits import BoundedEnvironment
from tests.conftest import WriteRules

SAME = "Widget {{ widget }} is broken; fix it in Acme."
RULES = f"""\
rules:
  - id: acme.first
    type: invalid_configuration
    match: {{regex: 'first (?P<widget>\\w+)'}}
    message: '{SAME}'
  - id: acme.second
    type: invalid_configuration
    match: {{regex: 'second (?P<widget>\\w+)'}}
    message: '{SAME}'
  - id: acme.third
    type: invalid_configuration
    match: {{regex: 'third (?P<widget>\\w+)'}}
    message: 'Widget {{{{ widget }}}} is gone.'
  - id: acme.fourth
    type: invalid_configuration
    match: {{regex: 'fourth (?P<widget>\\w+)'}}
    message: 'Gadget {{{{ widget }}}} is gone.'
"""


def test_a_template_is_parsed_once_when_it_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree read for its variables is the one compiled: Jinja's parser runs once."""
    parsed: list[str] = []
    parse = BoundedEnvironment._parse

    def counting(self: BoundedEnvironment, source: str, *args: Any) -> Any:
        parsed.append(source)
        return parse(self, source, *args)

    monkeypatch.setattr(BoundedEnvironment, "_parse", counting)
    template = compile_source(new_environment({}), SAME, "x", Location("f", 1, 1), print)
    assert template is not None
    assert parsed == [SAME]
    assert template.render({"widget": "w1"}) == "Widget w1 is broken; fix it in Acme."


def test_rules_with_the_same_message_share_one_compiled_template(
    write_rules: WriteRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled once per distinct text (a template file's text included), named per rule."""
    monkeypatch.setenv("FAILREASON_CACHE", "0")
    compiled: list[str] = []

    def counting(env: Any, source: str, *args: Any) -> Any:
        compiled.append(source)
        return compile_source(env, source, *args)

    monkeypatch.setattr("failreason._rules.compile_source", counting)
    templates = write_rules("templates", gone="Widget {{ widget }} is gone.")
    engine = failreason.load(write_rules(acme=RULES), templates)
    by_id = {rule.id: rule.template for rule in engine.rules}
    first, second, third = by_id["acme.first"], by_id["acme.second"], by_id["acme.third"]
    assert first._template is second._template
    assert third._template is engine._snapshot.templates["gone"]._template
    assert (first.name, second.name) == ("acme.first:message", "acme.second:message")
    assert compiled.count(SAME) == 1  # the second rule shares the first one's
    assert compiled.count("Gadget {{ widget }} is gone.") == 1
    assert "Widget {{ widget }} is gone." not in compiled  # the template file's, shared
    error = {"system": "acme", "status": 400, "message": "second w2"}
    assert engine.classify(error).failure_reason == "Widget w2 is broken; fix it in Acme."


def test_a_broken_message_is_reported_at_each_rule_that_has_it(write_rules: WriteRules) -> None:
    """A syntax error is not shared away: every rule with the broken text is named."""
    broken = RULES.replace(SAME, "Widget {{ widget is broken")
    with pytest.raises(failreason.RuleFileError) as raised:
        failreason.load(write_rules(acme=broken))
    assert str(raised.value).count("template syntax error") == 2
