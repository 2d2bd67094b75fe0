"""The documented bounds hold, and work grows linearly up to them.

Scaling is shown without wall-clock thresholds: by what is read (a marker past a bound is
never seen), by memory (tracemalloc), and, for the paths that used to be quadratic, by a
generous ratio of two sizes timed in the same test (8 times the input must cost less than
30 times the time; quadratic work would cost 64 times). benchmarks/bench_bounds.py reports
the timings themselves.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

import failreason
from failreason._bounds import (
    MAX_BODY_BYTES,
    MAX_BODY_CHARS,
    MAX_CODES,
    MAX_DEPTH,
    MAX_FIELD_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES,
    MAX_NODES,
)
from failreason._normalize import fold

MARKER = "Zebraquartz"


def seen(engine: failreason.Engine, raw: dict[str, Any]) -> bool:
    """Whether the marker reached what rules match against."""
    signal = engine.signal(raw)
    return any(MARKER in message for message in signal.messages) or MARKER in str(signal.tree)


# --- what is read ---------------------------------------------------------------------------


@pytest.mark.parametrize(("encode", "limit"), [(str.encode, MAX_BODY_BYTES), (str, MAX_BODY_CHARS)])
def test_a_body_is_read_to_its_bound(
    engine: failreason.Engine, encode: Callable[[str], Any], limit: int
) -> None:
    """A marker just inside the body bound is read; one just past it is not."""
    filler = "x" * (limit - len(MARKER) - 1) + " "
    assert seen(engine, {"status": 400, "message": None, "body": encode(f"{MARKER} {filler}")})
    assert not seen(engine, {"status": 400, "body": encode(filler + " " + MARKER)})


def test_a_json_value_is_read_to_its_node_bound(engine: failreason.Engine) -> None:
    """The first MAX_NODES values in document order are read, later ones are not."""
    early = [{"message": MARKER}] + [0] * MAX_NODES
    late = [0] * MAX_NODES + [{"message": MARKER}]
    assert seen(engine, {"status": 400, "body": early})
    assert not seen(engine, {"status": 400, "body": late})


def test_parsed_json_is_read_to_its_node_bound(engine: failreason.Engine) -> None:
    """The same bound holds for JSON text."""
    body = "[" + "0," * MAX_NODES + f'{{"message": "{MARKER}"}}]'
    assert not seen(engine, {"status": 400, "body": body})
    assert seen(engine, {"status": 400, "body": body.replace("0,", "", 10)})


def test_xml_is_read_to_its_node_bound(engine: failreason.Engine) -> None:
    """XML elements past MAX_NODES are not read."""
    body = (
        "<r><Message>first</Message>" + "<e>v</e>" * MAX_NODES + f"<Message>{MARKER}</Message></r>"
    )
    assert not seen(engine, {"status": 400, "body": body})
    assert seen(engine, {"status": 400, "body": body.replace("<e>v</e>", "", 100)})


def test_deep_xml_stops_being_read(engine: failreason.Engine) -> None:
    """Thousands of open elements, which expat itself would track, cost what the text does."""
    body = "<a>" * (MAX_BODY_BYTES // 3)
    words = "word " * (MAX_BODY_BYTES // 5)
    deep = peak_memory(lambda: engine.classify({"status": 400, "body": body}))
    plain = peak_memory(lambda: engine.classify({"status": 400, "body": words}))
    assert deep < 4 * plain


def test_json_strings_share_one_character_budget(engine: failreason.Engine) -> None:
    """Past MAX_BODY_CHARS characters of strings in a JSON value nothing more is copied."""
    body = {"padding": "x" * MAX_BODY_CHARS, "message": MARKER}
    assert not seen(engine, {"status": 400, "body": body})


def test_depth_is_cut_at_its_bound(engine: failreason.Engine) -> None:
    """A message nested past MAX_DEPTH is dropped; within it, it is found."""

    def nested(levels: int) -> Any:
        value: Any = {"message": MARKER}
        for _ in range(levels):
            value = {"inner": value}
        return value

    assert seen(engine, {"status": 400, "body": nested(MAX_DEPTH - 4)})
    assert not seen(engine, {"status": 400, "body": nested(MAX_DEPTH + 4)})


def test_messages_and_codes_are_kept_to_their_bounds(engine: failreason.Engine) -> None:
    """A body with a thousand errors keeps the first MAX_MESSAGES messages, MAX_CODES codes."""
    body = {
        "errors": [{"code": f"E{i}", "message": f"Problem number {i} here"} for i in range(1000)]
    }
    signal = engine.signal({"status": 400, "body": body})
    assert len(signal.messages) == MAX_MESSAGES
    assert signal.messages[0] == "Problem number 0 here"
    assert len(signal.codes) == MAX_CODES


def test_a_message_is_cut_before_cleaning(engine: failreason.Engine) -> None:
    """A message longer than MAX_MESSAGE_CHARS is read to that length."""
    signal = engine.signal({"message": "word " * MAX_MESSAGE_CHARS + MARKER})
    assert len(signal.messages[0]) <= MAX_MESSAGE_CHARS
    assert MARKER not in signal.messages[0]


def test_envelope_fields_are_bounded(engine: failreason.Engine) -> None:
    """Codes and header values are kept to MAX_FIELD_CHARS characters."""
    signal = engine.signal({"code": "E" * 10 * MAX_FIELD_CHARS, "headers": {"x": "v" * 10**6}})
    assert len(signal.codes[0]) == MAX_FIELD_CHARS
    assert len(signal.headers["x"]) == MAX_FIELD_CHARS


# --- memory -----------------------------------------------------------------------------------


def peak_memory(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda size: ("Account 4010 is not valid. " * (size // 27)).encode(), id="text"
        ),
        pytest.param(lambda size: "Kontot är ogiltigt. " * (size // 20), id="non-ascii"),
    ],
)
def test_memory_is_bounded_by_the_capped_input(
    engine: failreason.Engine, make: Callable[[int], Any]
) -> None:
    """A 16 MiB body costs what a 1 MiB one does (it cost 680 MB), a few times the input."""
    small, large = make(MAX_BODY_BYTES), make(16 * MAX_BODY_BYTES)
    small_peak = peak_memory(lambda: engine.classify({"status": 400, "body": small}))
    large_peak = peak_memory(lambda: engine.classify({"status": 400, "body": large}))
    assert large_peak < 1.5 * small_peak + (1 << 20)
    assert large_peak < 8 * MAX_BODY_BYTES * 4  # at most 8 times the capped text (UCS-4 worst)


def test_json_with_many_values_costs_no_more_than_text(engine: failreason.Engine) -> None:
    """A megabyte of "{}," is read to the node bound, not built whole (25 MiB before).

    Its yardstick is what a megabyte of words cost before text that needs no collapsing was
    passed on uncopied (about three times the body); words cost about one time it now.
    """
    empties = "[" + "{}," * (MAX_BODY_BYTES // 3) + "{}]"
    words = "word " * (MAX_BODY_BYTES // 5)
    json_peak = peak_memory(lambda: engine.classify({"status": 400, "body": empties}))
    text_peak = peak_memory(lambda: engine.classify({"status": 400, "body": words}))
    assert json_peak < 2 * max(text_peak, 3 * len(words))


def test_a_json_body_past_the_bound_is_read_as_json(engine: failreason.Engine) -> None:
    """A JSON body cut by the body bound is closed and read like a log-truncated one."""
    errors = ",".join(
        f'{{"message": "Problem {i} with a long description"}}' for i in range(60_000)
    )
    signal = engine.signal({"status": 400, "body": f'{{"errors": [{errors}]}}'.encode()})
    assert signal.messages[0] == "Problem 0 with a long description"


def test_folded_ascii_text_keeps_no_index_per_character() -> None:
    """The map back from folded to original text is a range for ASCII: no memory per char."""
    text = "Account 4010 " * 10_000
    assert peak_memory(lambda: fold(text)) < 3 * len(text)
