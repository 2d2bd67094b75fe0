"""The sandbox's fault plan: which request gets which fault, decided by a seed.

Pure: ``FaultPlan.decide(index)`` depends only on the plan and the request's index (its
order of arrival among API requests), so the same seed and the same request order give the
same faults, in any process. A script, when given, decides the first requests outright.

Fault kinds, and what the server does:

``429``   answers 429 ``TOO_MANY_REQUESTS`` with ``Retry-After``, in seconds or (chosen by
          the seed) as an HTTP date; the request is not applied
``500``   answers 500 with a JSON error body; not applied
``502``   answers 502 with an HTML page, as a gateway would; not applied
``503``   answers 503 with a JSON error body; not applied
``slow``  waits ``slow_seconds``, then serves the request normally, applying it even when
          the client stopped waiting: above the client's timeout, a Pleo that answers late
``drop``  closes the connection without answering and without applying the request
``lost``  applies the request, then closes the connection without answering

The command-line spec is ``KIND=PROBABILITY`` pairs: ``"429=0.1,500=0.05,lost=0.05"``.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from failreason._errors import FailreasonError

FAULT_KINDS = ("429", "500", "502", "503", "slow", "drop", "lost")
ANSWERING_KINDS = ("429", "500", "502", "503")  # answered in place of the API, not applied


class FaultSpecError(FailreasonError, ValueError):
    """A fault plan that cannot be used; the message names the kind or value at fault."""


@dataclass(frozen=True)
class Fault:
    """The fault one request gets."""

    kind: str
    retry_after_seconds: int = 0  # 429 only
    retry_after_as_date: bool = False  # 429 only: send an HTTP date instead of seconds
    delay_seconds: float = 0.0  # slow only


@dataclass(frozen=True)
class FaultPlan:
    """Probabilities per fault kind, a seed, and optionally a script for the first requests.

    ``script[i]`` is the fault kind (or None for none) of request ``i``; later requests draw
    from ``probabilities``, a mapping of kind to chance (their sum is at most 1).
    """

    probabilities: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    script: tuple[str | None, ...] = ()
    slow_seconds: float = 0.2
    retry_after_seconds: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "probabilities", MappingProxyType(dict(self.probabilities)))
        object.__setattr__(self, "script", tuple(self.script))
        for kind, chance in self.probabilities.items():
            _check_kind(kind)
            if not isinstance(chance, int | float) or not 0.0 <= chance <= 1.0:
                raise FaultSpecError(f"fault {kind}: probability {chance!r} is not between 0 and 1")
        total = sum(self.probabilities.values())
        if total > 1.0 + 1e-9:
            raise FaultSpecError(f"fault probabilities add up to {total:g}; at most 1 is possible")
        for step in self.script:
            if step is not None:
                _check_kind(step)
        if not self.slow_seconds >= 0:
            raise FaultSpecError(f"slow_seconds must be 0 or more, got {self.slow_seconds!r}")
        if self.retry_after_seconds < 0:
            raise FaultSpecError(
                f"retry_after_seconds must be 0 or more, got {self.retry_after_seconds!r}"
            )

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.probabilities.items())), self.seed, self.script))

    @classmethod
    def parse(
        cls, spec: str, *, seed: int = 0, slow_seconds: float = 0.2, retry_after_seconds: int = 1
    ) -> FaultPlan:
        """The plan a command-line spec such as ``"429=0.1,lost=0.05"`` describes."""
        chances: dict[str, float] = {}
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            kind, equals, number = (s.strip() for s in part.partition("="))
            if not equals:
                raise FaultSpecError(f"fault {part!r}: expected KIND=PROBABILITY, e.g. 429=0.1")
            _check_kind(kind)
            if kind in chances:
                raise FaultSpecError(f"fault {kind} is given twice")
            try:
                chance = float(number)
            except ValueError:
                raise FaultSpecError(
                    f"fault {kind}: probability {number!r} is not a number"
                ) from None
            if not 0.0 <= chance <= 1.0:
                raise FaultSpecError(f"fault {kind}: probability {number} is not between 0 and 1")
            chances[kind] = chance
        return cls(chances, seed, (), slow_seconds, retry_after_seconds)

    @classmethod
    def scripted(cls, kinds: Iterable[str | None], *, seed: int = 0) -> FaultPlan:
        """Exactly these faults for the first requests, none afterwards."""
        return cls({}, seed, tuple(kinds))

    @property
    def spec(self) -> str:
        """The plan's probabilities in command-line form."""
        return ",".join(f"{kind}={chance:g}" for kind, chance in self.probabilities.items())

    def decide(self, index: int) -> Fault | None:
        """The fault of the request with this arrival index (0 first), or None."""
        draws = random.Random(f"{self.seed}:{index}")  # noqa: S311 - test faults, not secrets
        pick, as_date = draws.random(), draws.random() < 0.5
        scripted = index < len(self.script)
        kind = self.script[index] if scripted else _pick(self.probabilities, pick)
        if kind is None:
            return None
        if kind == "429":
            return Fault(
                kind, retry_after_seconds=self.retry_after_seconds, retry_after_as_date=as_date
            )
        if kind == "slow":
            return Fault(kind, delay_seconds=self.slow_seconds)
        return Fault(kind)


def _pick(probabilities: Mapping[str, float], draw: float) -> str | None:
    bound = 0.0
    for kind in FAULT_KINDS:  # a fixed order, whatever order the spec was written in
        bound += probabilities.get(kind, 0.0)
        if draw < bound:
            return kind
    return None


def _check_kind(kind: object) -> None:
    if kind in FAULT_KINDS:
        return
    close = difflib.get_close_matches(str(kind), FAULT_KINDS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise FaultSpecError(f"unknown fault kind {kind!r}{hint} (known: {', '.join(FAULT_KINDS)})")
