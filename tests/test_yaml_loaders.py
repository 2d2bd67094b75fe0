"""libyaml and the pure-Python loader read rule files alike: same values, places and messages.

libyaml (PyYAML's C parser) reads the rules when PyYAML was built with it; otherwise the
pure-Python loader does. Whichever reads, a rule author must see the same documents and the
same located problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import failreason
from failreason import _yaml_events
from failreason._load import builtin_dir
from failreason._yaml import MAX_DEPTH, MAX_VALUES, LocatedDocument, load_yaml
from tests.conftest import WriteRules


def read_both(text: str, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """``text`` read as the installation reads it, then with the pure-Python loader only."""
    fast = load_yaml(text, name)
    with monkeypatch.context() as patch:
        patch.setattr(yaml, "__with_libyaml__", False)
        slow = load_yaml(text, name)
    return fast, slow


def test_libyaml_is_what_reads_the_rules_here() -> None:
    """This installation has libyaml, so the comparisons below compare two different readers."""
    assert yaml.__with_libyaml__
    text = (builtin_dir("rules") / "xero.yaml").read_text("utf-8")
    assert _yaml_events.read(text, max_values=MAX_VALUES, max_depth=MAX_DEPTH) is not None


@pytest.mark.parametrize(
    "path", sorted(builtin_dir("rules").glob("**/*.yaml")), ids=lambda path: path.name
)
def test_every_built_in_file_reads_the_same_without_libyaml(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values, the line and column of every value and key: identical from either loader."""
    fast, slow = read_both(path.read_text("utf-8"), path.name, monkeypatch)
    assert isinstance(fast, LocatedDocument)
    assert fast == slow


BROKEN = {
    "syntax-error": "rules:\n  - id: a\n    match: {status: 400\n",
    "bad-indentation": "rules:\n  - id: a\n   type: x\n",
    "tab-indentation": "rules:\n\t- id: a\n",
    "unclosed-quote": "rules:\n  - id: 'a\n",
    "duplicate-key": "rules:\n  - id: a\n    id: b\n",
    "duplicate-top-key": "rules: []\nsystem: a\nsystem: b\n",
    "unknown-tag": "rules: !!python/name:os.system\n",
    "recursive-alias": "a: &x [1, *x]\n",
    "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(6)
    ),
    "too-deep": "a: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "\n",
    "two-documents": "rules: []\n---\nrules: []\n",
    "not-a-mapping": "- just\n- a list\n",
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_gets_the_same_located_message_from_either_loader(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Syntax errors, duplicates, tags, aliases and limits: the same problem at the same place."""
    fast, slow = read_both(text, "broken.yaml", monkeypatch)
    assert fast == slow


def test_lint_says_the_same_of_a_broken_directory_with_either_loader(
    write_rules: WriteRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every problem of a directory of broken files, in the same words, order and places."""
    rules = write_rules(
        syntax=BROKEN["syntax-error"],
        duplicate=BROKEN["duplicate-key"],
        schema="rules:\n  - id: acme.x\n    type: invalid_configuratoin\n    match: {}\n",
        nested="rules:\n  - id: acme.y\n    type: invalid_configuration\n"
        "    match: {contains: x}\n    message: '{{ nowhere }}'\n    colour: red\n",
    )
    messages = []
    for libyaml in (True, False):
        monkeypatch.setattr(yaml, "__with_libyaml__", libyaml)
        with pytest.raises(failreason.RuleFileError) as raised:
            failreason.load(rules)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert messages[0].count("\n") >= 4  # every file's problem, not just the first
