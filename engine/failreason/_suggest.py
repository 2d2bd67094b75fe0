"""``failreason suggest``: a draft rule file from the errors no rule but the fallback took.

The fallback's messages are mined into templates (``_drain``), each system's apart; each
template becomes one rule, largest first: a regex anchored at both ends whose fixed words are
the template's and whose variable parts are named captures, the samples as examples with the
fallback's wording as their reason, and ``accounting_system_validation_failure`` (the
fallback's own type, so the draft loads and passes ``test`` as written) marked TODO with the
type the concept layer suggests. RE2 takes the regexes: no look-arounds, no backreferences.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from failreason._concept_hint import ConceptHints
from failreason._coverage import NO_SYSTEM, Decided, decide_all
from failreason._drain import WILDCARD, Template, mine
from failreason._engine import Engine
from failreason._identifiers import IDENTIFIER_CAPTURES
from failreason._regex import compile_regex

PLACEHOLDER_TYPE = "accounting_system_validation_failure"  # the fallback's: lint accepts it
MAX_EXAMPLES = 5
_SPECIAL = re.compile(r"([\\^$.|?*+()\[\]{}])")
_ID_PART = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class DraftRule:
    """One suggested rule: what it matches, the samples it takes, the type it may have."""

    id: str
    system: str | None
    template: str
    regex: str
    samples: tuple[Decided, ...]
    suggestion: str | None  # "account_unknown (reads as account / not_found, like rule X)"


@dataclass(frozen=True)
class Draft:
    rules: tuple[DraftRule, ...]
    fallback: int  # errors the fallback decided
    left_out: int  # of those, errors no rule could be drafted for (no message, no fixed word)
    bad_lines: dict[int, str]


def suggest(engine: Engine, name: str) -> Draft:
    """Draft rules for the errors of ``name`` that ``engine`` leaves to the fallback."""
    bad: dict[int, str] = {}
    fell = [d for d in decide_all(engine, name, bad) if d.fell_through]
    mined = mine((d.system, d.message, d) for d in fell if d.message.strip())
    hints = ConceptHints.of(engine)
    rules: list[DraftRule] = []
    for index, template in enumerate((t for t in mined if t.constant), start=1):
        rules.append(_draft_rule(index, template, hints))
    taken = sum(len(rule.samples) for rule in rules)
    return Draft(tuple(rules), len(fell), len(fell) - taken, bad)


def _draft_rule(index: int, template: Template[Decided], hints: ConceptHints) -> DraftRule:
    system = None if template.group == NO_SYSTEM else template.group
    regex = template_regex(template.tokens)
    compiled = compile_regex(regex)
    samples = tuple(d for d in template.items if compiled.search(d.signal.text) is not None)
    slug = _ID_PART.sub("_", (system or "any").lower()).strip("_") or "any"
    return DraftRule(
        id=f"draft.{slug}.{index:03d}",
        system=system,
        template=template.text(),
        regex=regex,
        samples=samples,
        suggestion=hints.suggest(samples[0].signal.text) if samples else None,
    )


def template_regex(template: list[str]) -> str:
    """An anchored RE2 regex for ``template``: words literal, each wildcard a named capture."""
    parts: list[str] = []
    used: set[str] = set()
    previous = ""
    for token in template:
        if token == WILDCARD:
            parts.append(f"(?P<{_capture_name(previous, used)}>.+?)")
        else:
            parts.append(_SPECIAL.sub(r"\\\1", token))
        previous = token
    return "^" + r"\s+".join(parts) + "$"


def _capture_name(previous: str, used: set[str]) -> str:
    """The object the word before names (``account 4000``), else ``value``; never twice."""
    word = _ID_PART.sub("", previous.casefold())
    base = word if word in IDENTIFIER_CAPTURES else "value"
    name, number = base, 1
    while name in used:
        number += 1
        name = f"{base}_{number}"
    used.add(name)
    return name


def render_draft(draft: Draft, source: str) -> str:
    """The draft as a YAML rule file, with a header saying how to finish it."""
    lines = [
        f"# Draft rules suggested by `failreason suggest` from {source}:",
        f"# {draft.fallback} errors fell to the fallback; the {len(draft.rules)} rules below take "
        f"{draft.fallback - draft.left_out} of them",
        f"# ({draft.left_out} had no message, or no fixed word to draft a rule from).",
        "# Rules are ranked by how many errors they take.",
        "#",
        "# To finish it, for each rule:",
        "#   1. set `type:` (each says TODO, with what the concept layer reads in the message);",
        "#   2. widen or narrow the regex: fixed words are literal, each (?P<name>.+?) is a value;",
        "#   3. write a `message:` or pick a `template:`, and update the examples' `reason`;",
        "#   4. give the rule a real id and description; delete rules you do not want.",
        "# Then: failreason lint THIS_FILE; failreason test THIS_FILE (its examples only).",
        "rules:",
    ]
    for rule in draft.rules:
        lines += _rule_lines(rule)
    if not draft.rules:
        lines[-1] = "rules: []  # nothing to suggest: no error fell to the fallback with a message"
    return "\n".join(lines) + "\n"


def _rule_lines(rule: DraftRule) -> list[str]:
    suggestion = rule.suggestion or "the concept layer reads no object and state here"
    lines = [
        f"  - id: {rule.id}",
        f"    description: {_quoted(f'{_count(len(rule.samples))}: {rule.template}')}",
        "    match:",
    ]
    if rule.system is not None:
        lines.append(f"      system: [{_quoted(rule.system)}]")
    lines += [
        f"      regex: {_quoted(rule.regex)}",
        f"    type: {PLACEHOLDER_TYPE}  # TODO: choose the type; suggested: {suggestion}",
        "    template: accounting_system_message",
        "    examples:",
    ]
    for sample in rule.samples[:MAX_EXAMPLES]:
        lines.append(f"      - input: {_quoted(sample.envelope)}")
        lines.append(f"        reason: {_quoted(sample.result.failure_reason)}")
    return lines


def _count(number: int) -> str:
    return f"{number} error" if number == 1 else f"{number} errors"


def _quoted(value: object) -> str:
    """``value`` in YAML flow style: JSON, which YAML reads as written."""
    return json.dumps(value, ensure_ascii=False)
