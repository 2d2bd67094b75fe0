"""Message templates mined from a pile of error messages, in the style of Drain.

Drain (He, Zhu, Zheng and Lyu, "Drain: An Online Log Parsing Approach with Fixed Depth
Tree", ICWS 2017) groups log lines by token count and leading token, then joins a line to the
group's template it agrees with most, when they agree on at least a set share of positions;
the positions where they differ become wildcards. This is that idea in a screen of code: the
messages failreason sees number in the hundreds, not millions, so the tree, the cache and the
persistence of a streaming miner buy nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from failreason._lazy_re import lazy_compile

T = TypeVar("T")

WILDCARD = "<*>"
SIMILARITY = 0.5  # Drain's default: half the positions must agree to join a template

# A token is a run of non-space characters, or one that holds a quoted value with its spaces
# ("'GST on Income'."), since a quoted value is one value however many words it has; a quote
# that opens a whole sentence ("'Posting Date is not within ...'") is no value.
_TOKEN = lazy_compile(r"""[^\s'"]*(?:'[^'\n]{0,40}'|"[^"\n]{0,40}")\S*|\S+""")
# A digit, or a quoted value (a name: short, closed): a token that stands for an id or name.
_VARIABLE = lazy_compile(r"""\d|^\W*(['"])[^'"\n]{0,40}\1""")


def tokens(message: str) -> list[str]:
    """``message`` split into tokens, the ones that are plainly values masked already."""
    return [WILDCARD if _VARIABLE.search(t) else t for t in _TOKEN.findall(message)]


@dataclass
class Template(Generic[T]):
    """One mined template, and the items whose messages it covers."""

    group: str
    tokens: list[str]
    items: list[T] = field(default_factory=list)

    @property
    def constant(self) -> int:
        """How many positions hold a fixed word."""
        return sum(1 for t in self.tokens if t != WILDCARD)

    def text(self) -> str:
        return " ".join(self.tokens)


def _similarity(template: list[str], line: list[str]) -> tuple[float, int]:
    """Share of positions that agree (a wildcard agrees with anything), then the fewest
    wildcards, as Drain ranks candidates."""
    same = sum(1 for a, b in zip(template, line, strict=True) if a in (b, WILDCARD))
    fixed = sum(1 for a, b in zip(template, line, strict=True) if a == b and a != WILDCARD)
    return (same / len(line), fixed) if fixed else (0.0, 0)


def mine(items: Iterable[tuple[str, str, T]]) -> list[Template[T]]:
    """Templates of ``(group, message, item)`` triples, largest first.

    ``group`` keeps apart what must not share a template (each system's messages). Messages
    join a template only when they have as many tokens and the same first token.
    """
    buckets: dict[tuple[str, int, str], list[Template[T]]] = {}
    found: list[Template[T]] = []
    for group, message, item in items:
        line = tokens(message)
        key = (group, len(line), line[0] if line else "")
        bucket = buckets.setdefault(key, [])
        best = max(bucket, key=lambda t: _similarity(t.tokens, line), default=None)
        if best is not None and _similarity(best.tokens, line)[0] >= SIMILARITY:
            best.tokens = [
                a if a == b else WILDCARD for a, b in zip(best.tokens, line, strict=True)
            ]
            best.items.append(item)
            continue
        template = Template(group, line, [item])
        bucket.append(template)
        found.append(template)
    return sorted(found, key=lambda t: (-len(t.items), t.group, t.text()))
