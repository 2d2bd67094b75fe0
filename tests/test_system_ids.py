"""System ids as users type them: aliases as data, spellings folded, and "did you mean"."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import failreason
from failreason._cli import main
from tests.conftest import WriteRules

RULES = Path(__file__).parent.parent / "rules"

# The systems Pleo integrates with that issue 8 names, whether or not they have a pack yet.
INTEGRATED = (
    "dinero",
    "billy",
    "uniconta",
    "poweroffice_go",
    "fiken",
    "xledger",
    "visma_business_nxt",
    "procountor",
    "netvisor",
    "fivaldi",
    "moneybird",
    "zoho_books",
    "sap_business_one",
    "dynamics_365_finance",
    "sage_50",
    "sage_200",
    "sevdesk",
    "wave",
    "kashflow",
    "quickbooks_desktop",
)


def problems_of(rules_dir: Path) -> list[str]:
    with pytest.raises(failreason.RuleFileError) as caught:
        failreason.load(rules_dir)
    return [str(problem) for problem in caught.value.problems]


def pack_systems() -> list[str]:
    """Every system a built-in rule file is a pack for."""
    found = []
    for path in sorted(RULES.glob("*.yaml")):
        system = yaml.safe_load(path.read_text(encoding="utf-8")).get("system")
        if isinstance(system, str):
            found.append(system)
    return found


# --- aliases from the data file, and spellings ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        pytest.param("quickbooks", "quickbooks_online", id="quickbooks"),
        pytest.param("qbo", "quickbooks_online", id="qbo"),
        pytest.param("intuit", "quickbooks_online", id="intuit"),
        pytest.param("business-central", "business_central", id="business-central"),
        pytest.param("dynamics_bc", "business_central", id="dynamics_bc"),
        pytest.param("d365bc", "business_central", id="d365bc"),
        pytest.param("bc", "business_central", id="bc"),
        pytest.param("exact", "exact_online", id="exact"),
        pytest.param("e-conomic", "economic", id="e-conomic"),
        pytest.param("visma_economic", "economic", id="visma_economic"),
        pytest.param("oracle_netsuite", "netsuite", id="oracle_netsuite"),
        pytest.param("lexware", "lexoffice", id="lexware"),
        pytest.param("intacct", "sage_intacct", id="intacct"),
        pytest.param("qbd", "quickbooks_desktop", id="qbd"),
        pytest.param("SAP B1", "sap_business_one", id="sap-b1"),
        pytest.param("d365fo", "dynamics_365_finance", id="d365fo"),
        pytest.param("PowerOffice", "poweroffice_go", id="poweroffice"),
    ],
)
def test_an_alias_resolves_to_its_canonical_id(
    engine: failreason.Engine, typed: str, canonical: str
) -> None:
    """An alias listed in rules/systems.yaml is the system rules see, with no warning."""
    assert engine.signal({"system": typed}).system == canonical
    assert engine.classify({"system": typed, "status": 400, "body": "x"}).warnings == ()


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        pytest.param("QuickBooks Online", "quickbooks_online", id="words"),
        pytest.param("Business Central", "business_central", id="two-words"),
        pytest.param("BusinessCentral", "business_central", id="camel-case"),
        pytest.param("  Xero ", "xero", id="padded"),
        pytest.param("Visma.net", "visma_net", id="dot"),
        pytest.param("Sage 50", "sage_50", id="digits"),
        pytest.param("PowerOffice Go", "poweroffice_go", id="poweroffice-go"),
        pytest.param("zoho--books", "zoho_books", id="repeated-separators"),
        pytest.param("Microsoft Dynamics 365 Business Central", "business_central", id="name"),
    ],
)
def test_case_and_separators_do_not_matter(
    engine: failreason.Engine, typed: str, canonical: str
) -> None:
    """Case, spaces, hyphens, dots and underscores fold: "Business Central" is business_central."""
    assert engine.signal({"system": typed}).system == canonical


def test_an_alias_selects_the_pack_for_every_pack_example(engine: failreason.Engine) -> None:
    """Every pack example decides the same with its system written as words, in capitals."""
    checked = 0
    for rule in engine.rules:
        for example in rule.examples:
            system = example.input.get("system")
            if not rule.specific or not isinstance(system, str):
                continue
            spelled = {**example.input, "system": system.replace("_", " ").upper()}
            expected = engine.classify(dict(example.input))
            got = engine.classify(spelled)
            assert (got.rule_id, got.failure_reason) == (
                expected.rule_id,
                expected.failure_reason,
            ), f"{rule.id} with system {spelled['system']!r}"
            checked += 1
    assert checked > 100


def test_every_pack_system_is_declared_with_a_name(engine: failreason.Engine) -> None:
    """A pack's system is in rules/systems.yaml with its name, so the README table can say it."""
    names = engine._snapshot.system_ids.names
    missing = [system for system in pack_systems() if not names.get(system)]
    assert missing == []


@pytest.mark.parametrize("system", INTEGRATED)
def test_each_system_pleo_integrates_with_is_declared(
    engine: failreason.Engine, system: str
) -> None:
    """The systems issue 8 lists are known by their canonical id, pack or not."""
    assert engine.canonical_system(system) == system
    assert engine._snapshot.system_ids.names[system]


def test_canonical_system_answers_none_for_what_is_not_known(engine: failreason.Engine) -> None:
    """``canonical_system`` resolves aliases and says None for unknown or untypable ids."""
    assert engine.canonical_system("Zoho") == "zoho_books"
    assert engine.canonical_system("acme_ledger") is None
    assert engine.canonical_system("Quick Books!") is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("Økonomi", id="non-ascii"),
        pytest.param("4xero", id="leading-digit"),
        pytest.param("quick books!", id="punctuation"),
        pytest.param(" - ", id="only-separators"),
        pytest.param("", id="empty"),
        pytest.param("a" * 65, id="too-long"),
        pytest.param(3, id="number"),
    ],
)
def test_a_system_that_cannot_be_an_id_is_an_envelope_error(
    engine: failreason.Engine, value: object
) -> None:
    """What does not fold to an id is refused, naming the key and never the value."""
    with pytest.raises(failreason.EnvelopeError, match="'system' must be a system id") as caught:
        engine.classify({"system": value})
    assert str(value) not in str(caught.value) or value == ""


def test_an_unknown_system_far_from_any_is_accepted_silently(engine: failreason.Engine) -> None:
    """A system without a pack and like none gets the generic layer and no warning."""
    result = engine.classify({"system": "acme_ledger", "status": 429, "body": "Slow down"})
    assert (result.rule_id, result.warnings) == ("generic.rate-limit", ())


# --- ambiguity and "did you mean" ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        pytest.param("visma", ("economic", "visma_eaccounting", "visma_net"), id="visma"),
        pytest.param("Sage", ("sage_accounting", "sage_intacct", "sage_50", "sage_200"), id="sage"),
        pytest.param("dynamics", ("business_central", "dynamics_365_finance"), id="dynamics"),
    ],
)
def test_an_ambiguous_id_warns_with_every_candidate_and_chooses_no_pack(
    engine: failreason.Engine, typed: str, candidates: tuple[str, ...]
) -> None:
    """ "visma" could be any of several products: the warning names them; no pack is guessed."""
    result = engine.classify({"system": typed, "status": 400, "body": "x"})
    (warning,) = result.warnings
    assert all(repr(candidate) in warning for candidate in candidates)
    assert "name one of them" in warning
    assert engine.signal({"system": typed}).system == typed.lower()


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        pytest.param("quikbooks", "quickbooks_online", id="quikbooks"),
        pytest.param("zero", "xero", id="zero"),
        pytest.param("fortnoks", "fortnox", id="fortnoks"),
        pytest.param("business_centrl", "business_central", id="business_centrl"),
        pytest.param("Exact-Onlin", "exact_online", id="exact-onlin"),
    ],
)
def test_a_system_close_to_a_known_one_warns_with_a_suggestion(
    engine: failreason.Engine, typed: str, suggested: str
) -> None:
    """A misspelt system keeps its generic classification and says what was probably meant."""
    result = engine.classify({"system": typed, "status": 429, "body": "Too many requests"})
    assert result.rule_id == "generic.rate-limit"
    (warning,) = result.warnings
    assert f"did you mean {suggested!r}" in warning
    assert "only the generic rules apply" in warning


def test_warnings_stay_out_of_the_item_payload(engine: failreason.Engine) -> None:
    """Pleo never sees a warning: it is in the record for the caller, not in the item update."""
    result = engine.classify({"system": "quikbooks", "body": "Nope"})
    assert result.warnings
    assert "warnings" not in result.item_payload("59540ed2-0000-4000-8000-000000000001")
    assert result.to_json()["warnings"] == list(result.warnings)


def test_a_record_without_warnings_has_no_warnings_key(engine: failreason.Engine) -> None:
    """A clean envelope's record is exactly what it was before warnings existed."""
    record = engine.classify({"system": "xero", "body": "Nope"}).to_json()
    assert set(record) == {"failureReasonType", "failureReason", "rule", "retryable"}


@pytest.mark.parametrize(
    ("code", "suggested"),
    [
        pytest.param("missing_jounral", "missing_journal", id="transposed"),
        pytest.param("unknown-tax-code", "unknown_tax_code", id="hyphens"),
        pytest.param("Unknown_Vendr", "unknown_vendor", id="case-and-typo"),
    ],
)
def test_a_validation_code_close_to_a_known_one_warns(
    engine: failreason.Engine, code: str, suggested: str
) -> None:
    """A misspelt validation code falls to the fallback, and the warning says which it meant."""
    result = engine.classify({"stage": "validation", "code": code})
    assert result.rule_id == "fallback"
    (warning,) = result.warnings
    assert warning == (
        f"validation code {code!r} is not known, so no validation rule applies; "
        f"did you mean {suggested!r}?"
    )


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param({"stage": "validation", "code": "missing_journal"}, id="known"),
        pytest.param({"stage": "validation", "code": "MISSING_JOURNAL"}, id="known-in-capitals"),
        pytest.param({"stage": "validation", "code": "po_number_required"}, id="far-from-any"),
        pytest.param({"stage": "entry", "code": "missing_jounral"}, id="not-validation"),
        pytest.param({"stage": "validation"}, id="no-code"),
    ],
)
def test_no_code_warning_when_nothing_was_lost(
    engine: failreason.Engine, envelope: dict[str, Any]
) -> None:
    """Known codes, codes like none, and codes at other stages give no warning."""
    assert engine.classify(envelope).warnings == ()


def test_a_long_or_odd_code_is_not_quoted_in_the_warning(engine: failreason.Engine) -> None:
    """A code that does not look like an identifier may hold anything: the warning omits it."""
    code = "missing journal"
    (warning,) = engine.classify({"stage": "validation", "code": code}).warnings
    assert code not in warning
    assert warning.startswith("validation code given is not known")


def test_codes_of_user_validation_rules_are_known_too(write_rules: WriteRules) -> None:
    """A user rule at stage validation adds its code: a near miss of it gets the suggestion."""
    rules = write_rules(
        mine="""\
        rules:
          - id: mine.missing-project
            match: {stage: validation, code: missing_project}
            type: missing_configuration
            message: "Project missing: provide the project in the configurations"
        """
    )
    engine = failreason.load(rules)
    (warning,) = engine.classify({"stage": "validation", "code": "missing_projct"}).warnings
    assert "did you mean 'missing_project'?" in warning


# --- strict mode ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict() -> failreason.Engine:
    return failreason.load(strict=True)


@pytest.mark.parametrize(
    ("envelope", "message"),
    [
        pytest.param(
            {"system": "quikbooks"},
            "system 'quikbooks' is not known, refused in strict mode; "
            "did you mean 'quickbooks_online'?",
            id="close-system",
        ),
        pytest.param(
            {"system": "dynamics"},
            "system 'dynamics' may mean any of 'business_central', 'dynamics_365_finance', "
            "refused in strict mode; name one of them",
            id="ambiguous-system",
        ),
        pytest.param(
            {"stage": "validation", "code": "missing_jounral"},
            "validation code 'missing_jounral' is not known, refused in strict mode; "
            "did you mean 'missing_journal'?",
            id="close-code",
        ),
    ],
)
def test_strict_mode_refuses_what_would_be_a_warning(
    strict: failreason.Engine, envelope: dict[str, Any], message: str
) -> None:
    """``load(strict=True)``: a warning becomes an EnvelopeError with the same advice."""
    assert strict.strict
    with pytest.raises(failreason.EnvelopeError) as caught:
        strict.classify(envelope)
    assert str(caught.value) == message


def test_strict_mode_still_accepts_aliases_and_unknown_systems(strict: failreason.Engine) -> None:
    """Strict refuses only the doubtful: aliases, spellings and far-off ids pass."""
    for system in ("QBO", "Business Central", "acme_ledger"):
        assert strict.classify({"system": system, "body": "x"}).warnings == ()


def test_the_default_engine_is_not_strict(engine: failreason.Engine) -> None:
    assert not engine.strict


# --- the command line ----------------------------------------------------------------------


def classify_cli(
    argv: list[str],
    lines: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(json.dumps(x) + "\n" for x in lines)))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def test_classify_puts_warnings_in_the_record_and_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record carries ``warnings``; stderr gets one line per warning, with its line."""
    lines: list[dict[str, Any]] = [
        {"system": "xero", "body": "x"},
        {"system": "zero", "status": 429},
    ]
    status, records, err = classify_cli(["classify"], lines, capsys, monkeypatch)
    assert status == 0
    assert "warnings" not in records[0]
    (warning,) = records[1]["warnings"]
    assert "did you mean 'xero'?" in warning
    assert err == f"failreason: line 2: warning: {warning}\n"


def test_classify_strict_fails_the_line_and_goes_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--strict``: the doubtful line gets an error record, the others are classified, exit 1."""
    lines = [{"system": "zero", "status": 429}, {"system": "Xero", "status": 429}]
    status, records, _ = classify_cli(["classify", "--strict"], lines, capsys, monkeypatch)
    assert status == 1
    assert records[0] == {
        "line": 1,
        "error": "system 'zero' is not known, refused in strict mode; did you mean 'xero'?",
    }
    assert records[1]["failureReasonType"] == "accounting_system_rate_limit"


def test_explain_shows_the_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``explain`` lists the warning beside the messages it read."""
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"system": "visma", "body": "x"}\n'))
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert "  warning: system 'visma' may mean any of 'economic'" in out


# --- the data file, checked like rules ------------------------------------------------------


def test_a_file_holding_only_systems_is_accepted(write_rules: WriteRules) -> None:
    """A user file that only declares a system and its aliases loads, and the aliases work."""
    rules = write_rules(
        systems="""\
        systems:
          acme_ledger:
            name: Acme Ledger
            aliases: [acme, ACME Books]
        """
    )
    engine = failreason.load(rules)
    assert engine.signal({"system": "Acme Books"}).system == "acme_ledger"
    assert engine.signal({"system": "acme"}).system == "acme_ledger"


def test_a_user_file_can_settle_an_ambiguous_id(write_rules: WriteRules) -> None:
    """Mapping "visma" to the product you use overrides the built-in ambiguity: no warning."""
    rules = write_rules(systems="systems:\n  visma_net:\n    aliases: [visma]\n")
    engine = failreason.load(rules)
    result = engine.classify({"system": "Visma", "body": "x"})
    assert (engine.signal({"system": "Visma"}).system, result.warnings) == ("visma_net", ())


def test_a_user_file_can_add_an_alias_to_a_user_pack(write_rules: WriteRules) -> None:
    """A pack's system is known without a name, so an entry may just add aliases to it."""
    rules = write_rules(
        acme="""\
        system: acme
        rules:
          - id: acme.any
            match: {status: 400}
            type: invalid_configuration
            message: "Acme said no"
        """,
        systems="systems:\n  acme:\n    aliases: [acme cloud]\n",
    )
    engine = failreason.load(rules)
    result = engine.classify({"system": "Acme-Cloud", "status": 400})
    assert result.rule_id == "acme.any"


def test_lint_locates_an_alias_of_an_unknown_system(write_rules: WriteRules) -> None:
    """Aliases for a system nobody declared (a misspelt id) are a located problem with a hint."""
    rules = write_rules(systems="systems:\n  quickbooks_onlin:\n    aliases: [qb]\n")
    assert problems_of(rules) == [
        f"{rules}/systems.yaml:2:3: aliases for unknown system 'quickbooks_onlin'; "
        "did you mean 'quickbooks_online'? (at systems.quickbooks_onlin)",
        f"{rules}/systems.yaml:3:15: an alias of unknown system 'quickbooks_onlin'; "
        "did you mean 'quickbooks_online'? (at systems.quickbooks_onlin.aliases[0])",
    ]


def test_lint_locates_an_ambiguous_id_naming_an_unknown_system(write_rules: WriteRules) -> None:
    """Each candidate of an ambiguous id must be a known system."""
    rules = write_rules(systems="ambiguous:\n  acme: [xero, acme_ledger]\n")
    (problem,) = problems_of(rules)
    assert problem.startswith(f"{rules}/systems.yaml:2:3: an alias of unknown system 'acme_ledger'")
    assert problem.endswith("(at ambiguous.acme)")


def test_lint_locates_an_alias_defined_twice(write_rules: WriteRules) -> None:
    """The same alias (in any spelling) twice in one rules directory names the first place."""
    rules = write_rules(
        a="systems:\n  xero:\n    aliases: [books]\n",
        b="systems:\n  fortnox:\n    aliases: [Books]\n",
    )
    assert problems_of(rules) == [
        f"{rules}/b.yaml:3:15: alias is already defined at {rules}/a.yaml:3:15 "
        "(at systems.fortnox.aliases[0])"
    ]


def test_lint_locates_an_alias_that_is_another_systems_id(write_rules: WriteRules) -> None:
    """An alias cannot take the id of a different system."""
    rules = write_rules(systems="systems:\n  xero:\n    aliases: [Fortnox]\n")
    assert problems_of(rules) == [
        f"{rules}/systems.yaml:3:15: alias is already the id of system 'fortnox' "
        "(at systems.xero.aliases[0])"
    ]


def test_lint_locates_an_alias_that_cannot_be_typed(write_rules: WriteRules) -> None:
    """An alias that no envelope could spell (punctuation, accents) is a problem."""
    rules = write_rules(systems="systems:\n  xero:\n    aliases: ['Xero (NZ)']\n")
    (problem,) = problems_of(rules)
    assert problem.startswith(f"{rules}/systems.yaml:3:15: alias 'Xero (NZ)' cannot be typed")


def test_lint_locates_a_system_declared_twice(write_rules: WriteRules) -> None:
    """Two names for one system in one rules directory: the second is a problem."""
    rules = write_rules(
        a="systems:\n  acme:\n    name: Acme\n",
        b="systems:\n  acme:\n    name: Acme Ledger\n",
    )
    (problem,) = problems_of(rules)
    assert problem.startswith(f"{rules}/b.yaml:3:5: system 'acme' is already declared at")


def test_lint_suggests_the_key_of_a_misspelt_entry_field(write_rules: WriteRules) -> None:
    """The schema knows a system entry's keys: ``alias`` gets "did you mean 'aliases'"."""
    rules = write_rules(systems="systems:\n  xero:\n    alias: [books]\n")
    (problem,) = problems_of(rules)
    assert "unknown key 'alias'; did you mean 'aliases'?" in problem


def test_failreason_lint_prints_alias_problems_and_exits_1(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    """``failreason lint`` lists the alias problems, located, like any rule-file problem."""
    rules = write_rules(systems="systems:\n  xero:\n    aliases: [Fortnox]\n")
    assert main(["lint", "--rules", str(rules)]) == 1
    out = capsys.readouterr().out
    assert f"{rules}/systems.yaml:3:15: FR001 alias is already the id of system 'fortnox'" in out


def test_a_user_file_can_make_an_alias_ambiguous(write_rules: WriteRules) -> None:
    """An ``ambiguous`` entry in your rules overrides a built-in alias of the same id."""
    rules = write_rules(
        systems="""\
        systems:
          exact_globe: {name: Exact Globe}
        ambiguous:
          exact: [exact_online, exact_globe]
        """
    )
    (warning,) = failreason.load(rules).classify({"system": "exact", "body": "x"}).warnings
    assert "may mean any of 'exact_online', 'exact_globe'" in warning


def test_codes_of_rules_at_other_stages_are_not_validation_codes(write_rules: WriteRules) -> None:
    """Only a code beside ``stage: validation`` is a validation code."""
    rules = write_rules(
        mine="""\
        rules:
          - id: mine.project
            match: {stage: entry, code: missing_project}
            type: missing_configuration
            message: "Project missing"
        """
    )
    engine = failreason.load(rules)
    assert engine.classify({"stage": "validation", "code": "missing_projct"}).warnings == ()


def test_codes_listed_under_any_are_validation_codes(write_rules: WriteRules) -> None:
    """``any: [{code: ...}, ...]`` beside ``stage: validation`` declares each code."""
    rules = write_rules(
        mine="""\
        rules:
          - id: mine.project
            match:
              stage: validation
              any: [{code: missing_project}, {code: missing_department}]
            type: missing_configuration
            message: "Project missing"
        """
    )
    engine = failreason.load(rules)
    (warning,) = engine.classify({"stage": "validation", "code": "missing_departmnt"}).warnings
    assert "did you mean 'missing_department'?" in warning


def test_your_pack_wins_over_a_built_in_alias_of_its_id(write_rules: WriteRules) -> None:
    """A pack of yours for system ``qbo`` gets envelopes that say "qbo", without a problem."""
    rules = write_rules(
        qbo="""\
        system: qbo
        rules:
          - id: qbo.any
            match: {status: 400}
            type: invalid_configuration
            message: "Our qbo said no"
        """
    )
    engine = failreason.load(rules)
    assert engine.classify({"system": "QBO", "status": 400}).rule_id == "qbo.any"
    assert engine.signal({"system": "quickbooks"}).system == "quickbooks_online"


def test_lint_locates_a_rule_restricted_to_an_alias(write_rules: WriteRules) -> None:
    """``match: {system: qbo}`` would never match: qbo reaches the rules as quickbooks_online."""
    rules = write_rules(
        mine="""\
        rules:
          - id: mine.qbo
            match: {system: qbo, status: 400}
            type: invalid_configuration
            message: "never"
        """
    )
    assert problems_of(rules) == [
        f"{rules}/mine.yaml:2:5: rule is for system 'qbo', an alias: envelopes that say 'qbo' "
        "reach the rules as 'quickbooks_online', so it never applies; name 'quickbooks_online'"
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("systems: {123: {name: X}}\n", id="number-as-system"),
        pytest.param("ambiguous: {123: [xero, fortnox]}\n", id="number-as-ambiguous-id"),
        pytest.param("ambiguous: {true: [xero, fortnox]}\n", id="boolean-as-ambiguous-id"),
        pytest.param("systems: {acme: {name: A, aliases: [1]}}\n", id="number-as-alias"),
        pytest.param("ambiguous: {x: [xero]}\n", id="one-candidate"),
        pytest.param("systems: {acme: }\n", id="null-entry"),
    ],
)
def test_a_malformed_systems_file_is_a_located_problem(write_rules: WriteRules, text: str) -> None:
    """Keys and values of the wrong kind are schema problems, never an internal error."""
    rules = write_rules(systems=text)
    (problem,) = problems_of(rules)
    assert problem.startswith(f"{rules}/systems.yaml:1:")


def test_reload_reads_aliases_again(write_rules: WriteRules) -> None:
    """``engine.reload()`` takes a changed systems file, warnings remembered before included."""
    rules = write_rules(systems="systems:\n  xero:\n    aliases: [books]\n")
    engine = failreason.load(rules)
    assert engine.classify({"system": "bookz", "body": "x"}).warnings
    (rules / "systems.yaml").write_text("systems:\n  xero:\n    aliases: [bookz]\n")
    engine.reload()
    assert engine.signal({"system": "bookz"}).system == "xero"
    assert engine.classify({"system": "bookz", "body": "x"}).warnings == ()
    assert engine.canonical_system("books") is None
