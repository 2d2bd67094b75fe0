"""Jinja templates for failure reasons: sandboxed, strict, compiled once at load.

Error text reaches a template only as a variable's value, so an accounting-system message that
contains ``{{ ... }}`` is printed as it stands and never evaluated.

Jinja is imported only where a template is compiled or rendered by Jinja: a process that
classifies with a cached rule set, whose reasons take the plain path, never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

from failreason._errors import Location
from failreason._plain_template import PlainTemplate, plain_template
from failreason._readfile import UnreadableFileError, read_text_file

if TYPE_CHECKING:
    import jinja2
    from jinja2 import nodes

    from failreason._template_limits import BoundedEnvironment

# Names every template may use besides what its rule captures; see the README's "Templates".
CONTEXT_NAMES = frozenset(
    {"message", "messages", "status", "system", "stage", "code", "codes", "params"}
)
SUFFIX = ".j2"
# The largest built-in template is 440 bytes, and a reason is at most 500 characters.
MAX_TEMPLATE_BYTES = 64 * 1024

ReportAt = Callable[[Location, str], None]


# What a template's own code can raise from inside a filter or method (``'x'|dictsort``
# is an AttributeError, a deep structure a RecursionError): the rule gives way, nothing more.
_RENDER_FAILURES = (
    ArithmeticError,
    AttributeError,
    LookupError,
    RuntimeError,
    TypeError,
    ValueError,
)


class RenderError(Exception):
    """A template could not be rendered for this error (e.g. a value it needs is missing)."""


@dataclass(frozen=True)
class Template:
    """A compiled template and the variables it reads."""

    name: str
    variables: frozenset[str]
    # The Jinja template, or None until ``_build`` makes it (a cached rule set's templates)
    _built: jinja2.Template | None = field(repr=False, compare=False)
    _plain: PlainTemplate | None = field(default=None, repr=False, compare=False)
    # Jinja's compiled module: a cached rule set rebuilds the template from it, not the source.
    code: CodeType | None = field(default=None, repr=False, compare=False)
    _build: Callable[[], jinja2.Template] | None = field(default=None, repr=False, compare=False)

    @property
    def _template(self) -> jinja2.Template:
        """The Jinja template, built on first need (the plain path never needs it)."""
        built = self._built
        if built is None:
            if self._build is None:
                raise RuntimeError(f"template {self.name!r} has no Jinja template to build")
            built = self._build()
            object.__setattr__(self, "_built", built)
        return built

    def render(self, context: Mapping[str, Any]) -> str:
        """The template's text for ``context``, within the limits of ``_template_limits``."""
        if self._plain is not None:  # text, names and ifs: the same output without Jinja
            text = self._plain.render(context)
            if text is not None:
                return text
        import jinja2

        from failreason._template_limits import render_bounded

        try:
            return render_bounded(self._template, context)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {self.name!r}: {exc}") from exc
        except _RENDER_FAILURES as exc:
            raise RenderError(f"template {self.name!r}: {type(exc).__name__}: {exc}") from exc


def new_environment(sources: Mapping[str, str]) -> BoundedEnvironment:
    import jinja2

    from failreason._template_limits import BoundedEnvironment

    return BoundedEnvironment(
        loader=jinja2.DictLoader(dict(sources)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # reasons are plain text, shown by Pleo, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
    )


def read_template_sources(
    directories: list[tuple[Path, str]], report: ReportAt
) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """Template name → (source, display path), and every name found, readable or not.

    A later directory overrides an earlier one. A file that is not a regular file inside its
    directory, is too large or is not UTF-8 is reported and left out (see ``_readfile``).
    """
    sources: dict[str, tuple[str, str]] = {}
    names: set[str] = set()
    for directory, display in directories:
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            shown, name = f"{display}/{path.name}", path.name.removesuffix(SUFFIX)
            names.add(name)
            try:
                sources[name] = (read_text_file(path, directory, MAX_TEMPLATE_BYTES), shown)
            except UnreadableFileError as exc:
                sources.pop(name, None)  # never fall back to a lower layer's file silently
                report(Location(shown, exc.line, exc.column), exc.message)
    return sources, names


def compile_templates(
    env: BoundedEnvironment, sources: dict[str, tuple[str, str]], report: ReportAt
) -> dict[str, Template]:
    """Compile every template file, so a broken one is reported even if no rule uses it."""
    compiled: dict[str, Template] = {}
    for name, (source, shown) in sources.items():
        template = compile_source(env, source, name, Location(shown, 1, 1), report)
        if template is not None:
            compiled[name] = template
    return compiled


def compile_source(
    env: BoundedEnvironment, source: str, name: str, start: Location, report: ReportAt
) -> Template | None:
    """Compile one template whose first line stands at ``start``; report a syntax error there."""
    import jinja2
    from jinja2 import meta

    try:
        tree = env.parse(source)
        variables = frozenset(meta.find_undeclared_variables(tree)) - _guarded_names(tree)
        plain = plain_template(tree, env.globals)  # read before Jinja's compiler walks it
        code = env.compile(tree)  # the tree parsed above: parsing twice cost as much again
    except jinja2.TemplateSyntaxError as exc:
        line = start.line + (exc.lineno or 1) - 1
        column = start.column if line == start.line else 1
        report(Location(start.file, line, column), f"template syntax error: {exc.message or exc}")
        return None
    compiled = Template(name, variables, from_code(env, code), plain, code)
    limit = _trial_limit(compiled)
    if limit is not None:
        report(start, f"template {name!r} goes past a limit: {limit}")
        return None
    return compiled


def from_code(env: BoundedEnvironment, code: CodeType) -> jinja2.Template:
    """The template Jinja compiled to ``code``, as ``env.from_string`` would make it."""
    return env.template_class.from_code(env, code, env.make_globals(None))


# Stand-ins for what a template sees, for one trial render when it loads.
_TRIAL_CONTEXT = {
    "message": "",
    "messages": [],
    "status": 400,
    "system": "acme",
    "stage": "entry",
    "code": "E1",
    "codes": [],
    "params": {},
}


def _trial_limit(template: Template) -> str | None:
    """What limit a render with stand-in values goes past, if any: so lint can say so.

    Only a limit counts: with stand-ins a template may well fail otherwise, and that is
    for its rule's examples to show.
    """
    from failreason._template_limits import TemplateLimitError, render_bounded

    context = dict.fromkeys(template.variables, "x") | _TRIAL_CONTEXT
    try:
        render_bounded(template._template, context)
    except TemplateLimitError as exc:
        return str(exc)
    except Exception:
        return None
    return None


def _guarded_names(tree: nodes.Template) -> set[str]:
    """Names the template itself checks for (``x is defined``, ``x | default``): optional."""
    from jinja2 import nodes

    guarded = {
        test.node.name
        for test in tree.find_all(nodes.Test)
        if test.name in ("defined", "undefined") and isinstance(test.node, nodes.Name)
    }
    guarded.update(
        f.node.name
        for f in tree.find_all(nodes.Filter)
        if f.name in ("default", "d") and isinstance(f.node, nodes.Name)
    )
    return guarded
