"""Why a rule did or did not match one error: its ``match`` block as a tree of held/failed.

Each key of the block is compiled on its own, with the same compiler the rule set uses, and
tried on the signal, so the tree says exactly what the rule saw. Nodes are labelled in the rule
file's own terms (the YAML key and value), never with Python reprs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failreason._compile import compile_matcher
from failreason._concepts import Vocabulary
from failreason._engine import Engine, Explanation, Step
from failreason._errors import FailreasonError
from failreason._lazy_re import lazy_compile
from failreason._match import scalar_text
from failreason._paths import PathSyntaxError, compile_path
from failreason._rules import Rule
from failreason._schema import suggest
from failreason._signal import Signal
from failreason._vocabulary import STAGES

_SHOWN_MESSAGE = 120  # characters of each message a node shows as what it saw


@dataclass(frozen=True)
class Node:
    """One condition: its YAML key and value, whether it held, and the value it saw."""

    key: str
    value: Any
    held: bool
    saw: str | None = None
    children: tuple[Node, ...] = ()

    @property
    def label(self) -> str:
        if self.value is None:
            return self.key
        if self.key in ("regex", "contains") and isinstance(self.value, str):
            return f"{self.key} {_quoted(self.value)}"
        if self.key.startswith(("fields.", "params.", "headers.")) or self.key == "concept":
            return f"{self.key} {yaml_text(self.value)}"
        return f"{self.key}: {yaml_text(self.value)}"

    def lines(self, indent: str = "") -> list[str]:
        verdict = "held" if self.held else "failed"
        saw = f" ({self.saw})" if self.saw is not None else ""
        own = [f"{indent}{self.label}  {verdict}{saw}"]
        return own + [line for child in self.children for line in child.lines(indent + "  ")]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "held": self.held,
            "saw": self.saw,
            "children": [child.to_json() for child in self.children],
        }


def why_not(rule: Rule, signal: Signal, concepts: Vocabulary) -> Node:
    """The tree of ``rule``'s conditions tried on ``signal``: the root holds when all do."""
    scope: list[Node] = []
    if rule.file_system is not None:
        scope.append(_one_of("system", rule.file_system, signal, concepts, "the file's system"))
    if rule.stages is not None and rule.stages != frozenset(STAGES):
        stages = sorted(rule.stages)
        scope.append(_one_of("stages", stages, signal, concepts, "stage scope"))
    match = _group("match", rule.match_data, signal, concepts)
    children = (*scope, *match.children)
    return Node("match", None, all(c.held for c in children), None, children)


def _group(key: str, data: Mapping[str, Any], signal: Signal, concepts: Vocabulary) -> Node:
    children: list[Node] = []
    for name, value in data.items():
        children.extend(_nodes(name, value, signal, concepts))
    return Node(key, None, all(c.held for c in children), None, tuple(children))


def _nodes(key: str, value: Any, signal: Signal, concepts: Vocabulary) -> list[Node]:
    if key in ("all", "any"):
        items = [_item(item, signal, concepts) for item in value]
        held = all(i.held for i in items) if key == "all" else any(i.held for i in items)
        return [Node(key, None, held, None, tuple(items))]
    if key == "not":
        inner = _item(value, signal, concepts)
        return [Node("not", None, not inner.held, None, (inner,))]
    if key in ("fields", "params", "headers"):
        return [_field(key, path, spec, signal, concepts) for path, spec in value.items()]
    if key == "regex" and isinstance(value, list) and len(value) > 1:
        each = tuple(_one_of(key, pattern, signal, concepts, quiet=True) for pattern in value)
        saw = _seen(key, signal, None)
        return [Node("regex (any of)", None, any(n.held for n in each), saw, each)]
    return [_one_of(key, value, signal, concepts)]


def _item(data: Mapping[str, Any], signal: Signal, concepts: Vocabulary) -> Node:
    """One entry of ``all``, ``any`` or ``not``: its only condition, or all of them."""
    group = _group("all of", data, signal, concepts)
    return group.children[0] if len(group.children) == 1 else group


def _one_of(
    key: str,
    value: Any,
    signal: Signal,
    concepts: Vocabulary,
    note: str | None = None,
    *,
    quiet: bool = False,
) -> Node:
    """A condition on the whole signal: system, stage, code, status, contains, regex, concept."""
    compiled_key = "stage" if key == "stages" else key
    found = compile_matcher({compiled_key: value}, (), _ignore, concepts).match(signal)
    saw: str | None = _seen(compiled_key, signal, found)
    if quiet and not found:
        saw = None  # one of a list: its parent shows what all of them saw
    return Node(key, value, found is not None, f"{note}: {saw}" if note else saw)


def _field(
    source: str, path: str, spec: Mapping[str, Any], signal: Signal, concepts: Vocabulary
) -> Node:
    found = compile_matcher({source: {path: spec}}, (), _ignore, concepts).match(signal)
    values = _field_values(source, path, signal)
    saw = ", ".join(_json(v) for v in values) if values else "absent"
    if found and values:
        saw = f"{saw}; {_captures(found)}"
    return Node(f"{source}.{path}", dict(spec), found is not None, saw)


def _field_values(source: str, path: str, signal: Signal) -> list[Any]:
    if source == "headers":
        value = signal.headers.get(path.lower())
        return [] if value is None else [value]
    root: Any = signal.params if source == "params" else signal.tree
    try:
        compiled = compile_path(path)
    except PathSyntaxError:
        return []  # lint reports it; the rule never loaded with it
    return [v for v in compiled.find(root) if v is not None] if root is not None else []


def _seen(key: str, signal: Signal, found: Mapping[str, str] | None) -> str:
    if key == "system":
        return signal.system or "absent"
    if key == "stage":
        return signal.stage
    if key == "code":
        return ", ".join(signal.codes) or "absent"
    if key == "status":
        return str(signal.status) if signal.status is not None else "absent"
    if found:
        return _captures(found)
    shown = [_json(_cut(m)) for m in signal.messages]
    return f"messages: {', '.join(shown)}" if shown else "no message"


def _captures(found: Mapping[str, str]) -> str:
    return ", ".join(f"{name}={_json(value)}" for name, value in found.items())


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN_MESSAGE else text[: _SHOWN_MESSAGE - 1] + "…"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _ignore(at: Any, message: str) -> None:
    """Compile problems were reported when the rule set loaded; a loaded rule has none."""


_PLAIN = lazy_compile(r"[A-Za-z0-9_][A-Za-z0-9_.@/<>= -]*")


def yaml_text(value: Any) -> str:
    """``value`` written as YAML flow style, as a rule author would write it."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, str):
        plain = _PLAIN.fullmatch(value) and value == value.strip()
        return value if plain else _quoted(value)
    return scalar_text(value)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class RuleReport:
    """One rule's tree for one error, and what became of the rule."""

    rule: Rule
    tree: Node
    verdict: str

    def lines(self) -> list[str]:
        head = f"rule {self.rule.id} ({self.rule.location}): {self.verdict}"
        return [head, *self.tree.lines("  ")]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "location": str(self.rule.location),
            "verdict": self.verdict,
            "tree": self.tree.to_json(),
        }


def rule_reports(engine: Engine, explanation: Explanation, rule_id: str | None) -> list[RuleReport]:
    """``rule_id``'s report, or (None) every rule of the error's system or generic but the
    one that decided."""
    signal, decider = explanation.signal, explanation.result.rule_id
    if rule_id is not None:
        chosen = [find_rule(engine, rule_id)]
    else:
        chosen = [
            rule
            for rule in engine.rules
            if rule.id != decider and (not rule.systems or signal.system in rule.systems)
        ]
    steps = {step.rule.id: step for step in explanation.steps}
    reports = []
    for rule in chosen:
        tree = why_not(rule, signal, engine.concepts)
        reports.append(RuleReport(rule, tree, _verdict(steps.get(rule.id), tree, decider)))
    return reports


def find_rule(engine: Engine, rule_id: str) -> Rule:
    """The loaded rule ``rule_id``; FailreasonError (with a suggestion) when there is none."""
    for rule in engine.rules:
        if rule.id == rule_id:
            return rule
    hint = suggest(rule_id, [rule.id for rule in engine.rules])
    raise FailreasonError(f"no rule {rule_id!r} is loaded" + (f"; {hint}" if hint else ""))


def _verdict(step: Step | None, tree: Node, decider: str) -> str:
    if step is not None and step.error is not None:
        return f"matched, but its template failed to render: {step.error}"
    if step is not None and step.captures is not None:
        return "decided"
    if step is None and tree.held:
        return f"matched, but {decider} decided first"
    return "did not match"


def captures_text(captures: Mapping[str, str]) -> str:
    """Captured values as a rule author reads them: ``name="value"``."""
    return _captures(captures)


def explanation_json(
    number: int, explanation: Explanation, reports: list[RuleReport]
) -> dict[str, Any]:
    """``explain --format json``: one object per input line."""
    signal, result = explanation.signal, explanation.result
    return {
        "line": number,
        "system": signal.system,
        "stage": signal.stage,
        "status": signal.status,
        "codes": list(signal.codes),
        "messages": list(signal.messages),
        "result": result.to_json(),
        "rules": [report.to_json() for report in reports],
    }
