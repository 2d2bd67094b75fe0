"""System ids as users type them, and "did you mean" for ids and validation codes nobody declared.

Rule files declare systems and their aliases as data (``rules/systems.yaml``)::

    systems:
      quickbooks_online:                      # the canonical id, as packs and rules name it
        name: QuickBooks Online               # declares the system; without it, an entry only
        aliases: [quickbooks, qbo, intuit]    # adds aliases to a system declared elsewhere
    ambiguous:
      sage: [sage_accounting, sage_intacct]   # no pack is chosen: a warning names them all

Ids are compared by their *key*: lower case with every separator dropped, so "QuickBooks
Online", "quickbooks-online", "QuickBooksOnline" and "quickbooks_online" are one id. A system
with a pack (a file's ``system:``) is known by its id without being declared.

``SystemIds.resolve`` turns what an envelope says into the canonical id, and warns (or, strict,
refuses) when the id is ambiguous or close to a known one without being it, or when a
validation code is close to a known one: either would otherwise silently lose its rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from failreason._errors import EnvelopeError, Location, Problem
from failreason._lazy_re import lazy_compile
from failreason._match import All, AnyOf, Matcher, OneOf
from failreason._yaml import DocPath, LocatedDocument, format_path

MAX_ID_LENGTH = 64
_ID = lazy_compile(rf"[a-z][a-z0-9_]{{0,{MAX_ID_LENGTH - 1}}}")
_SEPARATORS = lazy_compile(r"[\s._-]+")
_SHOWABLE_CODE = lazy_compile(r"[A-Za-z0-9_.:-]{1,64}")
_MAX_REMEMBERED = 1024
_CUTOFF = 0.75  # "zero" for xero (0.75) is a typo worth a word; "sage_300" for sage_200 too


def normalised_id(text: str) -> str | None:
    """``text`` in the id form (``"QuickBooks Online"`` → ``quickbooks_online``), or None.

    Case is folded and runs of spaces, hyphens, dots and underscores become one underscore;
    anything else (accented letters, other punctuation) cannot be part of an id.
    """
    candidate = _SEPARATORS.sub("_", text.strip().lower()).strip("_")
    return candidate if _ID.fullmatch(candidate) else None


def id_key(system_id: str) -> str:
    """What two spellings of one id share: ``quickbooks_online`` and ``QuickBooksOnline``."""
    return system_id.replace("_", "")


@dataclass(frozen=True)
class Resolved:
    """The system an envelope names, as rules see it, and what the user should be told."""

    system: str | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SystemIds:
    """Known systems, their aliases and the validation codes, as loaded from the rule files."""

    names: Mapping[str, str] = field(default_factory=dict)  # id → display name ("" if none)
    index: Mapping[str, str] = field(default_factory=dict)  # key of an id or alias → id
    ambiguous: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key → ids
    validation_codes: frozenset[str] = frozenset()
    # Suggestions for unknown ids, remembered: a connector sends the same one again and again.
    _suggested: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def canonical(self, system: str) -> str | None:
        """The canonical id ``system`` (any spelling) stands for, or None when not known."""
        normal = normalised_id(system)
        return self.index.get(id_key(normal)) if normal else None

    def resolve(
        self, system: str | None, stage: str, codes: Iterable[str], *, strict: bool = False
    ) -> Resolved:
        """The canonical id for an envelope's (normalised) ``system``, with any warnings.

        Strict, a warning is an EnvelopeError instead.
        """
        warnings: list[str] = []
        refused = "refused in strict mode"
        if system is not None:
            known = self.index.get(id_key(system))
            if known is None:
                generic = refused if strict else "so only the generic rules apply"
                warnings.extend(self._system_warning(system, generic))
            system = known or system
        if stage == "validation":
            unmatched = refused if strict else "so no validation rule applies"
            warnings.extend(self._code_warnings(tuple(codes), unmatched))
        if strict and warnings:
            raise EnvelopeError(warnings[0])
        return Resolved(system, tuple(warnings))

    def _system_warning(self, system: str, generic: str) -> list[str]:
        # Quoting the id is safe: only an ambiguous one, or one close to a known id, is
        # quoted, and no credential is either.
        candidates = self.ambiguous.get(id_key(system))
        if candidates:
            listed = ", ".join(repr(c) for c in candidates)
            return [f"system {system!r} may mean any of {listed}, {generic}; name one of them"]
        ids = self._close_ids(id_key(system))
        if not ids:
            return []  # a system without a pack: the generic layer is what it gets, as documented
        hint = " or ".join(repr(i) for i in ids)
        return [f"system {system!r} is not known, {generic}; did you mean {hint}?"]

    def _close_ids(self, key: str) -> tuple[str, ...]:
        """At most two known ids close to ``key``, best first."""
        found = self._suggested.get(key)
        if found is None:
            close = difflib.get_close_matches(key, self.index, n=5, cutoff=_CUTOFF)
            found = tuple(dict.fromkeys(self.index[k] for k in close))[:2]
            if len(self._suggested) < _MAX_REMEMBERED:  # bounded, whatever callers send
                self._suggested[key] = found
        return found

    def _code_warnings(self, codes: tuple[str, ...], unmatched: str) -> list[str]:
        known = self.validation_codes
        if not codes or any(code.casefold() in known for code in codes):
            return []
        warnings = []
        for code in codes:
            close = difflib.get_close_matches(code.casefold(), known, n=1, cutoff=_CUTOFF)
            if close:
                shown = repr(code) if _SHOWABLE_CODE.fullmatch(code) else "given"
                warnings.append(
                    f"validation code {shown} is not known, {unmatched}; did you mean {close[0]!r}?"
                )
        return warnings


def validation_codes(matchers: Iterable[Matcher]) -> frozenset[str]:
    """The codes rules accept at ``stage: validation`` (a ``code`` beside that ``stage``)."""
    codes: set[str] = set()
    for matcher in matchers:
        parts = _conjuncts(matcher)
        stages = [p for p in parts if isinstance(p, OneOf) and p.key == "stage"]
        if any("validation" in p.values for p in stages):
            for part in parts:
                if isinstance(part, OneOf) and part.key == "code":
                    codes.update(part.values)
                elif isinstance(part, AnyOf):  # `any: [{code: a}, {code: b}]`
                    codes.update(_codes_in(part))
    return frozenset(codes)


def _conjuncts(matcher: Matcher) -> list[Matcher]:
    """The parts that must all hold: nested ``all`` blocks flattened, iteratively."""
    found: list[Matcher] = []
    pending = [matcher]
    while pending:
        current = pending.pop()
        if isinstance(current, All):
            pending.extend(current.parts)
        else:
            found.append(current)
    return found


def _codes_in(matcher: AnyOf) -> set[str]:
    return {
        value
        for part in matcher.parts
        if isinstance(part, OneOf) and part.key == "code"
        for value in part.values
    }


class RuleLike(Protocol):
    """What the checks need of a loaded rule (``_rules.Rule``)."""

    @property
    def matcher(self) -> Matcher: ...
    @property
    def systems(self) -> frozenset[str]: ...
    @property
    def location(self) -> Location: ...


@dataclass(frozen=True)
class _Entry:
    """One alias (or ambiguous id) as written, and where."""

    key: str
    target: str | tuple[str, ...]  # a system, or the candidates of an ambiguous id
    rank: int  # the layer: lower ranks take precedence
    location: Location
    path: str


class SystemIdsReader:
    """Gathers ``systems:`` and ``ambiguous:`` from every rule file, then checks and indexes them.

    ``report`` receives every problem, located: an alias of an unknown system, an alias defined
    twice in one layer (or taken by another system's id), an id that cannot be typed, a rule
    restricted to an alias (which no envelope reaches: the alias resolves to its system).

    Layers take precedence as rules do: your alias replaces a built-in one of the same id, and
    a system your rules declare (or a pack of yours) wins over a built-in alias it spells.
    """

    def __init__(self, report: Callable[[Problem], None]) -> None:
        self._report = report
        self._names: dict[str, tuple[int, str, Location]] = {}  # id → its declaration
        self._ranks: dict[str, int] = {}  # known system → the highest-precedence layer saying so
        self._extending: list[tuple[str, Location, str]] = []  # entries without a name
        self._entries: list[_Entry] = []

    def read(self, doc: LocatedDocument, broken: tuple[str, ...], rank: int) -> None:
        """Take what ``doc`` declares; parts the schema rejected (``broken``) are skipped."""
        if isinstance(doc.data.get("system"), str):
            self._know(doc.data["system"], rank)
        systems = doc.data.get("systems")
        if isinstance(systems, dict) and not _rejected(broken, "systems"):
            for system, spec in systems.items():
                self._read_system(doc, rank, system, spec)
        ambiguous = doc.data.get("ambiguous")
        if isinstance(ambiguous, dict) and not _rejected(broken, "ambiguous"):
            for alias, candidates in ambiguous.items():
                self._add(doc, rank, ("ambiguous", alias), alias, tuple(candidates), key=True)

    def _read_system(self, doc: LocatedDocument, rank: int, system: str, spec: Any) -> None:
        at: DocPath = ("systems", system)
        if "name" in spec:
            location = doc.locate((*at, "name"), key=True)
            earlier = self._names.get(system)
            if earlier is not None and earlier[0] == rank:
                message = f"system {system!r} is already declared at {earlier[2]}"
                self._report(Problem(location, message, format_path((*at, "name"))))
            self._names[system] = (rank, spec["name"], location)  # a user layer's name wins
            self._know(system, rank)
        else:
            self._extending.append((system, doc.locate(at, key=True), format_path(at)))
        for index, alias in enumerate(spec.get("aliases", [])):
            self._add(doc, rank, (*at, "aliases", index), alias, system, key=False)

    def _know(self, system: str, rank: int) -> None:
        self._ranks[system] = min(rank, self._ranks.get(system, rank))

    def _add(
        self,
        doc: LocatedDocument,
        rank: int,
        at: DocPath,
        alias: str,
        target: str | tuple[str, ...],
        *,
        key: bool,
    ) -> None:
        location = doc.locate(at, key=key)
        normal = normalised_id(alias)
        if normal is None:
            message = (
                f"alias {alias!r} cannot be typed as a system id: letters and digits, "
                f"separated by spaces, hyphens, dots or underscores, at most {MAX_ID_LENGTH}"
            )
            self._report(Problem(location, message, format_path(at)))
            return
        self._entries.append(_Entry(id_key(normal), target, rank, location, format_path(at)))

    def build(self, rules: Iterable[RuleLike]) -> SystemIds:
        """The index of everything read, with every problem reported on the way."""
        rules = tuple(rules)
        known = set(self._ranks)
        for system, location, path in self._extending:
            if system not in known:
                self._unknown(system, known, location, path, "aliases for")
        index = {id_key(system): system for system in sorted(known)}
        ambiguous: dict[str, tuple[str, ...]] = {}
        first: dict[tuple[int, str], _Entry] = {}
        for entry in sorted(self._entries, key=lambda e: -e.rank):  # built-ins first
            if not self._acceptable(entry, known, first):
                continue
            first[(entry.rank, entry.key)] = entry
            if isinstance(entry.target, str):  # resolve() reads the index first
                index[entry.key] = entry.target
            else:
                ambiguous[entry.key] = entry.target
                index.pop(entry.key, None)
        names = {
            system: self._names[system][1] if system in self._names else ""
            for system in sorted(known)
        }
        self._check_rules(rules, index, known)
        return SystemIds(names, index, ambiguous, validation_codes(r.matcher for r in rules))

    def _check_rules(
        self, rules: tuple[RuleLike, ...], index: Mapping[str, str], known: set[str]
    ) -> None:
        for rule in rules:
            for system in sorted(rule.systems - known):
                target = index.get(id_key(system))
                if target is not None:
                    message = (
                        f"rule is for system {system!r}, an alias: envelopes that say "
                        f"{system!r} reach the rules as {target!r}, so it never applies"
                    )
                    self._report(Problem(rule.location, message, hint=f"name {target!r}"))

    def _acceptable(
        self,
        entry: _Entry,
        known: set[str],
        first: Mapping[tuple[int, str], _Entry],
    ) -> bool:
        targets = (entry.target,) if isinstance(entry.target, str) else entry.target
        unknown = [t for t in targets if t not in known]
        for target in unknown:
            self._unknown(target, known, entry.location, entry.path, "an alias of")
        earlier = first.get((entry.rank, entry.key))
        if earlier is not None:
            message = f"alias is already defined at {earlier.location}"
            self._report(Problem(entry.location, message, entry.path))
            return False
        owner = next((s for s in known if id_key(s) == entry.key), None)
        if owner is not None and owner != entry.target:
            if self._ranks[owner] < entry.rank:
                return False  # your own system of that id wins over a built-in alias
            message = f"alias is already the id of system {owner!r}"
            self._report(Problem(entry.location, message, entry.path))
            return False
        return not unknown

    def _unknown(
        self, system: str, known: set[str], location: Location, path: str, what: str
    ) -> None:
        close = difflib.get_close_matches(system, sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "declare it with a `name:`"
        self._report(Problem(location, f"{what} unknown system {system!r}", path, hint))


def _rejected(broken: tuple[str, ...], key: str) -> bool:
    return any(p == key or p.startswith((key + ".", key + "[")) for p in broken)
