"""What type a message that no rule took might have, read with the concept vocabulary.

The concept rules (``generic_objects.yaml``) need an object word and a state word in one
clause; a message that reached the fallback lacks one of them, or has them apart. Read word by
word instead, it still says which object and which state it mentions, and the concept rule
naming both (else the first naming the object) has the type to suggest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from failreason._concept_coverage import _concept_blocks, _words_only
from failreason._concepts import Concept, Vocabulary, expand
from failreason._engine import Engine
from failreason._match import All, AnyOf, Matcher
from failreason._normalize import FoldedText
from failreason._regex import Regex, compile_regex
from failreason._rules import Rule

_START = r"(?:^|[^\pL\pN_])"  # word edges for any script, as the concept matcher has them
_END = r"(?:$|[^\pL\pN_])"


def _words_regex(words: Iterable[str]) -> Regex:
    ordered = sorted(set(words), key=len, reverse=True)  # "gl account" before "account"
    return compile_regex(_START + "(?:" + "|".join(expand(w) for w in ordered) + ")" + _END)


@dataclass(frozen=True)
class ConceptHints:
    """The vocabulary's objects and states, each as one regex, and the concept rules."""

    objects: dict[str, Regex]
    states: dict[str, Regex]
    rules: tuple[tuple[Rule, Concept], ...]

    @classmethod
    def of(cls, engine: Engine) -> ConceptHints:
        vocabulary = Vocabulary()
        for doc in _concept_blocks(engine._layers):
            vocabulary.read(_words_only(doc.data["concepts"]))
        objects = {n: _words_regex(o.words) for n, o in vocabulary.objects.items() if o.words}
        states = {n: _words_regex(ws) for n, ws in vocabulary.states.items() if ws}
        rules = tuple((r, c) for r in engine.rules if (c := _find_concept(r.matcher)) is not None)
        return cls(objects, states, rules)

    def suggest(self, text: FoldedText) -> str | None:
        """ "account_unknown (reads as account: not_found, like rule R)", or None."""
        objects = [name for name, regex in self.objects.items() if regex.search(text) is not None]
        states = [name for name, regex in self.states.items() if regex.search(text) is not None]
        if not objects:
            return None
        both = [
            rule
            for rule, concept in self.rules
            if set(concept.objects) & set(objects) and set(concept.states) & set(states)
        ]
        either = both or [rule for rule, c in self.rules if set(c.objects) & set(objects)]
        if not either:
            return None
        read = "/".join(objects) + (": " + "/".join(states) if states else ", no state word")
        return f"{either[0].type} (reads as {read}, like rule {either[0].id})"


def _find_concept(matcher: Matcher) -> Concept | None:
    if isinstance(matcher, Concept):
        return matcher
    if isinstance(matcher, All | AnyOf):
        return next((c for p in matcher.parts if (c := _find_concept(p)) is not None), None)
    return None
