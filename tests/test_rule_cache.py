"""The rule-set cache: hit when nothing changed, reload on any change, never in the way."""

from __future__ import annotations

import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import failreason
from failreason import _rule_cache, _rules
from failreason._load import builtin_dir
from failreason._regex import Regex
from failreason._template_limits import BoundedEnvironment
from tests.conftest import WriteRules
from tests.corpus import corpus

RULES = """\
rules:
  - id: acme.widget
    type: invalid_configuration
    match:
      regex: 'widget (?P<widget>\\w+) is broken'
    message: 'Widget {{ widget }} is broken; fix it in Acme.'
  - id: acme.gadget
    type: missing_configuration
    match:
      contains: gadget missing
    template: gadget
"""
GADGET = "The gadget is missing.\n"
WIDGET_ERROR = {"system": "acme", "status": 400, "message": "widget w7 is broken"}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory of this test's own."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("FAILREASON_CACHE_DIR", str(directory))
    monkeypatch.delenv("FAILREASON_CACHE", raising=False)
    return directory


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the rule files were read (a cache miss), one entry per read."""
    counted: list[int] = []
    read = _rules._read_rule_set

    def counting(layers: list[_rules.Layer]) -> _rules.RuleSet:
        counted.append(1)
        return read(layers)

    monkeypatch.setattr(_rules, "_read_rule_set", counting)
    return counted


@pytest.fixture
def acme(write_rules: WriteRules) -> tuple[Path, Path]:
    """A user rules directory and its templates directory."""
    rules = write_rules(acme=RULES)
    templates = write_rules("templates", gadget=GADGET)
    return rules, templates


def load(acme: tuple[Path, Path]) -> failreason.Engine:
    return failreason.load(*acme)


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("rules-*.pickle"))


def test_a_second_load_of_the_same_files_comes_from_the_cache(
    cache: Path, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """The files are read once; the second engine decides as the first did."""
    first = load(acme).classify(WIDGET_ERROR)
    second = load(acme).classify(WIDGET_ERROR)
    assert len(reads) == 1
    assert second == first
    assert first.failure_reason == "Widget w7 is broken; fix it in Acme."
    assert len(cache_files(cache)) == 1


def change_rule(acme: tuple[Path, Path]) -> None:
    file = acme[0] / "acme.yaml"
    file.write_text(file.read_text("utf-8").replace("fix it in Acme", "see Acme"), "utf-8")


def add_rule_file(acme: tuple[Path, Path]) -> None:
    extra = RULES.replace("acme.", "extra.").replace("widget (", "sprocket (")
    (acme[0] / "extra.yaml").write_text(extra, "utf-8")


def remove_rule_file(acme: tuple[Path, Path]) -> None:
    add_rule_file(acme)  # added before the first load, removed after it


def change_template(acme: tuple[Path, Path]) -> None:
    (acme[1] / "gadget.j2").write_text("The gadget went missing.\n", "utf-8")


def add_template(acme: tuple[Path, Path]) -> None:
    (acme[1] / "spare.j2").write_text("A spare part.\n", "utf-8")


def rename_rule_file(acme: tuple[Path, Path]) -> None:
    (acme[0] / "acme.yaml").rename(acme[0] / "acme-renamed.yaml")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(change_rule, id="rule-file-edited"),
        pytest.param(add_rule_file, id="rule-file-added"),
        pytest.param(rename_rule_file, id="rule-file-renamed"),
        pytest.param(change_template, id="template-edited"),
        pytest.param(add_template, id="template-added"),
    ],
)
def test_any_change_to_the_files_reads_them_again(
    cache: Path, reads: list[int], acme: tuple[Path, Path], change: Any
) -> None:
    """Edited, added or renamed rule files and templates: the next load reads the files."""
    load(acme)
    change(acme)
    engine = load(acme)
    assert len(reads) == 2
    load(acme)
    assert len(reads) == 2  # and caches what it read
    if change is change_rule:
        assert engine.classify(WIDGET_ERROR).failure_reason == "Widget w7 is broken; see Acme."
    if change is change_template:
        gadget = engine.classify({"message": "gadget missing"})
        assert gadget.failure_reason == "The gadget went missing."


def test_a_removed_rule_file_takes_its_rules_away(
    cache: Path, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """The rules of a file deleted since the cache was written are gone after the next load."""
    add_rule_file(acme)
    assert "extra.widget" in {rule.id for rule in load(acme).rules}
    (acme[0] / "extra.yaml").unlink()
    assert "extra.widget" not in {rule.id for rule in load(acme).rules}
    assert len(reads) == 2


def test_a_new_version_of_the_engine_reads_the_files_again(
    cache: Path, reads: list[int], acme: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package version is part of the key (as are its modules and Python's version)."""
    load(acme)
    monkeypatch.setattr(failreason, "__version__", "99.0.0")
    load(acme)
    assert len(reads) == 2


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not a cache at all", id="foreign"),
        pytest.param(b"failreason rule set cache 1\n" + b"\0" * 32 + b"garbage", id="corrupt"),
        pytest.param(pickle.dumps({"rules": []}), id="foreign-pickle"),
    ],
)
def test_a_broken_cache_file_is_ignored_and_rewritten(
    cache: Path, reads: list[int], acme: tuple[Path, Path], content: bytes
) -> None:
    """Whatever the cache file holds, the rules load from their files and the file is renewed."""
    load(acme)
    [file] = cache_files(cache)
    file.write_bytes(content)
    assert load(acme).classify(WIDGET_ERROR).rule_id == "acme.widget"
    load(acme)
    assert len(reads) == 2  # read once more, then cached again
    assert file.read_bytes() != content


def test_a_cache_file_others_may_write_is_not_unpickled(
    cache: Path, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """Unpickling runs code: a file writable by the group or by anyone is not trusted."""
    load(acme)
    [file] = cache_files(cache)
    file.chmod(0o666)
    load(acme)
    assert len(reads) == 2


def test_a_cache_directory_that_cannot_be_written_is_no_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """A cache directory that cannot be made (a file stands in its way) only means no cache."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    monkeypatch.setenv("FAILREASON_CACHE_DIR", str(blocker / "cache"))
    assert load(acme).classify(WIDGET_ERROR).rule_id == "acme.widget"
    load(acme)
    assert len(reads) == 2


def test_a_read_only_cache_directory_is_no_problem(
    cache: Path, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """Loading works when nothing may be written to the cache directory."""
    cache.mkdir(mode=0o500)
    try:
        assert load(acme).classify(WIDGET_ERROR).rule_id == "acme.widget"
    finally:
        cache.chmod(0o700)


def test_a_rule_set_that_cannot_be_pickled_loads_uncached(
    cache: Path, reads: list[int], acme: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part that cannot be pickled (say a compiled index) only means no cache file."""

    def refuse(self: object, obj: object) -> None:
        raise pickle.PicklingError("cannot pickle a compiled index")

    monkeypatch.setattr(_rule_cache._Pickler, "dump", refuse)
    assert load(acme).classify(WIDGET_ERROR).rule_id == "acme.widget"
    assert cache_files(cache) == []


def test_a_rule_set_with_problems_is_never_cached(
    cache: Path, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """A broken file raises each time it loads, until it is fixed."""
    file = acme[0] / "acme.yaml"
    file.write_text(RULES.replace("invalid_configuration", "invalid_configuratoin"), "utf-8")
    for _ in range(2):
        with pytest.raises(failreason.RuleFileError, match="invalid_configuratoin"):
            load(acme)
    assert cache_files(cache) == []
    file.write_text(RULES, "utf-8")
    assert load(acme).classify(WIDGET_ERROR).rule_id == "acme.widget"


def test_the_cache_can_be_turned_off(
    cache: Path, reads: list[int], acme: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAILREASON_CACHE=0: every load reads the files, and nothing is written."""
    monkeypatch.setenv("FAILREASON_CACHE", "0")
    load(acme)
    load(acme)
    assert len(reads) == 2
    assert not cache.exists()


def test_the_cache_lives_in_the_users_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XDG_CACHE_HOME/failreason on Linux; FAILREASON_CACHE_DIR overrides it."""
    monkeypatch.delenv("FAILREASON_CACHE_DIR")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _rule_cache.cache_dir() == tmp_path / "xdg" / "failreason"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _rule_cache.cache_dir() == tmp_path / "home" / ".cache" / "failreason"
    monkeypatch.setenv("FAILREASON_CACHE_DIR", str(tmp_path / "mine"))
    assert _rule_cache.cache_dir() == tmp_path / "mine"


def test_cached_templates_keep_the_sandbox_and_regexes_compile_on_first_use(
    cache: Path, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """What cannot be pickled is rebuilt: the bounded Jinja sandbox, and each regex lazily."""
    load(acme)
    engine = load(acme)
    assert len(reads) == 1
    widget = next(rule for rule in engine.rules if rule.id == "acme.widget")
    assert isinstance(widget.template._template.environment, BoundedEnvironment)
    assert widget.template._plain is not None  # the render that needs no Jinja, kept too
    regexes = [value for value in vars_deep(widget.matcher) if isinstance(value, Regex)]
    assert regexes
    assert all("_compiled" not in vars(regex) for regex in regexes)
    assert engine.classify(WIDGET_ERROR).captures == {"widget": "w7"}
    assert all("_compiled" in vars(regex) for regex in regexes)


def vars_deep(value: object) -> Iterator[object]:
    """Every object reachable from a matcher through attributes and tuples."""
    yield value
    children: list[object] = []
    if isinstance(value, tuple | list | frozenset):
        children = list(value)
    elif hasattr(value, "__dict__"):
        children = list(vars(value).values())
    for child in children:
        yield from vars_deep(child)


def test_cached_and_fresh_built_in_rules_decide_every_example_and_sample_alike(
    cache: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rule example and labelled sample: same type, reason, rule and captures."""
    monkeypatch.setenv("FAILREASON_CACHE", "0")
    fresh = failreason.load()
    monkeypatch.delenv("FAILREASON_CACHE")
    failreason.load()
    cached = failreason.load()
    assert len(reads) == 2  # the fresh load and the one that filled the cache
    assert [rule.id for rule in cached.rules] == [rule.id for rule in fresh.rules]
    assert [rule.location for rule in cached.rules] == [rule.location for rule in fresh.rules]
    envelopes = [example.input for rule in fresh.rules for example in rule.examples]
    envelopes += [row["input"] for row in corpus().values()]
    assert len(envelopes) > 500
    for envelope in envelopes:
        assert cached.classify(envelope) == fresh.classify(envelope), envelope


def test_the_key_covers_the_built_in_files(tmp_path: Path) -> None:
    """The fingerprint of a copy of the built-in rules changes with one byte of one file."""
    rules, templates = tmp_path / "rules", tmp_path / "templates"
    for source, target in ((builtin_dir("rules"), rules), (builtin_dir("templates"), templates)):
        for file in source.rglob("*"):
            if file.is_file():
                copy = target / file.relative_to(source)
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(file.read_bytes())
    layers = [_rules.Layer(rules, templates, "rules", "templates")]
    before = _rule_cache.fingerprint(layers)
    assert _rule_cache.fingerprint(layers) == before
    template = next(templates.glob("*.j2"))
    template.write_bytes(template.read_bytes() + b" ")
    assert _rule_cache.fingerprint(layers) != before


def test_only_the_most_recent_rule_sets_are_kept(
    cache: Path, write_rules: WriteRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules loaded from many directories leave at most MAX_CACHED_RULE_SETS cache files."""
    monkeypatch.setattr(_rule_cache, "MAX_CACHED_RULE_SETS", 2)
    for number in range(4):
        templates = write_rules("templates", gadget=GADGET)
        failreason.load(write_rules(f"rules{number}", acme=RULES), templates)
    assert len(cache_files(cache)) == 2


def test_no_home_directory_means_no_cache(
    monkeypatch: pytest.MonkeyPatch, reads: list[int], acme: tuple[Path, Path]
) -> None:
    """Where no cache directory can be found, rules load from their files, without a word."""

    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("FAILREASON_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", homeless)
    assert load(acme).classify(WIDGET_ERROR).rule_id == "acme.widget"
    assert len(reads) == 1
