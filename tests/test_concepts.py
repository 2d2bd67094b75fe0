"""Concepts: object and state words as data, and the `concept` matcher built on them."""

from __future__ import annotations

import pytest

import failreason
from failreason._concepts import expand
from tests.conftest import WriteRules
from tests.test_rule_files import problems_of

ENGINE = failreason.load()


def decide(body: str) -> tuple[str, str, str]:
    result = ENGINE.classify({"stage": "entry", "status": 400, "body": body})
    return result.rule_id, result.failure_reason_type, result.failure_reason


def test_endings_in_braces_expand_to_one_alternation() -> None:
    """`projekt{,et,en}` is projekt, projektet and projekten, longest first; a space also
    meets a hyphen."""
    assert expand("projekt{,et,en}") == "projekt(?:et|en|)"
    assert expand("btw code") == r"btw[\s-]+code"


@pytest.mark.parametrize(
    ("body", "rule", "reason"),
    [
        pytest.param(
            'Inköpskonto inte uppdaterat. Kontot "4000" existerar inte.',
            "objects.account-unknown",
            "Account No. 4000 does not exist in the Accounting System. Check Category.",
            id="sv-object-first-quoted",
        ),
        pytest.param(
            "Kan inte hitta projektet.",
            "objects.tag-unknown",
            "A tag used on this entry does not exist on the Accounting System. Check the Tag. "
            "Kan inte hitta projektet.",
            id="sv-state-first",
        ),
        pytest.param(
            "Der BU-Schlüssel [X] ist ungültig!",
            "objects.tax-code-unknown",
            "Tax Code X does not exist in the Accounting System",
            id="de-bracketed",
        ),
        pytest.param(
            "Kostenplaats 300 bestaat niet",
            "objects.tag-unknown",
            "Tag with code 300 does not exist on the Accounting System. Check the Tag.",
            id="nl-digit",
        ),
        pytest.param(
            "Le compte 601000 n'existe pas",
            "objects.account-unknown",
            "Account No. 601000 does not exist in the Accounting System. Check Category.",
            id="fr",
        ),
        pytest.param(
            "El proveedor está bloqueado",
            "objects.vendor-unknown",
            None,
            id="es-vendor",
        ),
        pytest.param(
            "Toimittajaa ei löydy",
            "objects.vendor-unknown",
            None,
            id="fi-vendor",
        ),
    ],
)
def test_objects_and_states_meet_in_any_language(body: str, rule: str, reason: str | None) -> None:
    rule_id, _, got = decide(body)
    assert rule_id == rule
    if reason is not None:
        assert got == reason


def test_a_plain_word_after_the_object_is_never_its_identifier() -> None:
    """Only a quoted value or one with a digit is named: "Account code must ..." names none."""
    rule_id, kind, reason = decide("Kostenstelle Vertrieb existiert nicht")
    assert (rule_id, kind) == ("objects.tag-unknown", "invalid_configuration")
    assert "Vertrieb" not in reason.split(".")[0]


def test_an_identifier_message_is_read_as_words() -> None:
    result = ENGINE.classify({"stage": "entry", "status": 400, "body": "AccountNotFound"})
    assert result.rule_id == "objects.account-unknown"


def test_words_in_different_clauses_do_not_meet() -> None:
    rule_id, _, _ = decide("Account 4000 was used. The date is invalid.")
    assert not rule_id.startswith("objects.")


def test_system_packs_and_validation_codes_still_decide_first() -> None:
    result = ENGINE.classify(
        {"system": "fortnox", "stage": "entry", "status": 400, "body": "Kan inte hitta kunden."}
    )
    assert not result.rule_id.startswith("objects.")
    result = ENGINE.classify({"stage": "validation", "code": "missing_cost_centre"})
    assert result.rule_id == "fallback"


def test_a_user_file_adds_words_and_rules_name_concepts(write_rules: WriteRules) -> None:
    rules = write_rules(
        words="""
        concepts:
          objects:
            dimension:
              words: {is: ["verkefni{,ð}"]}
          states:
            not_found:
              is: ["fannst ekki"]
        """
    )
    result = failreason.load(rules).classify({"stage": "entry", "body": "Verkefnið 12 fannst ekki"})
    assert (result.rule_id, result.failure_reason) == (
        "objects.tag-unknown",
        "Tag with code 12 does not exist on the Accounting System. Check the Tag.",
    )


def test_an_undeclared_concept_is_a_located_problem(write_rules: WriteRules) -> None:
    rules = write_rules(
        acme="""
        rules:
          - id: acme.x
            match: {concept: {object: acount, state: not_found}}
            type: invalid_configuration
            message: x
        """
    )
    (problem,) = problems_of(rules)
    assert "unknown concept object 'acount'" in problem
    assert "acme.yaml:4" in problem


def test_an_object_word_far_from_its_state_is_no_concept() -> None:
    """Thousands of object words, then a long run of text, then a state: no clause holds both.

    How the cost of such input grows is measured by benchmarks/bench_bounds.py.
    """
    body = ("konto " * 20_000) + ("x" * 50_000) + " finns inte"
    assert not ENGINE.classify({"stage": "entry", "body": body}).rule_id.startswith("objects.")


@pytest.mark.parametrize(
    ("body", "rule", "kind"),
    [
        pytest.param(
            "Vendor Posting Group DOMESTIC is not set up",
            "objects.posting-setup",
            "invalid_configuration",
            id="posting-group-before-vendor",
        ),
        pytest.param(
            "Kreditorenbuchungsgruppe fehlt",
            "objects.posting-setup-missing",
            "missing_configuration",
            id="posting-group-missing",
        ),
        pytest.param(
            "Leverandøren 3004 er ikke oprettet",
            "objects.vendor-unknown",
            "vendor_unknown",
            id="vendor-not-set-up",
        ),
        pytest.param(
            "Journal PURCH is not set up",
            "objects.invalid",
            "invalid_configuration",
            id="not-set-up-is-not-missing",
        ),
        pytest.param(
            "Account 1930 is not allowed for this type of transaction",
            "objects.not-allowed",
            "invalid_configuration",
            id="account-not-allowed",
        ),
        pytest.param(
            "Das Konto 1200 darf nicht bebucht werden",
            "objects.not-allowed",
            "invalid_configuration",
            id="de-not-allowed",
        ),
    ],
)
def test_the_states_not_set_up_and_not_allowed(body: str, rule: str, kind: str) -> None:
    rule_id, got_kind, _ = decide(body)
    assert (rule_id, got_kind) == (rule, kind)


def test_not_allowed_is_not_read_as_unknown() -> None:
    """An account that exists but may not be used must not be reported as missing from the
    system: its reason is the system's own message."""
    _, _, reason = decide("Account 1930 is not allowed for this type of transaction")
    assert reason == "Account 1930 is not allowed for this type of transaction"


def test_the_identifier_after_a_state_first_object_is_captured() -> None:
    _, _, reason = decide("Unable to find tag 'Marketing'")
    assert reason.startswith("Tag with code Marketing does not exist")
    _, _, reason = decide("Invalid account code: 9999")
    assert reason == "Account No. 9999 does not exist in the Accounting System. Check Category."


def test_a_longer_object_word_is_read_before_its_prefix() -> None:
    """`dimension{,s}{, value}` reads "Dimension value 'NORTH'" whole, so NORTH is captured."""
    _, _, reason = decide("Dimension value 'NORTH' could not be found")
    assert reason == "Tag with code NORTH does not exist on the Accounting System. Check the Tag."


def test_a_modifier_after_a_possessive_is_still_a_modifier() -> None:
    rule_id, _, _ = decide("The supplier's e-mail address is not set up")
    assert not rule_id.startswith("objects.")


def test_an_object_not_set_up_gets_the_seed_wording_only_when_named() -> None:
    """ "Konto 6540 er ikke opprettet" names the account that does not exist; "Account is not
    configured for multi-currency" is about a setting, so the system's words are passed on."""
    rule_id, kind, reason = decide("Konto 6540 er ikke opprettet")
    assert (rule_id, kind) == ("objects.not-set-up", "invalid_configuration")
    assert reason == "Account No. 6540 does not exist in the Accounting System. Check Category."
    rule_id, kind, reason = decide("Account is not configured for multi-currency")
    assert (rule_id, kind) == ("objects.invalid", "invalid_configuration")
    assert reason == "Account is not configured for multi-currency"


def test_the_users_own_account_and_bank_details_are_no_ledger_account() -> None:
    for body in ("Your account is not set up for API access", "Reg.nr. og kontonummer er ugyldigt"):
        rule_id, _, _ = decide(body)
        assert not rule_id.startswith("objects."), body
