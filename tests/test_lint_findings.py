"""Each lint finding: a rule file that trips it, and the located line ``failreason lint`` prints.

Then silencing (``# failreason: ignore[CODE] why``) and the findings about silences, and the
built-in rules, which must be clean.
"""

from __future__ import annotations

import pytest

import failreason
from failreason._cli import main
from failreason._findings import CODES
from failreason._lint import lint
from tests.conftest import WriteRules

Capsys = pytest.CaptureFixture[str]

PACK = """\
system: acme
rules:
  - id: acme.missing
    match: {contains: missing}
    type: missing_configuration
    message: Something is missing
"""
RATE_LIMIT = """\
rules:
{comment}  - id: generic.rate-limit
    match: {{status: 429, system: acme}}
    type: accounting_system_rate_limit
    message: Slow down
"""


def lint_lines(rules: object, capsys: Capsys) -> tuple[int, list[str]]:
    """Lint ``--rules DIR``: the exit status and the printed lines, the summary left out."""
    status = main(["lint", "--rules", str(rules)])
    out = capsys.readouterr().out.splitlines()
    return status, out[:-1]


def test_fr001_a_file_that_does_not_load(write_rules: WriteRules, capsys: Capsys) -> None:
    """A schema problem: the rules do not load, so nothing else is checked."""
    rules = write_rules(acme=PACK.replace("contains:", "contain:"))
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/acme.yaml:4:13: FR001 unknown key 'contain'; did you mean 'contains'? "
            "(at rules[0].match.contain)"
        ],
    )


def test_fr002_a_concept_word_no_example_exercises(write_rules: WriteRules, capsys: Capsys) -> None:
    """A word with no concept example that reads it."""
    rules = write_rules(
        words="""\
        concepts:
          states:
            not_found:
              is: ["finnst ekki", "vantar"]
          examples:
            - {text: "Kontoen 4000 finnst ekki", object: account, state: not_found, capture: "4000"}
        """
    )
    status, lines = lint_lines(rules, capsys)
    assert status == 1
    assert lines == [
        f"{rules}/words.yaml:4:27: FR002 the state word 'vantar' (is) of 'not_found' is exercised "
        "by no concept example; add to concepts.examples a realistic message in 'is' that uses "
        "it, with object, state and capture, or remove the word"
    ]


def test_fr001_a_concept_example_that_reads_otherwise(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """A concept example with the wrong state: an error, though the rules load."""
    rules = write_rules(
        words="""\
        concepts:
          examples:
            - {text: "Kontot 4000 finns inte", object: account, state: inactive}
        """
    )
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/words.yaml:3:7: FR001 'Kontot 4000 finns inte' does not read as "
            "account inactive"
        ],
    )


def test_fr101_a_rule_that_decides_none_of_its_examples(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """The earlier, broader rule of the same file takes the later rule's only example."""
    later = """\
  - id: acme.tag-missing
    match: {contains: tag missing}
    type: tag_unknown
    message: The tag is missing
    examples:
      - input: {system: acme, body: "Tag missing"}
"""
    rules = write_rules(acme=PACK + later)
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/acme.yaml:7:5: FR101 rule 'acme.tag-missing' does not decide its only "
            "example: 'acme.missing' takes 1; a rule tried before it takes them: narrow that "
            "rule, or give this one a higher priority"
        ],
    )


def test_fr101_says_when_the_match_holds_on_none(write_rules: WriteRules, capsys: Capsys) -> None:
    """A rule whose match misses its own examples: the fallback takes them."""
    example = "    examples:\n      - input: {system: acme, body: Field absent}\n" * 1
    rules = write_rules(acme=PACK + example)
    _, lines = lint_lines(rules, capsys)
    assert lines == [
        f"{rules}/acme.yaml:3:5: FR101 rule 'acme.missing' does not decide its only example: "
        "'fallback' takes 1; its match holds on none of them: `failreason explain --rule "
        "acme.missing` shows why"
    ]


def test_fr102_a_user_rule_that_takes_built_in_examples(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """Tried before the built-ins, the user's rule decides a built-in rule's example."""
    rules = write_rules(
        mine="""\
        rules:
          - id: mine.vendor
            match: {stage: validation, code: blocked_vendor}
            type: invalid_configuration
            message: Check the vendor
        """
    )
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/mine.yaml:2:5: FR102 rule 'mine.vendor' takes 1 example of built-in "
            "rules: validation.unknown-vendor; narrow its match (system, status, code, wording) "
            "so those rules keep deciding their errors; `failreason test` lists the examples"
        ],
    )


def test_fr103_only_file_order_decides_an_example(write_rules: WriteRules, capsys: Capsys) -> None:
    """Same system, same priority, two files, two types: the file names decide."""
    rules = write_rules(
        a="""\
        system: acme
        rules:
          - id: acme.vendor
            match: {contains: vendor}
            type: vendor_unknown
            message: Unknown vendor
            examples:
              - input: {system: acme, body: "Vendor 12 not found"}
        """,
        b="""\
        system: acme
        rules:
          - id: acme.not-found
            match: {contains: not found}
            type: invalid_configuration
            message: Something was not found
        """,
    )
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/a.yaml:8:9: FR103 example 1 of rule 'acme.vendor' (vendor_unknown) is "
            f"also matched by rule 'acme.not-found' (invalid_configuration) at {rules}/b.yaml:3:5, "
            "of the same priority in another file: only the order of the file names decides "
            "which type it gets; give one of them a priority, or narrow the match of "
            "'acme.not-found'"
        ],
    )


def test_fr103_not_when_a_priority_orders_them(write_rules: WriteRules, capsys: Capsys) -> None:
    """A priority says which one wins on purpose: no finding."""
    rules = write_rules(
        a="""\
        system: acme
        rules:
          - id: acme.vendor
            match: {contains: vendor}
            type: vendor_unknown
            message: Unknown vendor
            priority: 5
            examples:
              - input: {system: acme, body: "Vendor 12 not found"}
        """,
        b="""\
        system: acme
        rules:
          - id: acme.not-found
            match: {contains: not found}
            type: invalid_configuration
            message: Something was not found
        """,
    )
    assert lint_lines(rules, capsys) == (0, [])


def test_fr104_a_user_rule_that_replaces_a_built_in(
    write_rules: WriteRules, capsys: Capsys, engine: failreason.Engine
) -> None:
    """The same id as a built-in rule: located at the user's rule, naming the built-in."""
    rules = write_rules(mine=RATE_LIMIT.format(comment=""))
    (built_in,) = [rule.location for rule in engine.rules if rule.id == "generic.rate-limit"]
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/mine.yaml:2:5: FR104 rule 'generic.rate-limit' replaces the built-in rule "
            f"of the same id at {built_in}; give it an id of its own to add a rule beside that "
            "one; to replace it on purpose, say why with `# failreason: ignore[FR104] why` above "
            "the rule"
        ],
    )


def test_fr105_a_catch_all_before_rules_it_hides(write_rules: WriteRules, capsys: Capsys) -> None:
    """``match: {}`` first in a pack: the pack's later rules can never decide."""
    rules = write_rules(
        acme=PACK.replace("{contains: missing}", "{}").replace(
            "missing_configuration", "invalid_configuration"
        )
        + "  - id: acme.vendor\n    match: {contains: vendor}\n    type: vendor_unknown\n"
        "    message: Unknown vendor\n"
    )
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/acme.yaml:3:5: FR105 rule 'acme.missing' matches every error of its scope "
            "(acme, at entry, auth) but is not the last rule tried there: it hides 1 rule: "
            "acme.vendor; add conditions to its match, or a priority below theirs (the fallback "
            "has -1000)"
        ],
    )


def test_fr106_an_extract_profile_that_misses_the_message(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """The profile looks under ``errors[]``; the example's message is under ``error``."""
    rules = write_rules(
        acme="""\
        system: acme
        extract:
          errors:
            - path: 'errors[]'
              message: [detail]
        rules:
          - id: acme.tag
            match: {contains: tag}
            type: invalid_configuration
            message: Check the tag
            examples:
              - input: {system: acme, body: {error: {message: "Tag X does not exist"}}}
        """
    )
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/acme.yaml:4:5: FR106 the extract profile of 'acme' finds no message in 1 "
            f"of the 1 example bodies of acme that hold one, as the one at {rules}/acme.yaml:12:9: "
            "the generic walk read them; add a source (path, message, code) for that shape, or "
            "fix the path that should find it"
        ],
    )


def test_fr107_a_file_that_declares_nothing(write_rules: WriteRules, capsys: Capsys) -> None:
    """Comments only: the file does not load."""
    rules = write_rules(acme="# rules for acme, to come\n")
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/acme.yaml:1:1: FR107 the file declares nothing: a rule file needs at least "
            "one of `rules:` (not empty), `extract:`, `job_failure_types:`, `systems:`, "
            "`ambiguous:` or `concepts:`; an empty or cut-short file is a mistake; write its "
            "rules, or keep it empty on purpose: `# failreason: ignore-file[FR107] why`"
        ],
    )


def test_an_empty_file_silenced_with_a_reason_loads_and_lints_clean(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """``ignore-file[FR107] why``: a placeholder its author meant; lint counts it silenced."""
    rules = write_rules(acme="# failreason: ignore-file[FR107] acme's rules come next month\n")
    assert len(failreason.load(rules).rules) == len(failreason.load().rules)
    status = main(["lint", "--rules", str(rules)])
    out = capsys.readouterr().out
    assert status == 0
    assert out.endswith(" silenced: no problems\n")


def test_a_silence_above_the_line_silences_it(write_rules: WriteRules, capsys: Capsys) -> None:
    """``ignore[FR104] why`` on the line above the rule: no finding left, status 0."""
    comment = "  # failreason: ignore[FR104] our own wording for rate limits\n"
    rules = write_rules(mine=RATE_LIMIT.format(comment=comment))
    assert lint_lines(rules, capsys) == (0, [])


def test_a_silence_on_the_line_silences_it(write_rules: WriteRules, capsys: Capsys) -> None:
    """At the end of the finding's own line."""
    text = RATE_LIMIT.format(comment="").replace(
        "rate-limit\n", "rate-limit  # failreason: ignore[FR104] our own wording\n", 1
    )
    assert lint_lines(write_rules(mine=text), capsys) == (0, [])


def test_a_silence_two_lines_above_is_unused(write_rules: WriteRules, capsys: Capsys) -> None:
    """Too far from the finding: the finding stays, and the silence is FR003."""
    comment = "  # failreason: ignore[FR104] our own wording\n\n"
    rules = write_rules(mine=RATE_LIMIT.format(comment=comment))
    status, lines = lint_lines(rules, capsys)
    assert status == 1
    assert [line.split(": ")[1].split()[0] for line in lines] == ["FR003", "FR104"]
    assert lines[0] == (
        f"{rules}/mine.yaml:2:3: FR003 the silence of FR104 silences nothing: there is no "
        "FR104 finding on this line or the next; remove it"
    )


def test_a_silence_without_a_reason_is_a_finding(write_rules: WriteRules, capsys: Capsys) -> None:
    """It still silences, but asks for the reason."""
    rules = write_rules(mine=RATE_LIMIT.format(comment="  # failreason: ignore[FR104]\n"))
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/mine.yaml:2:3: FR003 a silence without a reason; say after the codes why "
            "the finding is right to keep, as `ignore[FR104] why`"
        ],
    )


def test_unknown_codes_and_garbled_comments_are_findings(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """Several codes in one silence: the known one works, the unknown one is FR003."""
    comment = "  # failreason: ignore[FR104, fr999] ours\n"
    text = "# failreason: ignore FR105 please\n" + RATE_LIMIT.format(comment=comment)
    rules = write_rules(mine=text)
    assert lint_lines(rules, capsys) == (
        1,
        [
            f"{rules}/mine.yaml:1:1: FR003 a failreason comment lint cannot read; write "
            "`# failreason: ignore[FR101] why` or `# failreason: ignore-file[FR107] why`",
            f"{rules}/mine.yaml:3:3: FR003 unknown code 'FR999' in a silence; silenceable "
            "codes: FR002, FR101, FR102, FR103, FR104, FR105, FR106, FR107",
        ],
    )


def test_a_load_problem_cannot_be_silenced(write_rules: WriteRules, capsys: Capsys) -> None:
    """FR001: a file that does not load is not used, whatever a comment says."""
    text = "# failreason: ignore-file[FR001] later\n" + PACK.replace("contains:", "contain:")
    status, lines = lint_lines(write_rules(acme=text), capsys)
    assert status == 1
    assert [line.split(": ")[1].split()[0] for line in lines] == ["FR001"]


def test_the_built_in_rules_are_clean(engine: failreason.Engine) -> None:
    """`failreason lint` on the shipped rules: no finding left, every silence used."""
    report = lint(lambda: engine)
    assert [str(finding) for finding in report.findings] == []
    assert report.rules == len(engine.rules)


def test_every_code_has_a_description() -> None:
    """The registry docs and SARIF read: codes in order, each with one line."""
    assert list(CODES) == sorted(CODES)
    assert all(text and "\n" not in text for text in CODES.values())


def test_the_summary_counts_the_user_rules_and_files(
    write_rules: WriteRules, capsys: Capsys
) -> None:
    """With your rules loaded, the summary says how many of the rules are yours."""
    rules = write_rules(acme=PACK)
    assert main(["lint", "--rules", str(rules)]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert " rules (1 of them yours, in 1 file), " in summary
    assert main(["lint"]) == 0
    assert "yours" not in capsys.readouterr().out
