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

from failreason._concepts import Concept, Vocabulary, expand
from failreason._errors import Location, Problem
from failreason._normalize import fold
from failreason._readfile import UnreadableFileError, read_text_file
from failreason._regex import compile_regex
from failreason._signal import Signal
from failreason._yaml import DocPath, LocatedDocument, format_path, load_yaml

if TYPE_CHECKING:
    from failreason._engine import Engine
    from failreason._rules import Layer


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
    readings = _readings(vocabulary, _check_examples(vocabulary, check, signals), signals)
    for entry in check.words:
        if not _exercised(entry, readings):
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


def _readings(
    vocabulary: Vocabulary, examples: list[ConceptExample], signals: Mapping[int, Signal]
) -> list[tuple[ConceptExample, str, str]]:
    """Each example with the object and the state text its matcher read (folded)."""
    matchers: dict[tuple[str, str], Concept] = {}
    read: list[tuple[ConceptExample, str, str]] = []
    for example in examples:
        key = (example.object, example.state)
        if key not in matchers:
            obj = [vocabulary.objects[example.object]]
            words = vocabulary.states[example.state]
            matchers[key] = vocabulary.concept_of(obj, words, mark_state=True)
        found = _search(matchers[key], signals[id(example)])
        if found is not None:
            obj_text = found.get("o0") or found.get("s0") or ""
            state_text = found.get("st") or found.get("st2") or ""
            read.append((example, fold(obj_text).folded, fold(state_text).folded))
    return read


def _search(concept: Concept, signal: Signal) -> dict[str, str] | None:
    texts = (signal.text, signal.words) if signal.words.folded else (signal.text,)
    for text in texts:
        if concept.exclude is not None and concept.exclude.search(text) is not None:
            continue
        found = concept.regex.search(text)
        if found is not None:
            return found
    return None


def _exercised(entry: WordEntry, readings: list[tuple[ConceptExample, str, str]]) -> bool:
    """Whether an example of the entry's object (or state) read it as exactly this word."""
    whole = compile_regex(f"^(?:{expand(entry.word)})$")
    for example, obj_text, state_text in readings:
        mine = example.object if entry.side == "object" else example.state
        text = obj_text if entry.side == "object" else state_text
        if mine == entry.name and whole.search(fold(text)) is not None:
            return True
    return False


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
