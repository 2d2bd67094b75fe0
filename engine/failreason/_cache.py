"""A bounded, thread-safe LRU of classifications, keyed on the exact content of the envelope.

A busy connector sees the same error again and again (one broken account fails every entry of
an export), so repeating a classification should cost about as much as reading the error.

The key is ``marshal.dumps`` of the mapping and the keyword context: C speed, order-preserving
(the order of a body's members decides which message comes first, so sorting keys would be
wrong), and it refuses every type that is not exactly a dict, list, tuple, str, bytes-like,
int, float, bool or None. Subclasses (an ``OrderedDict``, a ``str`` enum, a ``Mapping`` of the
caller's own) are therefore classified every time, never served from the cache: their methods
could answer differently from one call to the next. ``{1: "x"}`` and ``{"1": "x"}`` have
different keys (a JSON encoding would conflate them, and only the second is a valid body).

An entry remembers the rule set it was made with and counts only for that one, so a result
computed while ``reload()`` swaps the rules can never be served after it. Only results are
stored: an envelope that raises raises again. A ``Classification`` is frozen (its captures a
read-only view), so handing the same object to two callers is safe.
"""

from __future__ import annotations

import marshal
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from failreason._errors import FailreasonError
from failreason._result import Classification

DEFAULT_SIZE = 4096
SIZE_VARIABLE = "FAILREASON_CACHE_SIZE"
# Envelopes whose key is larger are classified every time: at this size classifying costs far
# more than a lookup saves, and the cache's memory stays under DEFAULT_SIZE x this bound.
MAX_KEY_BYTES = 16 * 1024
# From version 3 an object met twice is written once and referred to after: a body that
# shares one value at every level (2**60 leaves in 60 levels) makes a key of linear size.
# The price: an object held elsewhere too is marked so, and the same content held differently
# makes another key (a miss, never a wrong hit).
_MARSHAL_VERSION = 4


class CacheInfo(NamedTuple):
    """How the result cache has fared: lookups that hit and missed, entries held, capacity.

    Envelopes that cannot be cached (not a plain dict, too large) count as misses.
    """

    hits: int
    misses: int
    size: int
    maxsize: int


def default_size() -> int:
    """The size ``load()`` uses when given none: $FAILREASON_CACHE_SIZE, else DEFAULT_SIZE."""
    text = os.environ.get(SIZE_VARIABLE, "").strip()
    if not text:
        return DEFAULT_SIZE
    if not (text.isascii() and text.isdigit()):
        raise FailreasonError(
            f"{SIZE_VARIABLE} must be a whole number of results to keep (0 turns the cache "
            f"off); got {text[:20]!r}"
        )
    return int(text)


def envelope_key(raw: object, context: Mapping[str, Any]) -> bytes | None:
    """The cache key of ``raw`` with ``context``, or None when it is not to be cached."""
    if type(raw) is not dict:  # httpx objects, exceptions and mapping subclasses
        return None
    if any(_too_long(value) for value in raw.values()):
        return None  # a 16 MiB text body would be copied whole, only to be dropped
    try:
        content: Any = (raw, context) if context else raw
        key = marshal.dumps(content, _MARSHAL_VERSION)
    except (ValueError, TypeError):  # a type marshal refuses, or nested past its depth
        return None
    return key if len(key) <= MAX_KEY_BYTES else None


def _too_long(value: object) -> bool:
    if isinstance(value, (str, bytes, bytearray)):  # a tuple: the faster check
        return len(value) > MAX_KEY_BYTES
    return isinstance(value, memoryview) and value.nbytes > MAX_KEY_BYTES


class ResultCache:
    """Classifications by envelope key; at most ``maxsize``, the least recently used go first."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 0:
            raise ValueError("a cache size is 0 (off) or more")
        self.maxsize = maxsize
        self._entries: OrderedDict[bytes, tuple[object, Classification]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def through(
        self,
        raw: object,
        context: Mapping[str, Any],
        rules: object,
        classify: Callable[[], Classification],
    ) -> Classification:
        """The cached result for ``raw`` under ``rules``, else ``classify()``'s, remembered."""
        key = envelope_key(raw, context) if self.maxsize else None
        with self._lock:
            entry = self._entries.get(key) if key is not None else None
            if key is not None and entry is not None and entry[0] is rules:
                self._entries.move_to_end(key)
                self._hits += 1
                return entry[1]
            self._misses += 1
        result = classify()  # outside the lock: other threads keep classifying meanwhile
        if key is not None:
            self._store(key, rules, result)
        return result

    def _store(self, key: bytes, rules: object, result: Classification) -> None:
        with self._lock:
            self._entries[key] = (rules, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._entries), self.maxsize)

    def clear(self) -> None:
        """Forget every result (the counts stay)."""
        with self._lock:
            self._entries.clear()
