"""Load rule files and templates into an ordered rule set, reporting every problem at once.

Precedence (first matching rule wins), documented in the README:
1. the user's rules before the built-in ones (several user directories: in the order given);
2. within each, system-specific rules before generic ones;
3. then higher ``priority`` first;
4. then file order (files sorted by path, rules in the order written).
A user rule with the same id as a built-in one replaces it, as a rule in an earlier user
directory replaces one of the same id in a later directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from failreason._compile import compile_matcher
from failreason._concepts import Vocabulary
from failreason._errors import Location, Problem, RuleFileError, RulesDirectoryError
from failreason._example_specs import Example, read_examples, unknown_example_rules
from failreason._extract import Profile, load_profile
from failreason._findings import NO_RULES
from failreason._index import RuleIndex
from failreason._match import All, Matcher, OneOf
from failreason._not_examples import NotExample, read_not_examples, unknown_rule_problems
from failreason._readfile import UnreadableFileError, read_text_file
from failreason._render import (
    CONTEXT_NAMES,
    Template,
    compile_source,
    compile_templates,
    new_environment,
    read_template_sources,
)
from failreason._rule_cache import cached_rule_set
from failreason._schema import schema_problems, suggest
from failreason._silence import silences_file
from failreason._stage_scope import dead_scope, stage_scope
from failreason._systems import SystemIds, SystemIdsReader
from failreason._vocabulary import RETRYABLE_BY_DEFAULT, STAGES
from failreason._yaml import DocPath, LocatedDocument, format_path, load_yaml

# The largest built-in rule file is 32 KB; a file a hundred times that is a mistake or an attack.
MAX_RULE_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Layer:
    """A directory of rule files (and optionally of templates) shown to users as ``display``."""

    rules_dir: Path | None
    templates_dir: Path | None
    rules_display: str
    templates_display: str


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    matcher: Matcher
    template: Template
    priority: int
    retryable: bool
    systems: frozenset[str]  # the systems it is restricted to; empty for a generic rule
    layer: int
    order: int
    location: Location
    description: str = ""
    examples: tuple[Example, ...] = field(default=(), repr=False)
    not_examples: tuple[NotExample, ...] = field(default=(), repr=False)
    stages: frozenset[str] | None = None  # its stage scope; None: every stage
    # The ``match`` block as written and the file's ``system:``, for the why-not tree.
    match_data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    file_system: str | None = None

    @property
    def specific(self) -> bool:
        return bool(self.systems)

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        return (self.layer, 0 if self.specific else 1, -self.priority, self.order)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    profiles: Mapping[str, Profile]
    templates: Mapping[str, Template]
    job_failure_types: Mapping[str, str] = field(default_factory=dict)
    system_ids: SystemIds = field(default_factory=SystemIds)
    concepts: Vocabulary = field(default_factory=Vocabulary)  # the words `concept` may name

    @cached_property
    def index(self) -> RuleIndex:
        """The rules indexed for the first-match walk (``_index``), built on first use."""
        return RuleIndex(self.rules)


class _Collector:
    """Gathers problems across all files, so one load reports everything."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, Problem]] = []

    def add(self, rank: int, problem: Problem) -> None:
        self.problems.append((rank, problem))

    def at(self, location: Location, message: str) -> None:
        self.add(2, Problem(location, message))

    def sorted(self) -> list[Problem]:
        # Files that cannot be read or parsed first, then schema, then compile, then cross-file.
        ordered = sorted(self.problems, key=lambda rp: (rp[0], rp[1].location))
        return [problem for _, problem in ordered]


def load_rule_set(layers: list[Layer]) -> RuleSet:
    """Load ``layers`` (highest precedence first); raises RuleFileError listing every problem.

    A directory that is missing (or gone since the last load) is a RulesDirectoryError: loading
    on without it would drop its rules without a word. A rule set loaded before from the same
    files comes from the cache (``_rule_cache``).
    """
    _check_directories(layers)
    return cached_rule_set(layers, _read_rule_set)


def _read_rule_set(layers: list[Layer]) -> RuleSet:
    """The rule set read from the files themselves."""
    problems = _Collector()
    template_dirs = [
        (layer.templates_dir, layer.templates_display)
        for layer in reversed(layers)
        if layer.templates_dir is not None
    ]
    sources, names = read_template_sources(
        template_dirs, lambda at, msg: problems.add(0, Problem(at, msg))
    )
    env = new_environment({name: source for name, (source, _) in sources.items()})
    templates = compile_templates(env, sources, problems.at)
    loader = _RuleLoader(env, templates, names, problems)
    loader.compiled.update({sources[name][0]: template for name, template in templates.items()})
    by_id: dict[str, Rule] = {}
    profiles: dict[str, Profile] = {}
    job_types: dict[str, str] = {}
    # Every layer's files are read before any rule compiles, so concept words a user file
    # adds reach the built-in rules too.
    read = [(rank, loader.read_layer(layer)) for rank, layer in reversed(list(enumerate(layers)))]
    for rank, docs in read:
        rules, layer_profiles = loader.load_layer(docs, rank)
        by_id.update({rule.id: rule for rule in rules})
        profiles.update(layer_profiles)
        job_types.update(loader.job_types.pop(rank, {}))
    for problem in [*unknown_rule_problems(by_id), *unknown_example_rules(by_id)]:
        problems.add(3, problem)
    system_ids = loader.system_ids.build(by_id.values())
    if problems.problems:
        raise RuleFileError(problems.sorted())
    ordered = tuple(sorted(by_id.values(), key=lambda rule: rule.sort_key))
    return RuleSet(ordered, profiles, templates, job_types, system_ids, loader.concepts)


def _check_directories(layers: list[Layer]) -> None:
    for layer in layers:
        for directory, shown, what, holds in (
            (layer.rules_dir, layer.rules_display, "rules", "*.yaml rule files"),
            (layer.templates_dir, layer.templates_display, "templates", "*.j2 templates"),
        ):
            if directory is None or directory.is_dir():
                continue
            state = "is not a directory" if directory.exists() else "does not exist"
            hint = f"pass the directory that holds your {holds}"
            problem = Problem(Location(shown), f"the {what} directory {state}", hint=hint)
            raise RulesDirectoryError(problem)


class _RuleLoader:
    def __init__(
        self, env: Any, templates: dict[str, Template], names: set[str], problems: _Collector
    ) -> None:
        self.env, self.templates, self.problems = env, templates, problems
        self.template_names = names  # including templates that failed to compile
        self.compiled: dict[str, Template] = {}  # source → its template, compiled once
        self.job_types: dict[int, dict[str, str]] = {}  # layer rank → item type → job type
        self.order = 0
        self.system_ids = SystemIdsReader(lambda problem: problems.add(3, problem))
        self.concepts = Vocabulary()  # built-in words first, then each layer's own

    def read_layer(self, layer: Layer) -> list[tuple[LocatedDocument, tuple[str, ...]]]:
        """A layer's rule files, checked against the schema; their concept words are kept."""
        docs: list[tuple[LocatedDocument, tuple[str, ...]]] = []
        if layer.rules_dir is None:
            return docs
        # Every *.yaml name is taken, directories and FIFOs too, so that one is reported
        # rather than silently skipped.
        files = sorted(p for p in layer.rules_dir.rglob("*") if p.suffix in (".yaml", ".yml"))
        for path in files:
            shown = f"{layer.rules_display}/{path.relative_to(layer.rules_dir).as_posix()}"
            doc = self._read(path, layer.rules_dir, shown)
            if doc is None:
                continue
            rejected = schema_problems(doc)
            for problem in rejected:
                self.problems.add(1, problem)
            broken = tuple(p.path for p in rejected)
            if "concepts" in doc.data and not _under(broken, ("concepts",)):
                self.concepts.read(doc.data["concepts"])  # before any rule names them
            docs.append((doc, broken))
        return docs

    def load_layer(
        self, docs: list[tuple[LocatedDocument, tuple[str, ...]]], rank: int
    ) -> tuple[list[Rule], dict[str, Profile]]:
        rules: list[Rule] = []
        profiles: dict[str, Profile] = {}
        seen: dict[str, Location] = {}
        profile_seen: dict[str, Location] = {}
        for doc, broken in docs:
            self.system_ids.read(doc, broken, rank)
            if not _under(broken, ("job_failure_types",)):
                self.job_types.setdefault(rank, {}).update(doc.data.get("job_failure_types", {}))
            for rule in self._file_rules(doc, broken, rank):
                if rule.id in seen:
                    message = f"rule id {rule.id!r} is already used at {seen[rule.id]}"
                    self.problems.add(3, Problem(rule.location, message))
                seen.setdefault(rule.id, rule.location)
                rules.append(rule)
            profile = self._profile(doc, broken)
            if profile is not None:
                if profile.system in profile_seen:
                    message = (
                        f"system {profile.system!r} already has an extract profile at "
                        f"{profile_seen[profile.system]}"
                    )
                    self.problems.add(3, Problem(doc.locate(("extract",), key=True), message))
                profile_seen.setdefault(profile.system, doc.locate(("extract",), key=True))
                profiles[profile.system] = profile
        return rules, profiles

    def _read(self, path: Path, root: Path, shown: str) -> LocatedDocument | None:
        try:
            text = read_text_file(path, root, MAX_RULE_FILE_BYTES)
        except UnreadableFileError as exc:
            self.problems.add(0, Problem(Location(shown, exc.line, exc.column), exc.message))
            return None
        loaded = load_yaml(text, shown)
        if isinstance(loaded, Problem):
            self.problems.add(0, loaded)
            return None
        if loaded.data is not None and not isinstance(loaded.data, dict):
            message = "a rule file must be a mapping with `rules:` (and optionally `system:`)"
            self.problems.add(1, Problem(loaded.locate(()), message))
            return None
        if loaded.data is None or not declares_anything(loaded.data):
            if silences_file(text, NO_RULES):
                return None  # a placeholder its author said is meant to be empty
            where = loaded.locate(()) if loaded.data is not None else Location(shown, 1, 1)
            self.problems.add(1, Problem(where, _EMPTY_FILE, hint=_EMPTY_HINT, code=NO_RULES))
            return None
        return loaded

    def _profile(self, doc: LocatedDocument, broken: tuple[str, ...]) -> Profile | None:
        extract = doc.data.get("extract")
        if not isinstance(extract, dict) or _under(broken, ("extract",)):
            return None
        system = doc.data.get("system")
        if not isinstance(system, str):
            message = "an `extract` profile needs the file's `system:` to say whose it is"
            self.problems.at(doc.locate(("extract",), key=True), message)
            return None
        try:
            return load_profile(extract, system=system)
        except ValueError as exc:
            self.problems.at(doc.locate(("extract",)), str(exc))
            return None

    def _file_rules(self, doc: LocatedDocument, broken: tuple[str, ...], rank: int) -> list[Rule]:
        rules = doc.data.get("rules")
        if not isinstance(rules, list):
            return []
        system = doc.data.get("system") if isinstance(doc.data.get("system"), str) else None
        file_stages = None if _under(broken, ("stages",)) else doc.data.get("stages")
        compiled = []
        for index, data in enumerate(rules):
            at: DocPath = ("rules", index)
            if isinstance(data, dict) and not _under(broken, at):
                scope = stage_scope(
                    data["type"], system is not None, file_stages, data.get("stages")
                )
                rule = self._rule(doc, at, data, system, rank, scope)
                if rule is not None:
                    compiled.append(rule)
        return compiled

    def _rule(
        self,
        doc: LocatedDocument,
        at: DocPath,
        data: dict[str, Any],
        system: str | None,
        rank: int,
        scope: frozenset[str] | None,
    ) -> Rule | None:
        def report(path: DocPath, message: str) -> None:
            self.problems.add(2, Problem(doc.locate(path), message, format_path(path)))

        matcher = compile_matcher(data["match"], (*at, "match"), report, self.concepts)
        if scope is not None and scope != frozenset(STAGES):
            self._check_scope(doc, at, data, scope)
            matcher = All((OneOf("stage", scope), matcher))
        if system is not None:
            matcher = All((OneOf("system", frozenset({system})), matcher))
        template = self._template(doc, at, data, matcher)
        self.order += 1
        if template is None:
            return None
        return Rule(
            id=data["id"],
            type=data["type"],
            matcher=matcher,
            template=template,
            priority=data.get("priority", 0),
            retryable=data.get("retryable", data["type"] in RETRYABLE_BY_DEFAULT),
            systems=_systems(system, data["match"]),
            layer=rank,
            order=self.order,
            location=doc.locate(at),
            description=data.get("description", ""),
            examples=read_examples(doc, at, data),
            not_examples=read_not_examples(doc, at, data),
            stages=scope,
            match_data=data["match"],
            file_system=system,
        )

    def _check_scope(
        self, doc: LocatedDocument, at: DocPath, data: dict[str, Any], scope: frozenset[str]
    ) -> None:
        """A rule whose own ``stage`` lies outside its stage scope can never decide anything."""
        found = dead_scope(data["id"], data["match"], scope)
        if found is None:
            return
        message, hint = found
        self.problems.add(2, Problem(doc.locate((*at, "match")), message, format_path(at), hint))

    def _template(
        self, doc: LocatedDocument, at: DocPath, data: dict[str, Any], matcher: Matcher
    ) -> Template | None:
        if ("template" in data) == ("message" in data):
            message = "a rule needs exactly one of `template` (a file name) or `message` (inline)"
            self.problems.add(1, Problem(doc.locate(at), message, format_path(at)))
            return None
        key = "template" if "template" in data else "message"
        where = (*at, key)
        if key == "template":
            template = self.templates.get(data["template"])
            if template is None:
                if data["template"] not in self.template_names:
                    hint = suggest(data["template"], self.template_names)
                    message = f"no template named {data['template']!r} in the templates directories"
                    self.problems.add(
                        2, Problem(doc.locate(where), message, format_path(where), hint)
                    )
                return None
        else:
            template = self._inline(data["message"], f"{data['id']}:message", doc.locate(where))
            if template is None:
                return None
        self._check_variables(doc, where, data["id"], template, matcher)
        return template

    def _inline(self, source: str, name: str, start: Location) -> Template | None:
        """An inline message's template; messages written alike share one compiled template."""
        shared = self.compiled.get(source)
        if shared is not None:
            return replace(shared, name=name)
        template = compile_source(self.env, source, name, start, self.problems.at)
        if template is not None:
            self.compiled[source] = template
        return template

    def _check_variables(
        self,
        doc: LocatedDocument,
        where: DocPath,
        rule_id: str,
        template: Template,
        matcher: Matcher,
    ) -> None:
        known = CONTEXT_NAMES | matcher.capture_names()
        for name in sorted(template.variables - known):
            message = (
                f"template {template.name!r} uses {name!r}, which rule {rule_id!r} never captures"
            )
            hint = suggest(name, known) or "capture it with a named regex group or `capture:`"
            self.problems.add(2, Problem(doc.locate(where), message, format_path(where), hint))


_EMPTY_FILE = (
    "the file declares nothing: a rule file needs at least one of `rules:` (not empty), "
    "`extract:`, `job_failure_types:`, `systems:`, `ambiguous:` or `concepts:`; an empty or "
    "cut-short file is a mistake"
)
_EMPTY_HINT = "write its rules, or keep it empty on purpose: `# failreason: ignore-file[FR107] why`"


def declares_anything(data: dict[str, Any]) -> bool:
    """Whether a rule file says something: an empty, truncated or comments-only one does not.

    A pack that only says where its system keeps the message (``extract``, with ``rules: []``,
    like lexoffice's) or only maps job types is legitimate; ``system:`` alone is not.
    """
    declarations = ("extract", "job_failure_types", "systems", "ambiguous", "concepts")
    return bool(data.get("rules")) or any(key in data for key in declarations)


def _systems(file_system: str | None, match: dict[str, Any]) -> frozenset[str]:
    if file_system is not None:
        return frozenset({file_system})
    named = match.get("system", [])
    return frozenset(str(s).lower() for s in (named if isinstance(named, list) else [named]))


def _under(broken_paths: tuple[str, ...], at: DocPath) -> bool:
    """Whether the schema rejected something at or under ``at``: such parts are not compiled."""
    prefix = format_path(at)
    return any(p == prefix or p.startswith((prefix + ".", prefix + "[")) for p in broken_paths)
