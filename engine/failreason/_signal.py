"""The normalised form of a raw error that rules are matched against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from failreason._normalize import FoldedText, fold


@dataclass(frozen=True)
class Signal:
    """Everything a rule may look at, in one shape whatever the accounting system sent.

    ``messages`` are the accounting system's readable messages (clean, untruncated, secrets
    redacted); ``text`` is them joined and folded for ``contains`` and ``regex``. ``words``
    holds the identifier-shaped messages and the codes split into words (``ACCESS_DENIED`` →
    "access denied"), which ``contains`` and ``regex`` read after ``text``.
    """

    system: str | None
    stage: str
    status: int | None
    codes: tuple[str, ...]
    messages: tuple[str, ...]
    text: FoldedText
    tree: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    words: FoldedText = field(default_factory=lambda: fold(""))
    warnings: tuple[str, ...] = ()  # what the user should hear about the envelope (_systems)
