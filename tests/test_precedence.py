"""Which rule decides when several match: the documented, deterministic order."""

from __future__ import annotations

import failreason
from tests.conftest import WriteRules

RULE = """\
  - id: {id}
    match: {match}
    type: {type}
    message: {id}
"""


def rules_file(*rules: dict[str, str], system: str | None = None) -> str:
    head = f"system: {system}\n" if system else ""
    return (
        head
        + "rules:\n"
        + "".join(RULE.format(**{"type": "unexpected_failure", **rule}) for rule in rules)
    )


def test_system_specific_rule_beats_a_generic_one_of_higher_priority(
    write_rules: WriteRules,
) -> None:
    """A rule for the error's system is tried before any generic rule, whatever the priority."""
    text = rules_file({"id": "acme.generic", "match": "{status: 400}"}) + "    priority: 50\n"
    rules = write_rules(
        a=text, b=rules_file({"id": "acme.xero", "match": "{status: 400}"}, system="xero")
    )
    engine = failreason.load(rules)
    assert engine.classify({"system": "xero", "status": 400}).rule_id == "acme.xero"
    assert engine.classify({"system": "myob", "status": 400}).rule_id == "acme.generic"


def test_higher_priority_first_then_file_order(write_rules: WriteRules) -> None:
    """Among equals, the higher priority wins; among equal priorities, the earlier rule."""
    rules = write_rules(
        a=rules_file(
            {"id": "acme.first", "match": "{status: 400}"},
            {"id": "acme.second", "match": "{status: 400}"},
        ),
        b=rules_file(
            {"id": "acme.urgent", "match": "{status: 409}"},
            {"id": "acme.urgent2", "match": "{status: 409}"},
        )
        + "    priority: 5\n",
    )
    engine = failreason.load(rules)
    assert engine.classify({"status": 400}).rule_id == "acme.first"
    assert engine.classify({"status": 409}).rule_id == "acme.urgent2"


def test_user_rules_come_before_built_in_rules(write_rules: WriteRules) -> None:
    """A user's generic rule beats a built-in rule of higher priority."""
    rules = write_rules(a=rules_file({"id": "acme.auth", "match": "{status: 401}"}))
    result = failreason.load(rules).classify({"status": 401})
    assert (result.rule_id, result.failure_reason) == ("acme.auth", "acme.auth")


def test_user_rule_with_a_built_in_id_replaces_it(write_rules: WriteRules) -> None:
    """Reusing a built-in rule's id overrides that rule rather than adding a second one."""
    rules = write_rules(a=rules_file({"id": "generic.rate-limit", "match": "{status: 429}"}))
    engine = failreason.load(rules)
    assert [r.id for r in engine.rules].count("generic.rate-limit") == 1
    assert engine.classify({"status": 429}).failure_reason == "generic.rate-limit"


def test_user_template_replaces_the_built_in_one(write_rules: WriteRules) -> None:
    """A user template with a built-in's name is used by the built-in rules."""
    templates = write_rules("templates", rate_limit="Slow down: {{ message }}")
    result = failreason.load(templates_dir=templates).classify({"status": 429, "message": "429!"})
    assert result.failure_reason == "Slow down: 429!"


def test_built_in_order_is_stable(engine: failreason.Engine) -> None:
    """Two loads give the same rule order."""
    assert [r.id for r in engine.rules] == [r.id for r in failreason.load().rules]
    assert engine.rules[-1].id == "fallback"
