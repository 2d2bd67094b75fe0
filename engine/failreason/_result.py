"""What classifying a raw error gives back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from failreason._clean import final_reason, truncate
from failreason._sanitize import neutralise_tags, visible


@dataclass(frozen=True)
class Classification:
    """Pleo's failure reason for one raw error, and how it was reached.

    ``failure_reason_type`` and ``failure_reason`` are what Pleo shows; ``rule_id`` names the
    rule that decided; ``captures`` are the values it took from the error; ``retryable`` says
    whether sending the same entry again later can succeed (rate limits, outages, timeouts).
    ``warnings`` tell the caller about the envelope: a system id or validation code that is
    ambiguous or close to a known one, whose rules therefore did not apply. Pleo never sees
    them (they are not in ``item_payload``).

    Whoever builds one, its reason passes the final sanitiser (printable, no live markup, at
    most 500 characters; empty is refused) and its captures hold only visible text.
    """

    failure_reason_type: str
    failure_reason: str
    rule_id: str
    captures: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    retryable: bool = False
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        reason = final_reason(self.failure_reason)
        if not reason:
            raise ValueError("a failure reason needs visible text")
        object.__setattr__(self, "failure_reason", reason)
        object.__setattr__(self, "captures", MappingProxyType(visible_captures(self.captures)))
        object.__setattr__(self, "warnings", tuple(str(w) for w in self.warnings))

    def item_payload(self, accounting_entry_id: str) -> dict[str, str]:
        """The export-item update for Pleo's ``PUT /v3/export-jobs/{jobId}/items``."""
        if not isinstance(accounting_entry_id, str) or not accounting_entry_id.strip():
            raise TypeError("accounting_entry_id must be a non-empty string")
        return {
            "accountingEntryId": accounting_entry_id,
            "status": "failed",
            "failureReasonType": self.failure_reason_type,
            "failureReason": self.failure_reason,
        }

    def to_json(self) -> dict[str, object]:
        """The record ``failreason classify`` prints for this error (``warnings`` when any)."""
        record: dict[str, object] = {
            "failureReasonType": self.failure_reason_type,
            "failureReason": self.failure_reason,
            "rule": self.rule_id,
            "retryable": self.retryable,
        }
        if self.warnings:
            record["warnings"] = list(self.warnings)
        return record


def visible_captures(captures: Mapping[str, str]) -> dict[str, str]:
    """Captures as templates and callers may see them: visible text, at most 500 characters."""
    cleaned = {
        name: truncate(neutralise_tags(" ".join(visible(value[:2000]).split())))
        for name, value in captures.items()
    }
    return {name: value for name, value in cleaned.items() if value}
