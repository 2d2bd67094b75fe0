"""Real error responses from public sources (tests/samples/erp-errors.dev.jsonl), by id."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples" / "erp-errors.dev.jsonl"


@cache
def corpus() -> dict[str, dict[str, Any]]:
    """Every labelled sample: ``id`` → ``{"input", "expected", "accept", ...}``."""
    rows = (json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines())
    return {row["id"]: row for row in rows if row}


def sample(sample_id: str) -> dict[str, Any]:
    """The raw-error envelope of one sample."""
    envelope: dict[str, Any] = corpus()[sample_id]["input"]
    return envelope
