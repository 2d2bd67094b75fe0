"""Repeated envelopes are answered from a bounded cache, never with another envelope's result."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason._cache import MAX_KEY_BYTES, SIZE_VARIABLE, CacheInfo, ResultCache
from failreason._engine import Engine
from failreason._errors import FailreasonError

SAMPLES = Path(__file__).parent / "samples" / "erp-errors.dev.jsonl"
LINES = [line for line in SAMPLES.read_text("utf-8").splitlines() if line.strip()]
BODY = {"Message": "Account 4000 does not exist"}
ERROR: dict[str, Any] = {"system": "xero", "status": 400, "body": BODY}


def fresh(engine: Engine, size: int | None = 16) -> Engine:
    """An engine over the built-in rules with a cache of its own."""
    return Engine(engine._snapshot, strict=engine.strict, cache_size=size)


def uncached(engine: Engine, raw: object, **context: Any) -> failreason.Classification:
    return fresh(engine, 0).classify(raw, **context)


def test_a_repeated_envelope_is_a_hit_with_the_same_result(engine: Engine) -> None:
    """The second classification of an envelope comes from the cache, equal to the first."""
    cached = fresh(engine)
    first = cached.classify(ERROR)
    second = cached.classify(ERROR)
    assert second == first == uncached(engine, ERROR)
    assert cached.cache_info() == CacheInfo(hits=1, misses=1, size=1, maxsize=16)


def test_every_sample_from_the_cache_equals_its_classification(engine: Engine) -> None:
    """Decoded afresh each time, as a connector does, every sample hits and agrees."""
    cached = fresh(engine, 1_000)
    for _ in range(2):
        for line in LINES:
            raw = json.loads(line)["input"]
            assert cached.classify(raw) == uncached(engine, raw)
    info = cached.cache_info()
    assert (info.hits, info.misses) == (len(LINES), len(LINES))


def test_size_zero_turns_the_cache_off(engine: Engine) -> None:
    """With cache_size=0 nothing is kept and every call classifies."""
    off = fresh(engine, 0)
    off.classify(ERROR)
    off.classify(ERROR)
    assert off.cache_info() == CacheInfo(hits=0, misses=2, size=0, maxsize=0)


def test_the_least_recently_used_result_goes_first(engine: Engine) -> None:
    """A full cache drops the result used longest ago, keeps the one used just now."""
    cached = fresh(engine, 2)
    a, b, c = ({"status": 400, "message": f"Error {n}"} for n in "abc")
    cached.classify(a)
    cached.classify(b)
    cached.classify(a)  # a is now the most recent
    cached.classify(c)  # b goes
    before = cached.cache_info()
    cached.classify(a)
    cached.classify(b)
    after = cached.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 1)
    assert after.size == 2


def test_the_order_of_a_bodys_members_is_part_of_the_key(engine: Engine) -> None:
    """Two bodies differing only in member order may mean different reasons: never conflated."""
    cached = fresh(engine)
    forward = {"status": 400, "body": {"message": "Alpha failed.", "detail": "Beta failed."}}
    backward = {"status": 400, "body": {"detail": "Beta failed.", "message": "Alpha failed."}}
    assert cached.classify(forward) == uncached(engine, forward)
    assert cached.classify(backward) == uncached(engine, backward)
    assert cached.classify(forward) != cached.classify(backward)


def test_a_number_key_is_not_its_text(engine: Engine) -> None:
    """``{1: ...}`` is no JSON and stays an error after ``{"1": ...}`` was cached."""
    cached = fresh(engine)
    cached.classify({"body": {"1": "Account missing"}})
    with pytest.raises(failreason.EnvelopeError):
        cached.classify({"body": {1: "Account missing"}})


def test_values_of_other_types_are_other_keys(engine: Engine) -> None:
    """True is not 1, 1.0 is not 1, bytes are not text: each is classified as itself."""
    cached = fresh(engine)
    for raw in (
        {"status": 400, "body": {"code": 1}},
        {"status": 400, "body": {"code": True}},
        {"status": 400, "body": {"code": 1.0}},
        {"status": 400, "body": b'{"message": "x"}'},
        {"status": 400, "body": '{"message": "x"}'},
    ):
        assert cached.classify(raw) == uncached(engine, raw)
    assert cached.cache_info().hits == 0


class Plain(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(OrderedDict(ERROR), id="ordered-dict"),
        pytest.param(Plain(ERROR), id="own-mapping"),
        pytest.param(ERROR | {"body": OrderedDict(BODY)}, id="mapping-inside"),
        pytest.param(ERROR | {"body": "x" * (MAX_KEY_BYTES + 1)}, id="huge"),
    ],
)
def test_mappings_of_other_types_and_huge_envelopes_are_classified_not_cached(
    engine: Engine, raw: Mapping[str, Any]
) -> None:
    """What marshal refuses (subclasses, own mappings) or what is too large is never kept."""
    cached = fresh(engine)
    assert cached.classify(raw) == cached.classify(raw) == uncached(engine, raw)
    assert cached.cache_info() == CacheInfo(hits=0, misses=2, size=0, maxsize=16)


def test_an_envelope_error_is_raised_every_time(engine: Engine) -> None:
    """Errors are not cached: an invalid envelope raises again."""
    cached = fresh(engine)
    for _ in range(2):
        with pytest.raises(failreason.EnvelopeError):
            cached.classify({"status": 400, "body": {"x": {1, 2}}})
    assert cached.cache_info().size == 0


def test_warnings_come_back_with_a_cached_result(engine: Engine) -> None:
    """A misspelt system id warns on the hit as on the first call."""
    cached = fresh(engine)
    raw = {"system": "xeroo", "status": 400, "message": "Account missing"}
    first = cached.classify(raw)
    assert first.warnings
    assert cached.classify(raw).warnings == first.warnings
    assert cached.cache_info().hits == 1


def test_strict_mode_raises_on_every_repeat(engine: Engine) -> None:
    """In strict mode a misspelt system id is an error each time, never a cached result."""
    strict = Engine(engine._snapshot, strict=True, cache_size=16)
    for _ in range(2):
        with pytest.raises(failreason.EnvelopeError):
            strict.classify({"system": "xeroo", "status": 400, "message": "Account missing"})


def test_the_keyword_context_is_part_of_the_key(engine: Engine) -> None:
    """classify(raw, stage=...) is another envelope than classify(raw)."""
    cached = fresh(engine)
    raw = {"status": 500, "message": "Could not download the file"}
    assert cached.classify(raw) == uncached(engine, raw)
    receipt = cached.classify(raw, stage="receipt_download")
    assert receipt == uncached(engine, raw, stage="receipt_download")
    assert cached.cache_info().hits == 0


def test_a_caller_cannot_change_a_cached_result(engine: Engine) -> None:
    """The result is frozen and its captures read-only, so the next caller gets it intact."""
    cached = fresh(engine)
    raw = {"system": "xero", "status": 400, "message": "The TaxType code OUTPUT2 does not exist"}
    result = cached.classify(raw)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.failure_reason = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.captures["tax_code"] = "changed"  # type: ignore[index]
    assert cached.classify(raw) == uncached(engine, raw)


def test_a_changed_envelope_is_classified_again(engine: Engine) -> None:
    """The key is the content at call time: an envelope changed in place is a new one."""
    cached = fresh(engine)
    raw: dict[str, Any] = {"status": 400, "body": {"message": "Account 4000 missing"}}
    cached.classify(raw)
    raw["body"]["message"] = "Rate limit exceeded"
    assert cached.classify(raw) == uncached(engine, raw)
    assert cached.cache_info().hits == 0


def test_threads_sharing_a_small_cache_get_their_own_results(engine: Engine) -> None:
    """Eight threads over a cache smaller than their envelopes: every answer is right."""
    raws = [json.loads(line)["input"] for line in LINES[:12]]
    expected = [uncached(engine, raw) for raw in raws]
    cached = fresh(engine, 5)
    wrong: list[int] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()
        for n in range(120):
            index = (n + offset) % len(raws)
            if cached.classify(raws[index]) != expected[index]:
                wrong.append(index)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    info = cached.cache_info()
    assert wrong == []
    assert info.hits + info.misses == 8 * 120
    assert info.size <= 5


def test_size_from_the_environment(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """$FAILREASON_CACHE_SIZE sets the default size; an explicit size wins."""
    monkeypatch.setenv(SIZE_VARIABLE, "7")
    assert fresh(engine, None).cache_info().maxsize == 7
    assert fresh(engine, 3).cache_info().maxsize == 3


@pytest.mark.parametrize("value", ["-1", "lots", "1e3"])
def test_a_bad_size_in_the_environment_says_what_is_expected(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """Not a whole number: an error naming the variable and what it takes."""
    monkeypatch.setenv(SIZE_VARIABLE, value)
    with pytest.raises(FailreasonError, match="FAILREASON_CACHE_SIZE must be a whole number"):
        fresh(engine, None)


def test_load_takes_a_cache_size() -> None:
    """``load(cache_size=N)`` reaches the engine."""
    assert failreason.load(cache_size=3).cache_info().maxsize == 3


def test_a_result_made_under_other_rules_is_not_served(engine: Engine) -> None:
    """An entry filed while reload() swapped the rules never answers for the new ones."""
    cache = ResultCache(4)
    old, new = object(), object()
    first = uncached(engine, ERROR)
    other = uncached(engine, {"status": 429})
    assert cache.through(ERROR, {}, old, lambda: first) is first
    assert cache.through(ERROR, {}, new, lambda: other) is other
    assert cache.through(ERROR, {}, new, lambda: first) is other  # now filed under new
    assert cache.info() == CacheInfo(hits=1, misses=2, size=1, maxsize=4)
