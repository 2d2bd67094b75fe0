"""Stage scope: the stages of an export at which a rule may decide, declared once.

A system pack's rules read that accounting system's answers, so unless they say otherwise
they apply only where the system answered and where the type they give makes sense:

- credentials, permission, rate limits, outages and timeouts: ``entry``, ``auth`` and
  ``receipt_upload`` (attaching a receipt meets them like posting does);
- receipt types: ``receipt_upload``;
- every other type (configuration, the entry's own content): ``entry`` and ``auth``, so that
  while a receipt is attached the generic receipt rules decide.

None of them applies at ``validation`` (the connector's own checks, decided by their codes)
or ``receipt_download`` (Pleo's side). A file's ``stages:`` replaces this default for all its
rules, a rule's ``stages:`` for that rule. A file without ``system:`` (the generic layer)
applies at every stage unless it says otherwise: its rules name the stage they need.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from failreason._vocabulary import STAGES

CONNECTION_TYPES: frozenset[str] = frozenset(
    {
        "accounting_system_authentication_failure",
        "authorization_failure",
        "accounting_system_rate_limit",
        "accounting_system_unreachable",
        "accounting_system_timeout",
    }
)
RECEIPT_UPLOAD_TYPES: frozenset[str] = frozenset(
    {"receipt_upload_failure", "receipt_file_size_limit_exceeded", "receipt_conversion_failure"}
)


def pack_default(failure_type: str) -> frozenset[str]:
    """The stages a system pack's rule giving ``failure_type`` applies at, unless told."""
    if failure_type in CONNECTION_TYPES:
        return frozenset({"entry", "auth", "receipt_upload"})
    if failure_type in RECEIPT_UPLOAD_TYPES:
        return frozenset({"receipt_upload"})
    if failure_type == "receipt_download_failure":
        return frozenset({"receipt_download"})
    return frozenset({"entry", "auth"})


def stage_scope(
    failure_type: str, pack: bool, file_stages: Iterable[str] | None, rule_stages: Any
) -> frozenset[str] | None:
    """The stages a rule applies at (None: every stage), from the rule, its file or the default."""
    for declared in (rule_stages, file_stages):
        if isinstance(declared, list) and declared:
            return frozenset(str(s) for s in declared)
    if not pack:
        return None
    return pack_default(failure_type)


def required_stages(match: Any) -> frozenset[str] | None:
    """The stages a ``match`` block can hold at by its own top-level ``stage`` keys (None: any)."""
    if not isinstance(match, dict):
        return None
    needed: frozenset[str] | None = None
    parts = [match, *(m for m in match.get("all", []) if isinstance(m, dict))]
    for part in parts:
        stage = part.get("stage")
        if stage is None:
            continue
        listed = frozenset(str(s) for s in (stage if isinstance(stage, list) else [stage]))
        needed = listed if needed is None else needed & listed
    return needed


def dead_scope(rule_id: str, match: Any, scope: frozenset[str]) -> tuple[str, str] | None:
    """A message and hint when the stage ``match`` needs lies outside the rule's scope."""
    needed = required_stages(match)
    if needed is None or needed & scope:
        return None
    message = (
        f"rule {rule_id!r} can never match: it needs stage {shown_stages(needed)}, "
        f"but its stage scope is {shown_stages(scope)}"
    )
    return message, f"add `stages: [{shown_stages(needed)}]` to the rule"


def shown_stages(stages: Iterable[str]) -> str:
    """Stages in the order of an export, for messages."""
    chosen = set(stages)
    return ", ".join(s for s in STAGES if s in chosen) or "no stage"
