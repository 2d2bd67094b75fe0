"""The concept vocabulary's own examples: every word exercised, every example read as stated."""

from __future__ import annotations

import pytest

import failreason
from failreason._cli import main
from failreason._concept_coverage import check_concepts
from tests.conftest import WriteRules

ENGINE = failreason.load()
CHECK = check_concepts(ENGINE)
LANGUAGES = ("en", "sv", "da", "no", "fi", "de", "nl", "fr", "es")


def test_the_built_in_examples_all_read_as_stated() -> None:
    assert [str(p) for p in CHECK.problems] == []


def test_every_built_in_word_is_exercised_by_an_example() -> None:
    assert [str(w) for w in CHECK.warnings] == []
    assert len(CHECK.words) > 350


@pytest.mark.parametrize("side", ["object", "state"])
def test_every_object_and_state_has_words_in_the_nine_languages(side: str) -> None:
    names = {entry.name for entry in CHECK.words if entry.side == side}
    assert len(names) == (9 if side == "object" else 6)
    for name in sorted(names):
        languages = {e.language for e in CHECK.words if e.side == side and e.name == name}
        assert set(LANGUAGES) <= languages, f"{side} {name} lacks {set(LANGUAGES) - languages}"


def test_every_object_and_state_has_examples() -> None:
    positives = [e for e in CHECK.examples if not e.negative]
    assert {e.object for e in positives} >= {"account", "posting_setup", "reference"}
    assert {e.state for e in positives} == {
        "not_found",
        "invalid",
        "inactive",
        "missing",
        "not_set_up",
        "not_allowed",
    }
    assert any(e.negative for e in CHECK.examples)


def test_a_word_no_example_exercises_is_a_located_warning(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(
        words="""
        concepts:
          objects:
            dimension:
              words:
                is: ["verkefni{,ð}", "kostnaðarstaður"]
          examples:
            - {text: "Verkefnið 12 finnst ekki", object: dimension, state: not_found, capture: "12"}
          states:
            not_found:
              is: ["finnst ekki"]
        """
    )
    check = check_concepts(failreason.load(rules))
    assert check.problems == []
    (warning,) = check.warnings
    assert str(warning).startswith(f"{rules}/words.yaml:6:30:")
    assert "'kostnaðarstaður' (is) of 'dimension'" in str(warning)
    assert "add to concepts.examples" in str(warning)
    assert main(["lint", "--rules", str(rules)]) == 1  # a warning is a finding: status 1
    out = capsys.readouterr().out
    assert f"{rules}/words.yaml:6:30: FR002 the object word" in out
    assert out.endswith(": 1 warning\n")


def test_an_example_that_reads_otherwise_fails_lint(
    write_rules: WriteRules, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(
        words="""
        concepts:
          examples:
            - {text: "Kontot 4000 finns inte", object: account, state: inactive, capture: "4000"}
            - {text: "Kontot 4000 finns inte", object: account, state: not_found, capture: "400"}
            - {text: "Kontot 4000 finns inte", object: acount, state: not_found}
          not_examples:
            - "Projektet P1 finns inte"
        """
    )
    problems = sorted(str(p) for p in check_concepts(failreason.load(rules)).problems)
    where = f"{rules}/words.yaml"
    assert len(problems) == 4
    assert problems[0].startswith(f"{where}:4:7: 'Kontot 4000 finns inte' does not read as")
    assert problems[1].startswith(f"{where}:5:7: 'Kontot 4000 finns inte' reads as account")
    assert "capturing '4000', expected '400'" in problems[1]
    assert problems[2].startswith(f"{where}:6:7: unknown concept object 'acount'")
    assert problems[3].startswith(f"{where}:8:7: 'Projektet P1 finns inte' reads as a concept")
    assert main(["lint", "--rules", str(rules)]) == 1
    assert capsys.readouterr().out.endswith(": 4 errors\n")


def test_the_check_costs_nothing_when_rules_load(write_rules: WriteRules) -> None:
    """A wrong example is lint's business: the rules still load and classify."""
    rules = write_rules(
        words="""
        concepts:
          examples:
            - {text: "Kontot 4000 finns inte", object: account, state: missing}
        """
    )
    result = failreason.load(rules).classify({"stage": "entry", "body": "Kontot 4000 finns inte"})
    assert result.rule_id == "objects.account-unknown"


def test_an_unquoted_norwegian_key_is_norwegian(write_rules: WriteRules) -> None:
    """YAML reads a bare `no:` as false; the check still names the language."""
    rules = write_rules(
        words="""
        concepts:
          states:
            not_found:
              no: ["ikke å finne"]
        """
    )
    (warning,) = check_concepts(failreason.load(rules)).warnings
    assert "'ikke å finne' (no)" in str(warning)
