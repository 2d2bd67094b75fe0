"""How far the generic layer carries without a pack: leave-one-system-out accuracy.

Every labelled sample is classified with its ``system`` replaced by an id no pack knows, so
only the generic rules decide, and scored as ``failreason score`` scores it. Run on demand:

    python benchmarks/leave_one_system_out.py [tests/samples/erp-errors.dev.jsonl]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import failreason
from failreason._score import score

UNKNOWN_SYSTEM = "unknown_erp"
DEFAULT_SAMPLES = Path(__file__).resolve().parent.parent / "tests/samples/erp-errors.dev.jsonl"


def without_system(row: dict[str, Any]) -> dict[str, Any]:
    """The labelled row with its system hidden from the packs."""
    envelope = dict(row["input"])
    if "system" in envelope:
        envelope["system"] = UNKNOWN_SYSTEM
    return {**row, "input": envelope}


def main(path: Path) -> None:
    engine = failreason.load()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    per_system: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        tally = per_system[row["input"].get("system") or "(none)"]
        tally[0] += score(engine, [without_system(row)]).hits
        tally[1] += 1
    for system, (hits, total) in sorted(per_system.items()):
        print(f"{system:<24}{hits:>4}/{total:<4}{100 * hits / total:6.1f}%")
    hits = sum(tally[0] for tally in per_system.values())
    print(f"total: {hits}/{len(rows)} accepted ({100 * hits / len(rows):.1f}%)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SAMPLES)
