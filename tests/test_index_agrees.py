"""The indexed walk decides every error exactly as the reference walk, which tries every rule.

The reference is ``Engine(rule_set, indexed=False)``: the plain first-match walk. Both
classify every rule example and near miss, every row of the sample files, the extract
samples, the samples again at every stage and without their system, generated envelopes,
and a rule set written to reach each kind of gate; the decisions (rule, type, reason,
retryable, captures, warnings) must be identical.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import failreason
from failreason._index import WARM_UP, RuleIndex
from failreason._match import OneOf
from failreason._normalize import FoldedText, fold
from failreason._prefilter import PatternSet
from failreason._regex import Regex, compile_regex
from failreason._rules import Layer, load_rule_set
from failreason._vocabulary import STAGES
from tests.conftest import WriteRules

TESTS = Path(__file__).parent
SAMPLE_FILES = [*sorted((TESTS / "samples").glob("*.jsonl")), TESTS / "identifier-errors.jsonl"]
EXTRACT_SAMPLES = sorted((TESTS / "samples" / "extract").glob("*.json"))

Decision = tuple[str, str, str, bool, dict[str, str], tuple[str, ...]]


def decision(result: failreason.Classification) -> Decision:
    return (
        result.rule_id,
        result.failure_reason_type,
        result.failure_reason,
        result.retryable,
        dict(result.captures),
        result.warnings,
    )


def reference_of(engine: failreason.Engine) -> failreason.Engine:
    """The same rules walked one by one, in order."""
    return failreason.Engine(engine._snapshot, indexed=False)


def indexed_of(engine: failreason.Engine) -> failreason.Engine:
    """The same rules through the index from the first call (no warm-up walk)."""
    return failreason.Engine(engine._snapshot, indexed=True)


def disagreements(
    engine: failreason.Engine, inputs: Iterable[Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], Decision, Decision]]:
    reference, engine = reference_of(engine), indexed_of(engine)
    found = []
    for raw in inputs:
        indexed, walked = decision(engine.classify(raw)), decision(reference.classify(raw))
        if indexed != walked:
            found.append((raw, indexed, walked))
    return found


def sample_inputs() -> list[dict[str, Any]]:
    rows = (
        json.loads(line)
        for path in SAMPLE_FILES
        for line in path.read_text("utf-8").split("\n")
        if line
    )
    return [row["input"] for row in rows]


def test_every_rule_example_and_near_miss_agrees(engine: failreason.Engine) -> None:
    """Each rule's examples and not_examples get the same decision from both walks."""
    inputs = [dict(example.input) for rule in engine.rules for example in rule.examples]
    inputs += [dict(near.input) for rule in engine.rules for near in rule.not_examples]
    assert len(inputs) > 500
    assert disagreements(engine, inputs) == []


def test_every_sample_row_agrees(engine: failreason.Engine) -> None:
    """Every row of tests/samples/*.jsonl and tests/identifier-errors.jsonl agrees."""
    inputs = sample_inputs()
    assert len(inputs) > 300
    assert disagreements(engine, inputs) == []


def test_every_extract_sample_agrees(engine: failreason.Engine) -> None:
    """The bodies of tests/samples/extract, sent by their system, agree."""
    samples = [json.loads(path.read_text("utf-8")) for path in EXTRACT_SAMPLES]
    inputs = [{"system": s["system"], "status": 400, "body": s["body"]} for s in samples]
    assert disagreements(engine, inputs) == []


@pytest.mark.parametrize("stage", STAGES)
def test_samples_agree_at_every_stage(engine: failreason.Engine, stage: str) -> None:
    """The samples sent at each stage reach other keys of the index, and still agree."""
    inputs = [{**raw, "stage": stage} for raw in sample_inputs()]
    assert disagreements(engine, inputs) == []


def test_samples_agree_without_their_system(engine: failreason.Engine) -> None:
    """Without a system (or with one no rule names) only generic rules can decide: as walked."""
    inputs = [{k: v for k, v in raw.items() if k != "system"} for raw in sample_inputs()]
    inputs += [{**raw, "system": "some_other_system"} for raw in sample_inputs()]
    assert disagreements(engine, inputs) == []


def test_samples_agree_when_the_pattern_set_cannot_answer(
    engine: failreason.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When RE2's set search fails (its DFA out of memory), every rule of the key is tried."""
    monkeypatch.setattr(PatternSet, "found", lambda self, texts: None)
    assert disagreements(engine, sample_inputs()) == []


# --- generated envelopes -------------------------------------------------------------------


@cache
def envelopes(engine: failreason.Engine) -> st.SearchStrategy[dict[str, Any]]:
    """Words of the rules' own examples, shuffled, with any system, stage, status and codes."""
    examples = [dict(e.input) for rule in engine.rules for e in rule.examples]
    texts = (json.dumps(raw, ensure_ascii=False) for raw in examples)
    words = sorted({w.strip('"{}[],:') for text in texts for w in text.split()} - {""})
    codes = sorted({code for rule in engine.rules for code in codes_named(rule.matcher)})
    return st.fixed_dictionaries(
        {
            "body": st.lists(st.sampled_from(words), min_size=1, max_size=12).map(" ".join),
            "stage": st.sampled_from(STAGES),
        },
        optional={
            "system": st.sampled_from([*engine.systems, "some_other_system"]),
            "status": st.sampled_from([400, 401, 403, 404, 409, 413, 422, 429, 500, 503]),
            "code": st.sampled_from(codes),
        },
    )


def codes_named(matcher: Any) -> Iterator[str]:
    """The codes a matcher's ``code`` parts name, at any depth."""
    if isinstance(matcher, OneOf) and matcher.key == "code":
        yield from matcher.values
    for part in (*getattr(matcher, "parts", ()), getattr(matcher, "part", None)):
        if part is not None:
            yield from codes_named(part)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_envelopes_agree(engine: failreason.Engine, data: st.DataObject) -> None:
    """Envelopes made of the examples' words, at any key of the index, agree."""
    raw = data.draw(envelopes(engine))
    assert disagreements(engine, [raw]) == []


# --- a rule set that reaches every kind of gate --------------------------------------------

GATED_RULES = """
    system: acme
    rules:
      - id: acme.code
        type: invalid_configuration
        match: {code: [E_ACCOUNT, e_tax]}
        message: "code {{ code }}"
      - id: acme.status-or-text
        type: accounting_system_rate_limit
        match:
          any:
            - status: 429
            - regex: 'slow (?P<what>down|please)'
        message: "slow {{ what | default('') }}"
      - id: acme.contains-not
        type: invalid_configuration
        match:
          contains: [Konto, tax code]
          not: {contains: ignore me}
        message: "{{ message }}"
      - id: acme.broken-template
        type: invalid_configuration
        match: {regex: 'boom'}
        message: "{{ 1 / 0 }}"
      - id: acme.field
        type: invalid_configuration
        match: {fields: {detail.kind: {equals: vendor}}}
        message: "vendor"
"""
GENERIC_RULES = """
    rules:
      - id: my.words
        type: invalid_configuration
        match: {regex: '^account (?P<id>\\d+)$', stage: [entry, auth]}
        message: "account {{ id }}"
      - id: my.boom
        type: accounting_system_unreachable
        match: {regex: ['boom', 'bang']}
        message: "gone"
      - id: my.any-code-or-stage
        type: invalid_configuration
        match:
          any: [{code: E_ANY}, {stage: auth}, {contains: kontot}]
        message: "any"
"""
GATED_INPUTS: list[dict[str, Any]] = [
    {"system": "acme", "status": 400, "code": "E_Account", "body": "x"},
    {"system": "acme", "status": 400, "code": "e_TAX", "body": "x"},
    {"system": "ACME", "status": 429, "body": "nothing"},
    {"system": "acme", "status": 400, "body": "slow down"},
    {"system": "acme", "status": 400, "body": "Kontot saknas"},
    {"system": "acme", "status": 400, "body": "KONTO fehlt, ignore me"},
    {"system": "acme", "status": 400, "body": "the Tax Code is wrong"},
    {"system": "acme", "status": 400, "body": "boom"},
    {"system": "acme", "status": 400, "body": {"detail": {"kind": "Vendor"}}},
    {"system": "acme", "stage": "receipt_upload", "status": 429, "body": "slow please"},
    {"status": 400, "body": "account 4000"},
    {"status": 400, "code": "ACCOUNT_4000", "body": "x"},
    {"status": 400, "stage": "validation", "body": "account 4000"},
    {"status": 500, "body": "bang"},
    {"status": 400, "code": "e_any", "body": "x"},
    {"stage": "auth", "body": "x"},
    {"body": "Kontöt"},
    {"system": "other", "body": "slow down boom"},
]


def test_a_rule_set_with_every_kind_of_gate_agrees(write_rules: WriteRules) -> None:
    """Codes, statuses inside `any`, `contains` with `not`, a failing template, fields, words."""
    rules = write_rules(acme=GATED_RULES, generic=GENERIC_RULES)
    engine = failreason.load(rules)
    decided = {engine.classify(raw).rule_id for raw in GATED_INPUTS}
    assert {"acme.code", "acme.status-or-text", "acme.contains-not", "acme.field"} <= decided
    assert {"my.words", "my.boom", "my.any-code-or-stage"} <= decided
    assert disagreements(engine, GATED_INPUTS) == []


# --- pickling -------------------------------------------------------------------------------


def test_an_index_rebuilds_from_its_rules_after_pickling(engine: failreason.Engine) -> None:
    """It pickles as its rules; the copy, built anew, names the same candidates."""
    index = engine._snapshot.index
    signal = engine.signal({"system": "xero", "status": 400, "body": "Account code is invalid"})
    cls, args = index.__reduce__()
    assert cls is RuleIndex
    assert args == (engine.rules,)
    rebuilt = cls(*args)
    assert [r.id for r in rebuilt.candidates(signal)] == [r.id for r in index.candidates(signal)]


def test_matchers_pickle_and_match_alike(engine: failreason.Engine) -> None:
    """Compiled matchers (RE2 included) survive pickling, for a cache of compiled rules."""
    signals = [engine.signal(raw) for raw in sample_inputs()[:60]]
    for rule in engine.rules:
        copy = pickle.loads(pickle.dumps(rule.matcher))  # noqa: S301 (our own bytes)
        assert [copy.match(s) for s in signals] == [rule.matcher.match(s) for s in signals]


KEY_ONLY_RULES = """
    rules:
      - id: only.too-many
        type: accounting_system_rate_limit
        match: {status: 429}
        message: "slow down"
      - id: only.auth
        type: accounting_system_authentication_failure
        match: {stage: auth, status: [401, 403]}
        message: "log in again"
      - id: only.server
        type: accounting_system_unreachable
        match: {status: ">=500", not: {status: 501}}
        message: "down"
      - id: only.field
        type: invalid_configuration
        match: {fields: {kind: {equals: vendor}}}
        message: "vendor"
      - id: only.rest
        type: accounting_system_validation_failure
        match: {}
        message: "{{ message }}"
"""


def test_a_rule_set_without_gates_agrees(write_rules: WriteRules) -> None:
    """Rules that only test system, stage, status and fields are all tried, in order."""
    folder = write_rules(only=KEY_ONLY_RULES)
    rule_set = load_rule_set([Layer(folder, None, "rules", "templates")])
    engine = failreason.Engine(rule_set)
    inputs = [
        {"stage": stage, "status": status, "body": body}
        for stage in STAGES
        for status in (None, 200, 401, 403, 429, 500, 501, 503)
        for body in ("x", {"kind": "vendor"})
    ]
    decided = {engine.classify(raw).rule_id for raw in inputs}
    assert decided == {"only.too-many", "only.auth", "only.server", "only.field", "only.rest"}
    assert disagreements(engine, inputs) == []


# --- one search over the encoded text ------------------------------------------------------


def wrapper_search(regex: Regex, text: FoldedText) -> dict[str, str] | None:
    """Captures as the re2 wrapper's own ``search`` (which encodes the text itself) finds them."""
    match = regex._compiled.search(text.folded)
    if match is None:
        return None
    spans = ((name, match.span(index)) for name, index in regex._compiled.groupindex.items())
    values = {name: text.original_span(*span).strip() for name, span in spans if span[0] >= 0}
    return {name: value for name, value in values.items() if value}


SEARCHED = [
    compile_regex(p)
    for p in (
        r"konto (?P<id>\w+)",
        r"(?P<a>ß+)|(?P<b>\d+)",
        r"^(?P<all>.*)$",
        r"(?P<word>[^\s]+) fehlt",
        r"x(?P<never>y)?z",
    )
]


PIECES = [
    "Konto ",
    "KONTÖ ",
    "ẞ",
    "ß",
    "ﬁ",
    "42",
    " fehlt",
    "é",
    "ø",
    "Æ",
    "日本",
    "😀",
    "x",
    "z",
    "\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_searching_the_encoded_text_captures_as_the_wrapper(text: str) -> None:
    """Byte offsets turned back into characters cut the same captures from accented text."""
    folded = fold(text)
    for regex in SEARCHED:
        assert regex.search(folded) == wrapper_search(regex, folded)


def test_the_index_is_built_after_the_warm_up(engine: failreason.Engine) -> None:
    """A default engine walks its first few errors rule by rule, then builds and uses the index."""
    rule_set = dataclasses.replace(engine._snapshot)  # its own index, not built yet
    fresh = failreason.Engine(rule_set)
    # Each a different error, so that no cache of results answers in the rules' stead.
    raws = [
        {"system": "xero", "status": 400, "body": f"Account code '{n}' is not valid"}
        for n in range(WARM_UP + 1)
    ]
    for raw in raws[:-1]:
        fresh.classify(raw)
    assert not rule_set.index._built
    last = raws[-1]
    assert decision(fresh.classify(last)) == decision(reference_of(fresh).classify(last))
    assert rule_set.index._built
