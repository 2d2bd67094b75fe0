"""``failreason suggest``: Drain-style templates of the fallback's messages, as draft rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason._cli import main
from failreason._drain import WILDCARD, mine, tokens
from failreason._regex import compile_regex
from failreason._suggest import PLACEHOLDER_TYPE, render_draft, suggest, template_regex

SAMPLES = Path(__file__).parent / "samples" / "erp-errors.dev.jsonl"
UNKNOWN_SYSTEM = "unknown_erp"  # as benchmarks/leave_one_system_out.py hides a system's pack


def test_values_are_masked_before_mining() -> None:
    assert tokens("Account '4000 Sales' is not valid.") == [
        "Account",
        WILDCARD,
        "is",
        "not",
        "valid.",
    ]
    assert tokens("Line 12 has no tax") == ["Line", WILDCARD, "has", "no", "tax"]
    # A quote that opens the whole sentence is not a value: the words stay words.
    said = "'Posting Date is not within your range of allowed posting dates in 'FY'.'"
    assert tokens(said)[:2] == ["'Posting", "Date"]
    assert tokens(said)[-2:] == ["in", WILDCARD]


def test_lines_that_mostly_agree_share_a_template_and_differ_in_wildcards() -> None:
    found = mine(
        [
            ("x", "Vendor ACME is inactive", 1),
            ("x", "Vendor Globex is inactive", 2),
            ("x", "Vendor Initech is archived", 3),
            ("x", "Vendor ACME was deleted yesterday", 4),  # more tokens: a template of its own
            ("y", "Vendor ACME is inactive", 5),  # another system: never merged across
        ]
    )
    assert [(t.group, t.text(), t.items) for t in found] == [
        ("x", "Vendor <*> is <*>", [1, 2, 3]),
        ("x", "Vendor ACME was deleted yesterday", [4]),
        ("y", "Vendor ACME is inactive", [5]),
    ]


def test_lines_that_mostly_differ_stay_apart() -> None:
    found = mine([("x", "Vendor ACME is inactive", 1), ("x", "Vendor needs a country", 2)])
    assert len(found) == 2


def test_the_regex_names_its_captures_and_takes_every_member() -> None:
    regex = template_regex(["Account", WILDCARD, "(code)", "is", WILDCARD, WILDCARD])
    assert regex == (
        r"^Account\s+(?P<account>.+?)\s+\(code\)\s+is\s+(?P<value>.+?)\s+(?P<value_2>.+?)$"
    )
    compiled = compile_regex(regex)  # RE2: it would refuse a look-around or backreference
    assert compiled.group_names == ("account", "value", "value_2")
    assert compile_regex(template_regex(["a.b"])).pattern == r"^a\.b$"


def envelopes_of(system: str) -> list[dict[str, Any]]:
    """The dev samples of ``system``, with the system hidden from every pack."""
    rows = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    chosen = [row for row in rows if row["input"].get("system") == system]
    for row in chosen:
        row["input"]["system"] = UNKNOWN_SYSTEM
    return chosen


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def with_types(draft_text: str, types: dict[str, str]) -> str:
    """The draft with each rule's TODO type replaced by ``types[rule id]``."""
    blocks = draft_text.split("\n  - id: ")
    for i, block in enumerate(blocks[1:], start=1):
        rule_id = block.split("\n", 1)[0]
        pattern = rf"    type: {PLACEHOLDER_TYPE}  # TODO[^\n]*"
        blocks[i] = re.sub(pattern, f"    type: {types[rule_id]}", block)
    return "\n  - id: ".join(blocks)


@pytest.mark.parametrize("system", ["quickbooks_online", "business_central"])
def test_a_draft_from_a_system_without_its_pack_lints_and_classifies_its_samples(
    system: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = envelopes_of(system)
    errors = write_jsonl(tmp_path / "errors.jsonl", [row["input"] for row in rows])
    engine = failreason.load()
    fell = [row for row in rows if engine.classify(row["input"]).rule_id == "fallback"]
    assert len(fell) >= 5  # without its pack, many of the system's errors fall through

    rules_dir = tmp_path / "draft"
    rules_dir.mkdir()
    draft_file = rules_dir / "draft.yaml"
    assert main(["suggest", str(errors), "-o", str(draft_file)]) == 0
    assert main(["lint", "--rules", str(rules_dir)]) == 0  # as written
    assert main(["test", "--rules", str(rules_dir)]) == 0
    capsys.readouterr()

    labels = {json.dumps(row["input"], sort_keys=True): row for row in fell}
    draft = suggest(engine, str(errors))
    assert draft.left_out == 0
    assert sum(len(rule.samples) for rule in draft.rules) == len(fell)
    types = {
        rule.id: Counter(
            labels[json.dumps(s.envelope, sort_keys=True)]["expected"] for s in rule.samples
        ).most_common(1)[0][0]
        for rule in draft.rules
    }
    draft_file.write_text(with_types(draft_file.read_text(encoding="utf-8"), types), "utf-8")
    assert PLACEHOLDER_TYPE + "  # TODO" not in draft_file.read_text(encoding="utf-8")
    assert main(["lint", "--rules", str(rules_dir)]) == 0
    assert main(["test", "--rules", str(rules_dir)]) == 0

    finished = failreason.load(rules_dir)
    for row in fell:
        result = finished.classify(row["input"])
        assert result.rule_id.startswith("draft."), row["id"]
        assert result.failure_reason_type in row["accept"], row["id"]


def test_the_draft_says_how_to_finish_it_and_suggests_a_type(tmp_path: Path) -> None:
    rows = [
        {"system": "acme", "status": 400, "body": {"message": "Supplier name is empty on 'PO-7'"}},
        {"system": "acme", "status": 400, "body": {"message": "Supplier name is empty on 'PO 8'"}},
        {"system": "acme", "status": 400},  # no message: left out
        {"system": "acme", "status": 429, "body": "Too many requests"},  # a rule takes it
    ]
    errors = write_jsonl(tmp_path / "errors.jsonl", rows)
    draft = suggest(failreason.load(), str(errors))
    assert (draft.fallback, draft.left_out, len(draft.rules)) == (3, 1, 1)
    text = render_draft(draft, "errors.jsonl")
    assert text.startswith("# Draft rules suggested by `failreason suggest` from errors.jsonl")
    assert "# To finish it, for each rule:" in text
    assert '      system: ["acme"]' in text
    assert r'regex: "^Supplier\\s+name\\s+is\\s+empty\\s+on\\s+(?P<value>.+?)$"' in text
    todo = f"type: {PLACEHOLDER_TYPE}  # TODO: choose the type; suggested: vendor_unknown"
    assert f"{todo} (reads as vendor" in text
    assert '"2 errors: Supplier name is empty on <*>"' in text
    assert text.count("      - input: ") == 2
    assert "reason: \"Supplier name is empty on 'PO 8'\"" in text


def test_nothing_to_suggest_still_writes_a_file_lint_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    errors = write_jsonl(tmp_path / "errors.jsonl", [{"status": 429, "body": "Too many requests"}])
    status = main(["suggest", str(errors)])
    out = capsys.readouterr().out
    assert status == 0
    assert "rules: []" in out


def test_malformed_lines_are_named_and_the_rest_drafted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    errors = tmp_path / "errors.jsonl"
    errors.write_text('{"status": 400, "body": "Odd failure 7"}\n{oops\n', encoding="utf-8")
    status = main(["suggest", str(errors)])
    out, err = capsys.readouterr()
    assert status == 1
    assert f"{errors}:2: invalid JSON" in err
    assert "draft.any.001" in out
    assert "Traceback" not in out + err


def test_a_draft_that_cannot_be_written_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    errors = write_jsonl(tmp_path / "errors.jsonl", [{"status": 400, "body": "Odd failure"}])
    target = tmp_path / "no-such-dir" / "draft.yaml"
    assert main(["suggest", str(errors), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {target}: No such file or directory" in err
