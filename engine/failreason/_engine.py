"""The engine: raw error → signal → first matching rule → rendered reason."""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from failreason._body import parse_body
from failreason._bounds import MAX_CODES
from failreason._cache import CacheInfo, ResultCache, default_size
from failreason._clean import final_reason, join_messages, truncate
from failreason._concepts import Vocabulary
from failreason._envelope import to_envelope
from failreason._errors import FailreasonError
from failreason._extract import Profile, extract
from failreason._identifiers import plausible
from failreason._normalize import fold
from failreason._redact import redact, redact_tree
from failreason._render import RenderError
from failreason._result import Classification, visible_captures
from failreason._rules import Layer, Rule, RuleSet, load_rule_set
from failreason._sanitize import collapse, visible
from failreason._signal import Signal
from failreason._vocabulary import MAX_REASON_LENGTH
from failreason._words import words_text

# Used only when every rule failed to render: the built-in fallback rule normally answers.
_LAST_RESORT_TYPE = "accounting_system_validation_failure"
_LAST_RESORT_ID = "failreason.last-resort"


@dataclass(frozen=True)
class Step:
    """How one rule fared against one error, for ``explain``."""

    rule: Rule
    captures: Mapping[str, str] | None
    reason: str | None = None
    error: str | None = None

    def classification(self) -> Classification | None:
        """The result, when this rule decided (it matched and rendered)."""
        if self.reason is None or self.captures is None:
            return None
        return Classification(
            failure_reason_type=self.rule.type,
            failure_reason=self.reason,
            rule_id=self.rule.id,
            captures=self.captures,
            retryable=self.rule.retryable,
        )


@dataclass(frozen=True)
class Explanation:
    signal: Signal
    steps: tuple[Step, ...]
    result: Classification


class Engine:
    """Classifies raw errors with an ordered rule set; build one with ``failreason.load()``."""

    def __init__(
        self,
        rule_set: RuleSet,
        layers: Sequence[Layer] = (),
        *,
        strict: bool = False,
        cache_size: int | None = None,
    ) -> None:
        # Rules, profiles and job types are one immutable snapshot behind one attribute:
        # reload() replaces it whole, and each classify reads it once (see _pinned).
        self._snapshot = rule_set
        self._layers = tuple(layers)  # where the rule set came from, for reload()
        self._reload_lock = threading.Lock()
        self._strict = strict
        # Shared by the copies _pinned() makes; None: $FAILREASON_CACHE_SIZE, else the default.
        self._results = ResultCache(default_size() if cache_size is None else cache_size)

    @property
    def strict(self) -> bool:
        """Whether an ambiguous or misspelt system id or validation code is an EnvelopeError.

        Otherwise it is classified (without the rules it missed) and the Classification's
        ``warnings`` say what was wrong.
        """
        return self._strict

    def canonical_system(self, system: str) -> str | None:
        """The canonical id of a system id or alias in any spelling, or None when not known."""
        return self._snapshot.system_ids.canonical(system)

    @property
    def _rules(self) -> tuple[Rule, ...]:
        return self._snapshot.rules

    @property
    def concepts(self) -> Vocabulary:
        """The concept words the rules' ``concept`` matchers may name."""
        return self._snapshot.concepts

    @property
    def _profiles(self) -> Mapping[str, Profile]:
        return self._snapshot.profiles

    @property
    def _job_types(self) -> Mapping[str, str]:
        return self._snapshot.job_failure_types

    def reload(self) -> None:
        """Read the rule and template directories this engine was loaded from again.

        The new rule set is built completely before it takes over: when any file has a
        problem, the engine keeps the rules it had and RuleFileError lists every problem.
        Safe while other threads classify: each call finishes with the rule set that was in
        force when it began, and the next call uses the new one.
        """
        if not self._layers:
            raise FailreasonError("this engine was not loaded from directories: use load()")
        with self._reload_lock:  # two reloads at once: the later one wins, not the slower
            self._snapshot = load_rule_set(list(self._layers))
            self._results.clear()  # entries of the old rules would never count again anyway

    def rule_path(self, rule: Rule) -> Path | None:
        """The file ``rule`` was read from, or None when this engine was not loaded from files."""
        if rule.layer >= len(self._layers):
            return None
        layer = self._layers[rule.layer]
        prefix = layer.rules_display + "/"
        if layer.rules_dir is None or not rule.location.file.startswith(prefix):
            return None
        return layer.rules_dir / rule.location.file.removeprefix(prefix)

    def _pinned(self) -> Engine:
        """This engine fixed to the rule set in force now, for the length of one call."""
        return copy.copy(self)  # shares the snapshot; reload() on self cannot reach the copy

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules, in the order they are tried."""
        return self._rules

    @property
    def job_failure_types(self) -> Mapping[str, str]:
        """Item type → the job's type when every failed item has it (``job_failure_types``)."""
        return dict(self._job_types)

    @property
    def systems(self) -> tuple[str, ...]:
        """Systems whose error bodies the engine knows how to read."""
        return tuple(sorted(self._profiles))

    def cache_info(self) -> CacheInfo:
        """Hits, misses, entries and capacity of the result cache (``load(cache_size=...)``)."""
        return self._results.info()

    def classify(self, raw: object, **context: Any) -> Classification:
        """Pleo's failure reason for ``raw``; ``context`` fills envelope keys ``raw`` lacks.

        Results of plain-dict envelopes are remembered (see ``cache_info``): the same envelope
        again, under the same rules, gives the same Classification without classifying.
        """
        # A result is filed under the rules read first; if reload() swaps them before the
        # pinned copy is made, that entry is never served (its rules are no longer in force).
        rules = self._snapshot
        return self._results.through(raw, context, rules, lambda: self._classify(raw, context))

    def _classify(self, raw: object, context: Mapping[str, Any]) -> Classification:
        engine = self._pinned()  # one rule set for the whole call, even while reload() runs
        signal = engine.signal(raw, **context)
        for step in engine._try_rules(signal):
            result = step.classification()
            if result is not None:
                return _warned(result, signal)
        return _warned(_last_resort(signal), signal)

    def explain(self, raw: object, **context: Any) -> Explanation:
        """Every rule tried on ``raw`` in order, up to the one that decided."""
        engine = self._pinned()
        signal = engine.signal(raw, **context)
        steps: list[Step] = []
        for step in engine._try_rules(signal, stop_at_first=False):
            steps.append(step)
            result = step.classification()
            if result is not None:
                return Explanation(signal, tuple(steps), _warned(result, signal))
        return Explanation(signal, tuple(steps), _warned(_last_resort(signal), signal))

    def signal(self, raw: object, **context: Any) -> Signal:
        """The normalised form of ``raw`` that rules see."""
        envelope = to_envelope(raw, context)
        ids = self._snapshot.system_ids.resolve(
            envelope.system, envelope.stage, envelope.codes, strict=self._strict
        )
        system = ids.system or self._system_for_host(envelope.host)
        if envelope.stage == "receipt_download":
            system = None  # the receipt comes from Pleo: no accounting system's pack applies
        profile: Profile | None = self._profiles.get(system) if system else None
        parsed = parse_body(envelope.body, envelope.content_type)
        extra = (envelope.message,) if envelope.message else ()
        found = extract(parsed, profile, extra)
        messages = tuple(m for m in (redact(m) for m in found.messages) if m)  # cleaned already
        # Codes are shown by explain and rendered by templates: visible text, redacted.
        every_code = (redact(collapse(visible(code))) for code in (*envelope.codes, *found.codes))
        codes = tuple(dict.fromkeys(code for code in every_code if code))[:MAX_CODES]
        return Signal(
            system=system,
            stage=envelope.stage,
            status=envelope.status,
            codes=codes,
            messages=messages,
            text=fold("\n".join(messages)),
            tree=parsed.tree,
            params=redact_tree(envelope.params),
            headers=redact_tree(envelope.headers),
            words=words_text(messages, codes),
            warnings=ids.warnings,
        )

    def _system_for_host(self, host: str | None) -> str | None:
        if not host:
            return None
        for system, profile in self._profiles.items():
            if any(host == h or host.endswith("." + h) for h in profile.hosts):
                return system
        return None

    def _try_rules(self, signal: Signal, *, stop_at_first: bool = True) -> Iterator[Step]:
        for rule in self._rules:
            captures = rule.matcher.match(signal)
            if captures is None:
                if not stop_at_first:
                    yield Step(rule, None)
                continue
            captures = plausible(captures, signal.messages)
            try:
                yield Step(rule, captures, reason=_render(rule, signal, captures))
            except RenderError as exc:
                yield Step(rule, captures, error=str(exc))  # a rule that cannot speak yields


def template_context(signal: Signal, captures: Mapping[str, str]) -> dict[str, Any]:
    """What a template sees: the error's facts, then the rule's captures over them."""
    context: dict[str, Any] = {
        "message": truncate(join_messages(signal.messages), MAX_REASON_LENGTH),
        "messages": list(signal.messages),
        "stage": signal.stage,
        "codes": list(signal.codes),
        "params": dict(signal.params),
    }
    # Unknown facts stay undefined, so a template must say `is defined` rather than print "None".
    optional = {"status": signal.status, "system": signal.system}
    optional["code"] = signal.codes[0] if signal.codes else None
    context.update({k: v for k, v in optional.items() if v is not None})
    context.update(visible_captures(captures))
    return context


def _render(rule: Rule, signal: Signal, captures: Mapping[str, str]) -> str:
    # The message in it was cleaned already, and any braces left are the accounting system's
    # own text, which Pleo must see as it was written; the final sanitiser only removes what
    # no reader should get (it runs again when the Classification is built: it is idempotent).
    # Redacted once more, as the template's words could complete a secret's shape; except
    # when the reason is one of the messages, each redacted already (redact is idempotent).
    text = final_reason(rule.template.render(template_context(signal, captures)))
    if text not in signal.messages:
        text = final_reason(redact(text))
    if not text:
        raise RenderError(f"template {rule.template.name!r} rendered an empty reason")
    return text


def _warned(result: Classification, signal: Signal) -> Classification:
    return dataclasses.replace(result, warnings=signal.warnings) if signal.warnings else result


def _last_resort(signal: Signal) -> Classification:
    message = final_reason(join_messages(signal.messages))
    if not message:
        status = f" with HTTP status {signal.status}" if signal.status else ""
        message = f"The accounting system rejected the entry{status} without an error message."
    return Classification(_LAST_RESORT_TYPE, message, _LAST_RESORT_ID)
