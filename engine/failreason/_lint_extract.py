"""FR106: an ``extract:`` profile that finds no message in an example body of its own system.

A profile's source (``extract.errors[i]``) finds something in a body when its ``path``, from
the root or from any object nested in it (as extraction relocates it), reaches an object
whose ``message`` paths give a text or whose ``code`` paths give a code. An example (or near
miss) of the system whose body holds a message, in which no source of the profile finds
anything, was read by the generic walk: the profile misses where that system puts its
message, or the example is of a shape the profile is not for. One finding per profile, at
its ``extract.errors``, naming the first such example. A body in which the generic walk finds
no message either (a request id alone) says nothing about the profile and is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from failreason._body import ParsedBody
from failreason._extract import GENERIC, ErrorSource, Profile, extract
from failreason._findings import EXTRACT_FINDS_NOTHING, Finding
from failreason._lint_examples import Sample
from failreason._lint_files import RuleFile

_MAX_ANCHORS = 10_000  # nested objects tried per body, as extraction caps it


def missed_messages(
    profiles: Mapping[str, Profile], files: Sequence[RuleFile], samples: Sequence[Sample]
) -> Iterator[Finding]:
    """FR106 for each profile in force that finds nothing in a body of its system."""
    bodies: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        signal = sample.signal
        if signal.system is not None and _holds_message(signal.tree):
            bodies[signal.system].append(sample)
    for file in _profile_files(files):
        system = file.doc.data["system"]
        profile = profiles.get(system)
        mine = bodies.get(system, [])
        if profile is None or not profile.errors:
            continue
        missed = [s for s in mine if not any(_finds(e, s.signal.tree) for e in profile.errors)]
        if missed:
            yield _finding(file, system, missed, len(mine))


def _holds_message(tree: Any) -> bool:
    """Whether the generic walk finds a message in the tree (its text alone does not count)."""
    return tree is not None and bool(extract(ParsedBody("json", tree, ""), GENERIC).messages)


def _profile_files(files: Sequence[RuleFile]) -> Iterator[RuleFile]:
    """The file whose profile is in force for each system: the first layer that has one."""
    seen: set[str] = set()
    for file in sorted(files, key=lambda f: f.layer):
        data = file.doc.data
        if not isinstance(data, dict) or not isinstance(data.get("extract"), dict):
            continue
        system = data.get("system")
        if isinstance(system, str) and system not in seen:
            seen.add(system)
            yield file


def _finding(file: RuleFile, system: str, missed: list[Sample], bodies: int) -> Finding:
    at = file.doc.locate(("extract", "errors"))
    message = (
        f"the extract profile of {system!r} finds no message in {len(missed)} of the {bodies} "
        f"example bodies of {system} that hold one, as the one at {missed[0].location}: "
        "the generic walk read them"
    )
    hint = "add a source (path, message, code) for that shape, or fix the path that should find it"
    return Finding(EXTRACT_FINDS_NOTHING, "warning", at, message, hint)


def _finds(source: ErrorSource, tree: Any) -> bool:
    for anchor in _anchors(tree):
        for found in source.path.find(anchor):
            if not (source.message or source.code):
                return True
            paths = (*source.message, *source.code)
            if any(_text(value) for path in paths for value in path.find(found)):
                return True
    return False


def _text(value: Any) -> bool:
    if isinstance(value, dict):  # an XML element with attributes keeps its text here
        value = value.get("#text")
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, int | float) and not isinstance(value, bool)


def _anchors(tree: Any) -> Iterator[Any]:
    """The root, then every dict and list below it, in document order (capped)."""
    stack = [tree]
    seen = 0
    while stack and seen < _MAX_ANCHORS:
        value = stack.pop()
        seen += 1
        yield value
        if isinstance(value, dict | list):
            children = value.values() if isinstance(value, dict) else value
            stack.extend(c for c in reversed(list(children)) if isinstance(c, dict | list))
