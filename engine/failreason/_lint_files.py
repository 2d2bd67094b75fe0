"""Lint checks that read the rule files as written: replaced ids (FR104), files that declare
nothing (FR107), and the silencing comments in them.

The loader keeps only the rules in force, so a built-in rule a user rule replaced is gone
from the engine; these checks read every layer's files again, the way the loader does, for
what was replaced and where, and for the comments PyYAML drops.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from failreason._errors import Location, Problem
from failreason._findings import NO_RULES, REPLACES_RULE, Finding
from failreason._readfile import UnreadableFileError, read_text_file
from failreason._rules import MAX_RULE_FILE_BYTES, declares_anything
from failreason._silence import Garbled, Silence, read_silences
from failreason._yaml import LocatedDocument, load_yaml

if TYPE_CHECKING:
    from failreason._rules import Layer


@dataclass(frozen=True)
class RuleFile:
    """One rule file as written: its text, its parsed document, and its layer (0 first)."""

    shown: str
    text: str
    doc: LocatedDocument
    layer: int

    def silences(self) -> list[Silence | Garbled]:
        return list(read_silences(self.text, self.shown))

    def rule_places(self) -> Iterator[tuple[str, Location]]:
        """Each rule's id and where it starts."""
        rules = self.doc.data.get("rules") if isinstance(self.doc.data, dict) else None
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                yield rule["id"], self.doc.locate(("rules", index))


def rule_files(layers: Sequence[Layer]) -> list[RuleFile]:
    """Every rule file of ``layers``, highest precedence first, files sorted by path.

    A file that cannot be read or parsed is left out: the rules did load, so there is none.
    """
    files: list[RuleFile] = []
    for rank, layer in enumerate(layers):
        if layer.rules_dir is None:
            continue
        paths = sorted(p for p in layer.rules_dir.rglob("*") if p.suffix in (".yaml", ".yml"))
        for path in paths:
            shown = f"{layer.rules_display}/{path.relative_to(layer.rules_dir).as_posix()}"
            try:
                text = read_text_file(path, layer.rules_dir, MAX_RULE_FILE_BYTES)
            except UnreadableFileError:
                continue
            doc = load_yaml(text, shown)
            if not isinstance(doc, Problem):
                files.append(RuleFile(shown, text, doc, rank))
    return files


def replaced_rules(files: Sequence[RuleFile], built_in_layer: int) -> Iterator[Finding]:
    """FR104: a rule whose id a rule of a later layer (the built-ins) also has: it replaces it."""
    later: dict[str, tuple[Location, int]] = {}  # the rules of the layers already read
    for layer in sorted({file.layer for file in files}, reverse=True):  # the built-ins first
        mine = [place for file in files if file.layer == layer for place in file.rule_places()]
        for rule_id, place in mine:
            if rule_id in later:
                replaced, its_layer = later[rule_id]
                yield _replaces(rule_id, place, replaced, its_layer == built_in_layer)
        later.update((rule_id, (place, layer)) for rule_id, place in mine)


def _replaces(rule_id: str, place: Location, replaced: Location, built_in: bool) -> Finding:
    kind = "built-in rule" if built_in else "rule"
    message = f"rule {rule_id!r} replaces the {kind} of the same id at {replaced}"
    hint = (
        "give it an id of its own to add a rule beside that one; to replace it on purpose, "
        "say why with `# failreason: ignore[FR104] why` above the rule"
    )
    return Finding(REPLACES_RULE, "warning", place, message, hint)


def empty_files(files: Sequence[RuleFile]) -> Iterator[Finding]:
    """FR107: a file that declares nothing. The loader refuses one unless a comment silences
    it, so here each is one whose author kept it empty on purpose (and the comment is used)."""
    for file in files:
        data = file.doc.data
        if data is None or (isinstance(data, dict) and not declares_anything(data)):
            message = "the file declares nothing: no rules, no profile, systems or concepts"
            yield Finding(NO_RULES, "warning", Location(file.shown, 1, 1), message)
