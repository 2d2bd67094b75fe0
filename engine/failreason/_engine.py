"""The engine: raw error → signal → first matching rule → rendered reason."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from failreason._body import parse_body
from failreason._bounds import MAX_CODES
from failreason._clean import final_reason, join_messages, truncate
from failreason._envelope import to_envelope
from failreason._extract import Profile, extract
from failreason._normalize import fold
from failreason._redact import redact
from failreason._render import RenderError
from failreason._result import Classification, visible_captures
from failreason._rules import Rule, RuleSet
from failreason._sanitize import collapse, visible
from failreason._signal import Signal
from failreason._vocabulary import MAX_REASON_LENGTH

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

    def __init__(self, rule_set: RuleSet) -> None:
        self._rules = rule_set.rules
        self._profiles = rule_set.profiles
        self._job_types = dict(rule_set.job_failure_types)

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

    def classify(self, raw: object, **context: Any) -> Classification:
        """Pleo's failure reason for ``raw``; ``context`` fills envelope keys ``raw`` lacks."""
        signal = self.signal(raw, **context)
        for step in self._try_rules(signal):
            result = step.classification()
            if result is not None:
                return result
        return _last_resort(signal)

    def explain(self, raw: object, **context: Any) -> Explanation:
        """Every rule tried on ``raw`` in order, up to the one that decided."""
        signal = self.signal(raw, **context)
        steps: list[Step] = []
        for step in self._try_rules(signal, stop_at_first=False):
            steps.append(step)
            result = step.classification()
            if result is not None:
                return Explanation(signal, tuple(steps), result)
        return Explanation(signal, tuple(steps), _last_resort(signal))

    def signal(self, raw: object, **context: Any) -> Signal:
        """The normalised form of ``raw`` that rules see."""
        envelope = to_envelope(raw, context)
        system = envelope.system or self._system_for_host(envelope.host)
        if envelope.stage == "receipt_download":
            system = None  # the receipt comes from Pleo: no accounting system's pack applies
        profile: Profile | None = self._profiles.get(system) if system else None
        parsed = parse_body(envelope.body, envelope.content_type)
        extra = (envelope.message,) if envelope.message else ()
        found = extract(parsed, profile, extra)
        messages = tuple(m for m in (redact(m) for m in found.messages) if m)  # cleaned already
        # Codes are shown by explain and rendered by templates: visible text only.
        every_code = (collapse(visible(code)) for code in (*envelope.codes, *found.codes))
        codes = tuple(dict.fromkeys(code for code in every_code if code))[:MAX_CODES]
        return Signal(
            system=system,
            stage=envelope.stage,
            status=envelope.status,
            codes=codes,
            messages=messages,
            text=fold("\n".join(messages)),
            tree=parsed.tree,
            params=envelope.params,
            headers=envelope.headers,
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
    rendered = rule.template.render(template_context(signal, captures))
    text = final_reason(redact(final_reason(rendered)))
    if not text:
        raise RenderError(f"template {rule.template.name!r} rendered an empty reason")
    return text


def _last_resort(signal: Signal) -> Classification:
    message = final_reason(join_messages(signal.messages))
    if not message:
        status = f" with HTTP status {signal.status}" if signal.status else ""
        message = f"The accounting system rejected the entry{status} without an error message."
    return Classification(_LAST_RESORT_TYPE, message, _LAST_RESORT_ID)
