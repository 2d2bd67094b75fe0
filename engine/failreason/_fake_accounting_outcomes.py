"""What the fake accounting system answers (``_fake_accounting``): the scripted outcomes, the
entries it makes, the log of its answers, and the real errors it can send."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from failreason._sandbox_wire import _Response

if TYPE_CHECKING:
    from failreason._engine import Engine

SYSTEM_HEADER = "Fake-Accounting-System"


@dataclass(frozen=True)
class Answer:
    """An error answer as an accounting system sends it; ``rule`` names its source example."""

    status: int
    body: object = None
    headers: Mapping[str, str] = field(default_factory=dict)
    system: str | None = None
    rule: str | None = None

    def response(self) -> _Response:
        headers = {name.lower(): value for name, value in self.headers.items()}
        content_type = headers.pop("content-type", None)
        extra = tuple(headers.items())
        if self.system:
            extra += ((SYSTEM_HEADER, self.system),)
        if isinstance(self.body, str):
            kind = content_type or "text/plain; charset=utf-8"
            return _Response(self.status, self.body.encode(), kind, extra)
        body = b"" if self.body is None else json.dumps(self.body).encode()
        return _Response(self.status, body, content_type or "application/json", extra)

    def envelope(self) -> dict[str, Any]:
        """The answer as an envelope ``Engine.classify`` takes."""
        found = {"system": self.system, "status": self.status, "body": self.body}
        if self.headers:
            found["headers"] = dict(self.headers)
        return {key: value for key, value in found.items() if value is not None}


@dataclass(frozen=True)
class RateLimit:
    """429 Too Many Requests with ``Retry-After: retry_after`` (whole seconds)."""

    retry_after: int = 1


@dataclass(frozen=True)
class Slow:
    """The entry is made, but the answer waits ``seconds`` (until the fake closes at most)."""

    seconds: float


Outcome = Answer | RateLimit | Slow


@dataclass(frozen=True)
class Entry:
    """One entry the fake made: its id and url, and the export item it was made from."""

    id: str
    url: str
    accounting_entry_id: str
    item: Mapping[str, Any]


@dataclass(frozen=True)
class Exchange:
    """One ``POST /entries`` of an entry and the answer it got (sent late for ``Slow``)."""

    entry_id: str
    status: int
    body: str
    content_type: str


def real_errors(
    engine: Engine | None = None, *, types: Iterable[str] | None = None
) -> tuple[Answer, ...]:
    """The built-in rules' examples that are HTTP error answers from a named system."""
    if engine is None:
        from failreason._load import load

        engine = load()
    wanted = set(types) if types is not None else None
    answers = []
    for rule in engine.rules:
        if wanted is not None and rule.type not in wanted:
            continue
        for example in rule.examples:
            found = example.input
            status, system = found.get("status"), found.get("system")
            if isinstance(status, int) and status >= 400 and isinstance(system, str):
                headers = found.get("headers") or {}
                body = found.get("body")
                answers.append(Answer(status, body, dict(headers), system, rule.id))
    return tuple(answers)
