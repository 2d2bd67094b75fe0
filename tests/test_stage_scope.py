"""Stage scope: a pack's rules decide only at the stages their type fits, declared once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import failreason
from failreason._stage_scope import pack_default
from failreason._vocabulary import ITEM_FAILURE_TYPES, STAGES
from tests.conftest import WriteRules
from tests.test_rule_files import problems_of

RULES_DIR = Path(__file__).parent.parent / "rules"

ACME = """\
system: acme
rules:
  - id: acme.account
    match: {contains: konto saknas}
    type: invalid_configuration
    message: "Kontot saknas"
  - id: acme.token
    match: {contains: token utgånget}
    type: accounting_system_authentication_failure
    template: authentication_failure
"""


def decided(rules: Path, stage: str, body: str) -> str:
    return failreason.load(rules).classify({"system": "acme", "stage": stage, "body": body}).rule_id


@pytest.mark.parametrize("stage", ["entry", "auth"])
def test_a_configuration_rule_of_a_pack_decides_at_entry_and_auth(
    write_rules: WriteRules, stage: str
) -> None:
    """A pack's configuration rule applies where the entry itself was sent."""
    assert decided(write_rules(acme=ACME), stage, "Konto saknas") == "acme.account"


@pytest.mark.parametrize(
    ("stage", "rule"),
    [
        pytest.param("receipt_upload", "generic.receipt-upload", id="receipt_upload"),
        pytest.param("validation", "fallback", id="validation"),
        pytest.param("receipt_download", "generic.receipt-download", id="receipt_download"),
    ],
)
def test_a_configuration_rule_of_a_pack_leaves_other_stages_alone(
    write_rules: WriteRules, stage: str, rule: str
) -> None:
    """Without a single `not: {stage: ...}` in the pack, the generic rules decide elsewhere."""
    assert decided(write_rules(acme=ACME), stage, "Konto saknas") == rule


def test_a_credentials_rule_of_a_pack_decides_while_a_receipt_is_attached(
    write_rules: WriteRules,
) -> None:
    """Credentials fail the receipt upload like they fail the entry: the pack still decides."""
    assert decided(write_rules(acme=ACME), "receipt_upload", "Token utgånget") == "acme.token"


def test_a_credentials_rule_of_a_pack_leaves_validation_alone(write_rules: WriteRules) -> None:
    """The connector's own checks are not the accounting system's answers."""
    assert decided(write_rules(acme=ACME), "validation", "Token utgånget") == "fallback"


def test_a_file_s_stages_replace_the_default(write_rules: WriteRules) -> None:
    """`stages:` at file level applies to every rule of the file."""
    rules = write_rules(acme="stages: [receipt_upload]\n" + ACME)
    assert decided(rules, "receipt_upload", "Konto saknas") == "acme.account"
    assert decided(rules, "entry", "Konto saknas") == "objects.account-missing"


def test_a_rule_s_stages_replace_the_file_s(write_rules: WriteRules) -> None:
    """`stages:` on a rule wins over the file's and the default."""
    text = "stages: [receipt_upload]\n" + ACME.replace(
        "    type: invalid_configuration\n",
        "    stages: [entry]\n    type: invalid_configuration\n",
    )
    rules = write_rules(acme=text)
    assert decided(rules, "entry", "Konto saknas") == "acme.account"
    assert decided(rules, "receipt_upload", "Konto saknas") == "generic.receipt-upload"


def test_a_generic_file_applies_at_every_stage(write_rules: WriteRules) -> None:
    """A file without `system:` has no default scope: its rules name the stage they need."""
    rules = write_rules(acme=ACME.replace("system: acme\n", ""))
    assert decided(rules, "validation", "Konto saknas") == "acme.account"


def test_the_rule_records_its_scope(write_rules: WriteRules) -> None:
    """`Rule.stages` holds the scope the rule was compiled with, for explain and tests."""
    engine = failreason.load(write_rules(acme=ACME))
    scopes = {rule.id: rule.stages for rule in engine.rules if rule.id.startswith("acme.")}
    assert scopes == {
        "acme.account": frozenset({"entry", "auth"}),
        "acme.token": frozenset({"entry", "auth", "receipt_upload"}),
    }


@pytest.mark.parametrize("failure_type", ITEM_FAILURE_TYPES)
def test_every_type_has_a_default_scope_within_the_stages(failure_type: str) -> None:
    """Each type's default names real stages, and never the connector's own validation."""
    scope = pack_default(failure_type)
    assert scope
    assert scope <= set(STAGES)
    assert "validation" not in scope


def test_a_misspelt_stage_suggests_the_right_one(write_rules: WriteRules) -> None:
    """An unknown stage is an error at that value, with a "did you mean"."""
    rules = write_rules(acme="stages: [entry, reciept_upload]\n" + ACME)
    [problem] = problems_of(rules)
    assert problem == (
        f"{rules}/acme.yaml:1:17: unknown stage 'reciept_upload'; "
        "did you mean 'receipt_upload'? (at stages[1])"
    )


def test_a_rule_that_needs_a_stage_outside_its_scope_is_reported(write_rules: WriteRules) -> None:
    """A pack rule matching only at validation can never decide: a dead rule is an error."""
    rules = write_rules(acme=ACME.replace("{contains: konto saknas}", "{stage: validation}"))
    [problem] = problems_of(rules)
    assert problem == (
        f"{rules}/acme.yaml:4:12: rule 'acme.account' can never match: it needs stage "
        "validation, but its stage scope is entry, auth; add `stages: [validation]` to the rule "
        "(at rules[0])"
    )


def _stage_exclusions(match: object) -> list[object]:
    if isinstance(match, list):
        return [found for part in match for found in _stage_exclusions(part)]
    if not isinstance(match, dict):
        return []
    here = [match["not"]] if isinstance(match.get("not"), dict) and "stage" in match["not"] else []
    return here + [found for value in match.values() for found in _stage_exclusions(value)]


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_built_in_packs_declare_stage_scope_once(path: Path) -> None:
    """No built-in rule repeats a `not: {stage: ...}`: stage scope says it once."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [
        rule["id"] for rule in data.get("rules", []) if _stage_exclusions(rule.get("match", {}))
    ]
    assert found == []
