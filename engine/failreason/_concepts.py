"""Concepts: configuration objects (account, tax code, tag, vendor, ...) and their states
(not found, invalid, inactive, missing), as words in the languages of Pleo's markets.

A rule file's top-level ``concepts:`` declares the words; a ``concept`` matcher holds when an
object word and a state word meet in one clause, in either order ("Kontot 4000 existerar
inte", "Kan inte hitta projektet"), and captures the identifier named next to the object
(quoted, or containing a digit). Words are written compactly with their endings in braces,
``projekt{,et,en}`` for projekt, projektet, projekten; everything compiles to RE2 once, when
the rules load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from failreason._lazy_re import lazy_compile
from failreason._normalize import fold_pattern
from failreason._regex import Regex, compile_regex
from failreason._signal import Signal

Captures = dict[str, str]

_BRACES = lazy_compile(r"\{([^{}]*)\}")

# Words that may stand between an object and its identifier: "account no. 4000", "Kontot nr 4".
_ID_WORDS = (
    r"(?:no\.?|nr\.?|number|num|code|id|key|ref|reference(?: key| id)?|nummer|numero|numéro"
    r"|número|koodi|numero|with (?:the )?(?:id|code|number|name|key))"
)
# An identifier: quoted or bracketed, or a token with a digit. Never a plain word.
_IDENTIFIER = (
    r"(?:[\[\"'\x{201C}\x{2018}\x{AB}(](?P<q>[^\]\"'\x{201D}\x{2019}\x{BB})\n]{1,40}?)"
    r"[\]\"'\x{201D}\x{2019}\x{BB})]"
    r"|(?P<d>[\w./-]*\d[\w./-]*))"
)
# Between a state and the object that follows it: an article, and one word of five letters
# or more ("invalid apacct reference"), never a short preposition ("invalid for project").
_ARTICLES = (
    r"(?:the|a|an|this|that|any|den|det|de|der|die|das|dem|den|het|een|le|la|les|l'|el|los"
    r"|las|un|una|une|ett|en)"
)
# Word edges for any script (RE2's \b knows only ASCII letters: "leverandør", "verkefnið").
_START = r"(?:^|[^\pL\pN_])"
_END = r"(?:$|[^\pL\pN_])"
# After an object its clause goes on: the edge is never the end of a sentence or a line.
_OBJECT_END = r"(?:$|[^\pL\pN_.;!?\n])"
# Between an object (and its identifier) and its state: the rest of the clause, ending at a
# word edge; the edge after the object already took one character when it is empty.
_GAP_AFTER_OBJECT = r"(?:[^.;:!?\n]{0,50}?[^\pL\pN_.;:!?\n])?"


def expand(word: str) -> str:
    """A vocabulary entry as an RE2 fragment: ``konto{,t,n}`` → ``konto(?:t|n|)``; spaces
    match any run of spaces or hyphens."""
    parts: list[str] = []
    position = 0
    for found in _BRACES.finditer(word):
        parts.append(_literal(word[position : found.start()]))
        # Longest first: RE2 takes the first alternative that fits, and "dimension value
        # 'X'" must be read as the object "dimension value" with its identifier.
        choices = sorted(found.group(1).split(","), key=len, reverse=True)
        endings = "|".join(_literal(e) for e in choices)
        parts.append(f"(?:{endings})")
        position = found.end()
    parts.append(_literal(word[position:]))
    return "".join(parts)


def _literal(text: str) -> str:
    return r"[\s-]+".join(re.escape(piece) for piece in text.split(" "))


def _alternation(words: Iterable[str], memo: dict[str, str] | None = None) -> str:
    """The words as one group, longest first, so "gl account" is tried before "account";
    ``memo`` keeps each word's expansion for the next matcher that names it."""
    unique = sorted(set(words), key=len, reverse=True)
    if memo is None:
        return "(?:" + "|".join(expand(w) for w in unique) + ")"
    parts = []
    for word in unique:
        if word not in memo:
            memo[word] = expand(word)
        parts.append(memo[word])
    return "(?:" + "|".join(parts) + ")"


@dataclass(frozen=True)
class ConceptObject:
    name: str
    capture: str | None
    words: tuple[str, ...]


@dataclass
class Vocabulary:
    """The concepts read so far from rule files: object and state words, and exclusions."""

    objects: dict[str, ConceptObject] = field(default_factory=dict)
    states: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    # The exclusion is the same for every matcher: compiled once, again after a read.
    _exclusion: tuple[Regex | None] | None = field(default=None, repr=False, compare=False)
    _expanded: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def read(self, data: Mapping[str, Any]) -> None:
        """Add a file's ``concepts:`` (already schema-valid); words for a known name extend it."""
        for name, spec in data.get("objects", {}).items():
            words = tuple(w for ws in spec.get("words", {}).values() for w in ws)
            old = self.objects.get(name)
            capture = spec.get("capture", old.capture if old else None)
            self.objects[name] = ConceptObject(name, capture, (old.words if old else ()) + words)
        for name, by_language in data.get("states", {}).items():
            words = tuple(w for ws in by_language.values() for w in ws)
            self.states[name] = self.states.get(name, ()) + words
        self.exclude += tuple(data.get("exclude", ()))
        self.modifiers += tuple(data.get("modifiers", ()))
        self._exclusion = None

    def concept(self, objects: list[str], states: list[str]) -> Concept:
        """The matcher for these names; raises KeyError naming one that is not declared."""
        for name in objects:
            if name not in self.objects:
                raise KeyError(f"unknown concept object {name!r}")
        for name in states:
            if name not in self.states:
                raise KeyError(f"unknown concept state {name!r}")
        state_words = [w for s in states for w in self.states[s]]
        chosen = [self.objects[name] for name in objects]
        return self.concept_of(chosen, state_words, tuple(objects), tuple(states))

    def concept_of(
        self,
        objects: Iterable[ConceptObject],
        state_words: Iterable[str],
        object_names: tuple[str, ...] = (),
        state_names: tuple[str, ...] = (),
        *,
        mark_state: bool = False,
    ) -> Concept:
        """A matcher for these objects' words and these state words, with this vocabulary's
        exclusions. ``mark_state``: the state read is the group ``st`` (or ``st2``), as the
        word check needs; rules never ask for it."""
        chosen = tuple(objects)
        memo = self._expanded
        state = _alternation(state_words, memo)
        regex = compile_regex(_pattern([o.words for o in chosen], state, memo, mark_state))
        captures = tuple(o.capture for o in chosen)
        # Both readings need one of the object words: the rule index searches for them alone.
        words = fold_pattern(_alternation((w for o in chosen for w in o.words), memo))
        return Concept(object_names, state_names, regex, captures, self.exclusion(), words)

    def exclusion(self) -> Regex | None:
        """``exclude`` and ``modifiers`` as one pattern: a message it finds is no concept."""
        if self._exclusion is None:
            excluded = list(self.exclude)
            if self.modifiers:
                words = (w for o in self.objects.values() for w in o.words)
                all_objects = _alternation(words, self._expanded)
                modifiers = _alternation(self.modifiers)  # also after a possessive 's
                excluded.append(rf"{_START}{all_objects}(?:'s|\x{{2019}}s)?\s+{modifiers}{_END}")
            self._exclusion = (compile_regex("|".join(excluded)) if excluded else None,)
        return self._exclusion[0]


def _pattern(
    objects: list[tuple[str, ...]], state: str, memo: dict[str, str], mark_state: bool = False
) -> str:
    """Any of the objects (and its identifier) then the state in one clause, or the state
    right before an object; ``state`` is already an alternation. One pattern for all the
    objects, so the state words compile twice, not twice per object: group ``o<i>`` says
    which object was read."""
    groups = (f"(?P<o{i}>{_alternation(w, memo)})" for i, w in enumerate(objects))
    obj = "(?:" + "|".join(groups) + ")"
    obj_again = obj.replace("(?P<o", "(?P<s")  # RE2 reads a repeated group name as its first
    ident = rf"(?:\s*{_ID_WORDS}\b)?[\s:#]{{0,3}}{_IDENTIFIER}"
    state_again = state
    if mark_state:
        state, state_again = f"(?P<st>{state})", f"(?P<st2>{state})"
    object_first = rf"{obj}{_OBJECT_END}(?:{ident})?{_GAP_AFTER_OBJECT}{state}"
    # The state-first identifier has groups of its own, for the same reason.
    ident_after = ident.replace("(?P<q>", "(?P<q2>").replace("(?P<d>", "(?P<d2>")
    state_first = rf"{state_again}[\s:]{{1,3}}(?:{_ARTICLES}\s+)?(?:[\w-]{{5,}}\s+)?{obj_again}"
    # The word edges are shared (each is a large Unicode class, costly to compile); the
    # identifier after the end is only read when the state came first (Concept.match).
    return rf"{_START}(?:{object_first}|{state_first}){_END}(?:{ident_after})?"


@dataclass(frozen=True)
class Concept:
    """``concept``: an object word and a state word in one clause; captures the identifier."""

    objects: tuple[str, ...]
    states: tuple[str, ...]
    regex: Regex = field(repr=False)
    captures: tuple[str | None, ...] = field(repr=False)  # each object's capture name
    exclude: Regex | None = field(repr=False)
    object_words: str = field(default="", repr=False)  # a folded RE2 pattern every match holds

    def match(self, signal: Signal) -> Captures | None:
        texts = (signal.text, signal.words) if signal.words.folded else (signal.text,)
        for text in texts:
            if self.exclude is not None and self.exclude.search(text) is not None:
                continue
            found = self.regex.search(text)
            if found is None:
                continue
            object_first = next((i for i in range(len(self.captures)) if f"o{i}" in found), None)
            if object_first is not None:
                capture, groups = self.captures[object_first], ("q", "d")
            else:
                state_first = (i for i in range(len(self.captures)) if f"s{i}" in found)
                capture, groups = self.captures[next(state_first, 0)], ("q2", "d2")
            value = next((found[g] for g in groups if found.get(g)), None)
            return {capture: value} if capture and value else {}
        return None

    def capture_names(self) -> frozenset[str]:
        return frozenset(c for c in self.captures if c)

    def __repr__(self) -> str:
        return f"concept {{object: {list(self.objects)}, state: {list(self.states)}}}"
