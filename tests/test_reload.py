"""Engine.reload(): a new rule set takes over whole or not at all, while other threads classify."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

import failreason


def pack(version: int) -> str:
    """A pack whose profile and rule both carry ``version``, so a mix of two sets shows."""
    return f"""\
system: acme
extract:
  errors:
    - path: "errors[]"
      message: [v{version}msg]
rules:
  - id: acme.v{version}
    match: {{status: 400}}
    type: invalid_configuration
    message: "version {version} {{{{ message }}}}"
"""


BROKEN = """\
system: acme
rules:
  - id: acme.broken
    match: {status: 400, regx: nope}
    type: invalid_configuraton
    message: "never"
"""
ENVELOPE = {
    "system": "acme",
    "status": 400,
    "body": {"errors": [{"v1msg": "profile-1", "v2msg": "profile-2"}]},
}
WHOLE_SETS = {"version 1 profile-1", "version 2 profile-2"}


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "acme.yaml").write_text(pack(1), encoding="utf-8")
    return folder


def write(rules_dir: Path, text: str) -> None:
    (rules_dir / "acme.yaml").write_text(text, encoding="utf-8")


def test_reload_takes_up_changed_rules(rules_dir: Path) -> None:
    """After the files change, reload() makes the engine use the new rules and profile."""
    engine = failreason.load(rules_dir)
    assert engine.classify(ENVELOPE).failure_reason == "version 1 profile-1"
    write(rules_dir, pack(2))
    engine.reload()
    assert engine.classify(ENVELOPE).failure_reason == "version 2 profile-2"
    assert [rule.id for rule in engine.rules if rule.id.startswith("acme.")] == ["acme.v2"]


def test_bad_reload_keeps_the_rules_in_force_and_reports_every_problem(rules_dir: Path) -> None:
    """A broken rule set is refused whole: every problem is reported, the old rules stay."""
    engine = failreason.load(rules_dir)
    write(rules_dir, BROKEN)
    (rules_dir / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(failreason.RuleFileError) as caught:
        engine.reload()
    messages = [problem.message for problem in caught.value.problems]
    assert len(messages) == 3, messages
    assert any("regx" in m for m in messages)
    assert any("invalid_configuraton" in m for m in messages)
    assert any("declares nothing" in m for m in messages)
    assert engine.classify(ENVELOPE).failure_reason == "version 1 profile-1"
    assert "acme" in engine.systems


def test_reload_of_a_vanished_directory_keeps_the_rules(rules_dir: Path) -> None:
    """A rules directory removed since loading is an error, not a silent loss of its rules."""
    engine = failreason.load(rules_dir)
    (rules_dir / "acme.yaml").unlink()
    rules_dir.rmdir()
    with pytest.raises(failreason.RuleFileError, match="the rules directory does not exist"):
        engine.reload()
    assert engine.classify(ENVELOPE).rule_id == "acme.v1"


def test_classify_during_reloads_sees_one_whole_rule_set(rules_dir: Path) -> None:
    """Threads classifying while reload() swaps good and bad sets never see a mix, nor fail."""
    engine = failreason.load(rules_dir)
    stop = threading.Event()
    seen: Counter[str] = Counter()
    failures: list[BaseException] = []

    def classify_until_stopped() -> None:
        while not stop.is_set():
            try:
                result = engine.classify(ENVELOPE)
                seen[f"{result.rule_id}: {result.failure_reason}"] += 1
                explained = engine.explain(ENVELOPE).result
                seen[f"{explained.rule_id}: {explained.failure_reason}"] += 1
            except BaseException as exc:
                failures.append(exc)

    refused = 0
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # switch threads as often as possible, to catch a torn read
    threads = [threading.Thread(target=classify_until_stopped) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for version in (2, 0, 1):
            write(rules_dir, pack(version) if version else BROKEN)
            try:
                engine.reload()
            except failreason.RuleFileError:
                refused += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        sys.setswitchinterval(interval)
    assert failures == []
    assert refused == 1
    assert set(seen) <= {f"acme.v{n}: version {n} profile-{n}" for n in (1, 2)}, seen
    assert len(seen) == 2  # both sets were in force at some point while threads ran
    assert engine.classify(ENVELOPE).failure_reason == "version 1 profile-1"
