"""The concept vocabulary's own examples, and the check that every word is exercised.

A ``concepts:`` block may hold ``examples:`` (a sentence with the ``object`` and ``state`` it
must read as, and the identifier it must ``capture``, if any) and ``not_examples:`` (sentences
that must not read as any concept). The check reads them through the same matcher rules use:

- an example that does not read as stated is a problem, located;
- a word entry (one string in an object's or a state's list for a language) that no example
  exercises is a warning, located: the example must read as that object and state with the
  entry as the only word for its side.

It runs for ``failreason lint`` and in the tests, never when rules load or classify: it reads
the rule files again for their places and builds one small matcher per word it tries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from failreason._concepts import ConceptObject, Vocabulary, expand
from failreason._errors import Location, Problem
from failreason._readfile import UnreadableFileError, read_text_file
from failreason._regex import Regex, compile_regex
from failreason._signal import Signal
from failreason._yaml import DocPath, LocatedDocument, format_path, load_yaml

if TYPE_CHECKING:
    from failreason._engine import Engine
    from failreason._rules import Layer

_EDGE_START = r"(?:^|[^\pL\pN_])"
_EDGE_END = r"(?:$|[^\pL\pN_])"


@dataclass(frozen=True)
class WordEntry:
    """One string of an object's or a state's list, for one language, where it is written."""

    side: str  # "object" or "state"
    name: str
    language: str
    word: str
    location: Location


@dataclass(frozen=True)
class ConceptExample:
    """A sentence and how it must read: an object, a state and a capture; or as no concept."""

    text: str
    location: Location
    object: str = ""  # empty for a not_example
    state: str = ""
    capture: str | None = None

    @property
    def negative(self) -> bool:
        return not self.object


@dataclass
class ConceptCheck:
    """What the check found: examples that read otherwise (problems), words no example
    exercises (warnings), and how much it looked at."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    words: list[WordEntry] = field(default_factory=list)
    examples: list[ConceptExample] = field(default_factory=list)

    def words_by_language(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.words:
            counts[entry.language] = counts.get(entry.language, 0) + 1
        return dict(sorted(counts.items()))


def check_concepts(engine: Engine) -> ConceptCheck:
    """Check the concept examples and words of every rule directory ``engine`` loaded."""
    blocks = list(_concept_blocks(engine._layers))
    vocabulary = Vocabulary()
    for doc in blocks:
        vocabulary.read(_words_only(doc.data["concepts"]))
    check = ConceptCheck()
    for doc in blocks:
        check.words.extend(_word_entries(doc))
        check.examples.extend(_examples(doc, vocabulary, check.problems))
    signals = {id(e): engine.signal({"stage": "entry", "body": e.text}) for e in check.examples}
    good = _check_examples(vocabulary, check, signals)
    for entry in check.words:
        if not _exercised(entry, good, vocabulary, signals):
            check.warnings.append(_unexercised(entry))
    return check


def _concept_blocks(layers: Iterable[Layer]) -> Iterator[LocatedDocument]:
    """Files with a ``concepts:`` mapping, in the order the loader reads them: the built-in
    rules first, then each layer the user gave."""
    for layer in reversed(list(layers)):
        if layer.rules_dir is None:
            continue
        paths = sorted(p for p in layer.rules_dir.rglob("*") if p.suffix in (".yaml", ".yml"))
        for path in paths:
            shown = f"{layer.rules_display}/{path.relative_to(layer.rules_dir).as_posix()}"
            doc = _read(path, layer.rules_dir, shown)
            data = doc.data if doc is not None else None
            if (
                doc is not None
                and isinstance(data, dict)
                and isinstance(data.get("concepts"), dict)
            ):
                yield doc


def _read(path: Path, root: Path, shown: str) -> LocatedDocument | None:
    try:
        text = read_text_file(path, root, 2 * 1024 * 1024)
    except UnreadableFileError:
        return None  # loading the rules reports it
    loaded = load_yaml(text, shown)
    return None if isinstance(loaded, Problem) else loaded


def _words_only(block: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k not in ("examples", "not_examples")}


def _language(key: object) -> str:
    """A language key as written: YAML 1.1 reads an unquoted ``no:`` (Norwegian) as false."""
    return "no" if key is False else str(key)


def _word_entries(doc: LocatedDocument) -> Iterator[WordEntry]:
    block = doc.data["concepts"]
    for name, spec in (block.get("objects") or {}).items():
        for language, words in (spec.get("words") or {}).items():
            for i, word in enumerate(words):
                at = doc.locate(("concepts", "objects", name, "words", language, i))
                yield WordEntry("object", name, _language(language), word, at)
    for name, by_language in (block.get("states") or {}).items():
        for language, words in by_language.items():
            for i, word in enumerate(words):
                at = doc.locate(("concepts", "states", name, language, i))
                yield WordEntry("state", name, _language(language), word, at)


_EXAMPLE_KEYS = ("text", "object", "state", "capture")


def _examples(
    doc: LocatedDocument, vocabulary: Vocabulary, problems: list[Problem]
) -> Iterator[ConceptExample]:
    block = doc.data["concepts"]
    for key in ("examples", "not_examples"):
        for i, item in enumerate(block.get(key) or ()):
            path: DocPath = ("concepts", key, i)
            at = doc.locate(path)
            shown = format_path(path)
            if key == "not_examples":
                if isinstance(item, str) and item.strip():
                    yield ConceptExample(item, at)
                else:
                    problems.append(Problem(at, "a concept not_example is a sentence", shown))
                continue
            problem = _example_problem(item, vocabulary)
            if problem:
                problems.append(Problem(at, problem, shown))
                continue
            capture = item.get("capture")
            yield ConceptExample(
                item["text"],
                at,
                item["object"],
                item["state"],
                None if capture is None else str(capture),
            )


def _example_problem(item: object, vocabulary: Vocabulary) -> str:
    if not isinstance(item, dict):
        return "a concept example is a mapping with text, object, state and, if any, capture"
    unknown = [k for k in item if k not in _EXAMPLE_KEYS]
    if unknown:
        return f"unknown key {unknown[0]!r} in a concept example; use {', '.join(_EXAMPLE_KEYS)}"
    for key in _EXAMPLE_KEYS:
        value = item.get(key)
        if key != "capture" and not (isinstance(value, str) and value.strip()):
            return f"a concept example needs {key!r}, a non-empty string"
        if key == "capture" and value is not None and not isinstance(value, str | int):
            return "a concept example's 'capture' is the identifier it captures, as a string"
    if item["object"] not in vocabulary.objects:
        return f"unknown concept object {item['object']!r}"
    if item["state"] not in vocabulary.states:
        return f"unknown concept state {item['state']!r}"
    return ""


def _check_examples(
    vocabulary: Vocabulary, check: ConceptCheck, signals: Mapping[int, Signal]
) -> list[ConceptExample]:
    """The examples that read as stated; a problem for each one that does not."""
    good: list[ConceptExample] = []
    everything = vocabulary.concept(list(vocabulary.objects), list(vocabulary.states))
    for example in check.examples:
        signal = signals[id(example)]
        if example.negative:
            if everything.match(signal) is not None:
                check.problems.append(
                    Problem(example.location, f"{example.text!r} reads as a concept; it must not")
                )
            continue
        got = vocabulary.concept([example.object], [example.state]).match(signal)
        wanted = f"{example.object} {example.state}"
        if got is None:
            message = f"{example.text!r} does not read as {wanted}"
            check.problems.append(Problem(example.location, message))
            continue
        captured = next(iter(got.values()), None)
        expected = example.capture
        if captured != expected:
            message = (
                f"{example.text!r} reads as {wanted} capturing {captured!r}, expected {expected!r}"
            )
            check.problems.append(Problem(example.location, message))
            continue
        good.append(example)
    return good


def _exercised(
    entry: WordEntry,
    examples: list[ConceptExample],
    vocabulary: Vocabulary,
    signals: Mapping[int, Signal],
) -> bool:
    """Whether an example reads as the entry's object (or state) with only this word for it."""
    alone = _word_alone(entry.word)
    for example in examples:
        mine = example.object if entry.side == "object" else example.state
        signal = signals[id(example)]
        if mine != entry.name or not _contains(alone, signal):
            continue
        if entry.side == "object":
            capture = vocabulary.objects[entry.name].capture
            objects = [ConceptObject(entry.name, capture, (entry.word,))]
            states: Iterable[str] = vocabulary.states[example.state]
        else:
            objects = [vocabulary.objects[example.object]]
            states = (entry.word,)
        if vocabulary.concept_of(objects, states).match(signal) is not None:
            return True
    return False


def _word_alone(word: str) -> Regex:
    return compile_regex(f"{_EDGE_START}{expand(word)}{_EDGE_END}")


def _contains(regex: Regex, signal: Signal) -> bool:
    if regex.search(signal.text) is not None:
        return True
    return bool(signal.words.folded) and regex.search(signal.words) is not None


def _unexercised(entry: WordEntry) -> Problem:
    kind = "object" if entry.side == "object" else "state"
    message = (
        f"the {kind} word {entry.word!r} ({entry.language}) of {entry.name!r} is exercised by "
        "no concept example"
    )
    hint = (
        f"add to concepts.examples a realistic message in {entry.language!r} that uses it, "
        f"with object, state and capture, or remove the word"
    )
    return Problem(entry.location, message, hint=hint)
