"""A Jinja sandbox whose templates cannot loop, recurse or allocate without bound.

Jinja's own sandbox keeps a template away from Python's internals, but not from the
machine: ``{{ 'x' * 10**9 }}`` is folded into a gigabyte string while the template compiles,
and nested loops, ``'x'.center(10**9)`` or a list printed after ``[l] * 60000`` run as long
and as large as they like. Here, per render:

* every loop iteration, call, filter, operator and value check spends from a step budget
  (MAX_STEPS), so no template runs longer than that many steps;
* every value a template makes (operators, filters, calls, literals, ``~``) and every value
  it prints is weighed, counting shared parts each time they occur as printing would, and
  refused over MAX_VALUE; where a result could be huge before it exists (``*``, ``**``,
  ``%`` widths, ``replace``, ``join``, ``indent``, ``wordwrap``, ``sum``) it is refused from
  its operands' sizes first, and a whole-number argument over MAX_VALUE is refused outright;
* the output stops at MAX_OUTPUT characters;
* ``range`` yields at most MAX_RANGE numbers, lists and dicts cannot be changed in place,
  and macros, call and filter blocks, block assignments, recursive loops, includes, imports
  and inheritance, which would build output out of sight, are refused when the template
  compiles (reason templates need none of them).

Operators and filters are never folded while compiling, so a template with a huge constant
expression compiles at once and fails at render, where the limits apply.
A limit passed raises TemplateLimitError (a Jinja SecurityError).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from failreason._lazy_re import lazy_compile
from failreason._render_limits import MAX_OUTPUT, MAX_VALUE

MAX_STEPS = 100_000
MAX_RANGE = 1_000
MAX_INT_BITS = 16_384  # about 5,000 digits: more than Python prints from an int by default

# Nodes that render into a buffer out of sight of the output count, or pull in other
# templates at render time: never needed for a one-sentence reason.
_REFUSED_NODES: dict[type[nodes.Node], str] = {
    nodes.Macro: "macros",
    nodes.CallBlock: "call blocks",
    nodes.FilterBlock: "filter blocks",
    nodes.AssignBlock: "block assignments ({% set x %}...{% endset %})",
    nodes.Extends: "template inheritance",
    nodes.Block: "blocks",
    nodes.Include: "includes",
    nodes.Import: "imports",
    nodes.FromImport: "imports",
}
_REFUSED_STR_METHODS = frozenset(
    {"expandtabs", "translate", "maketrans", "join", "format", "format_map"}
)
_PRINTF_SPEC = lazy_compile(
    r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsab%]"
)


class TemplateLimitError(SecurityError):
    """A template went past one of the limits of this module while rendering."""


class _Budget:
    def __init__(self) -> None:
        self.steps = MAX_STEPS

    def spend(self, steps: int = 1) -> None:
        self.steps -= steps
        if self.steps < 0:
            raise TemplateLimitError(f"the template took more than {MAX_STEPS:,} steps")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "failreason_template_budget", default=None
)


def _spend(steps: int = 1) -> None:
    budget = _BUDGET.get()
    if budget is not None:  # None only while compiling, when what is folded is source-sized
        budget.spend(steps)


def render_bounded(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """``template`` rendered with ``context`` within the limits; raises TemplateLimitError."""
    token = _BUDGET.set(_Budget())
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimitError(f"the template wrote more than {MAX_OUTPUT:,} characters")
            parts.append(chunk)
        return "".join(parts)
    finally:
        _BUDGET.reset(token)


def weigh(value: Any, limit: int = MAX_VALUE) -> int:
    """About how many characters printing ``value`` takes, counting shared parts each time.

    Refuses (TemplateLimitError) once past ``limit``; every part looked at adds at least one
    and spends one step, so weighing costs at most ``limit`` steps whatever the value.
    """
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        _spend()
        total += 1
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, int):
            total += item.bit_length() // 3
        elif isinstance(item, Mapping):
            pending.extend(islice(item.keys(), limit + 1))
            pending.extend(islice(item.values(), limit + 1))
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend(islice(item, limit + 1))
        elif isinstance(item, range):
            total += len(item)
        if total > limit:
            raise TemplateLimitError(f"a value would be larger than {limit:,} characters or items")
    return total


def _checked(value: Any) -> Any:
    """``value`` once weighed; an iterator is weighed item by item as it is consumed."""
    if isinstance(value, Iterator) and not isinstance(value, str | bytes):
        return _checked_items(value)
    weigh(value)
    return value


def _checked_items(items: Iterator[Any]) -> Iterator[Any]:
    for item in items:
        _spend()
        yield _checked(item)


def _check_arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE:
            raise TemplateLimitError(f"a whole-number argument is larger than {MAX_VALUE:,}")


def _check_printf(fmt: Any) -> None:
    if not isinstance(fmt, str):
        return
    for width, precision in _PRINTF_SPEC.findall(fmt):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_VALUE):
                raise TemplateLimitError(f"a % format width or precision over {MAX_VALUE:,}")


def _check_size(estimate: int) -> None:
    if estimate > MAX_VALUE:
        raise TemplateLimitError(f"a value would be larger than {MAX_VALUE:,} characters or items")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right))
    if operator == "**" and numbers and right > 0:
        if left.bit_length() * right > MAX_INT_BITS:
            raise TemplateLimitError(f"a power would have more than {MAX_INT_BITS:,} bits")
    elif operator == "*" and numbers:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise TemplateLimitError(f"a product would have more than {MAX_INT_BITS:,} bits")
    elif operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and not isinstance(sequence, int | float):
                _check_size((weigh(sequence) - 1) * max(times, 0) + 1)  # one outer item
    elif operator == "+" and not numbers:
        _check_size(weigh(left) + weigh(right))
    elif operator == "%":
        _check_printf(left)


def _replace_estimate(text: Any, old: Any, new: Any, *_: Any) -> int:
    text, old, new = str(text), str(old), str(new)
    return len(text) + (len(text) // max(len(old), 1) + 1) * len(new)


def _materialised(value: Any) -> list[Any]:
    items = list(islice(iter(value), MAX_VALUE + 1))
    _check_size(len(items))
    _spend(len(items))
    return items


def _pre_checked_filter(name: str, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    """The filter's input, made safe to pass on; refuses what would be too large to make."""
    if name == "format":
        _check_printf(value)
    elif name == "replace":
        _check_size(_replace_estimate(value, *args[:2], *kw.values()))
    elif name == "join":
        value = _materialised(value)
        separator = args[0] if args else kw.get("d", "")
        _check_size(weigh(value) + len(value) * len(str(separator)))
    elif name == "sum":
        value = _materialised(value)
        weigh([value, *args, *kw.values()])
    elif name == "indent":
        width = args[0] if args else kw.get("width", 4)
        per_line = len(width) if isinstance(width, str) else int(width)
        text = str(value)
        _check_size(len(text) + (text.count("\n") + 1) * per_line)
    elif name == "wordwrap":
        width = args[0] if args else kw.get("width", 79)
        wrap = args[2] if len(args) > 2 else kw.get("wrapstring") or "\n"
        text = str(value)
        _check_size(len(text) + (len(text) // max(int(width), 1) + 1) * len(str(wrap)))
    return value


_FIRST_ARGUMENT_MARK = (
    "jinja_pass_arg"  # where Jinja's pass_* decorators mark what a filter takes first
)


def _marker(decorator: Callable[[Callable[[], None]], Any]) -> Any:
    return getattr(decorator(lambda: None), _FIRST_ARGUMENT_MARK, None)


_PASS_CONTEXT = _marker(jinja2.pass_context)
_PASS_EVAL_CONTEXT = _marker(jinja2.pass_eval_context)
_PASS_ENVIRONMENT = _marker(jinja2.pass_environment)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its input checked first and its result weighed.

    The wrapper takes the context, which also keeps Jinja from folding the filter into a
    constant while compiling.
    """
    passes = getattr(function, _FIRST_ARGUMENT_MARK, None)

    @jinja2.pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        _check_arguments(args, kwargs)
        value = _pre_checked_filter(name, value, args, kwargs)
        if passes is _PASS_CONTEXT:
            result = function(context, value, *args, **kwargs)
        elif passes is _PASS_EVAL_CONTEXT:
            result = function(context.eval_ctx, value, *args, **kwargs)
        elif passes is _PASS_ENVIRONMENT:
            result = function(context.environment, value, *args, **kwargs)
        else:
            result = function(value, *args, **kwargs)
        return _checked(result)

    return bounded


@jinja2.pass_context  # taking the context keeps Jinja from folding it while compiling
def _counted(_: Context, iterable: Any) -> Iterator[Any]:
    """A loop's iterable; each item spends a step."""
    return _checked_items(iter(iterable))


@jinja2.pass_context
def _weighed(_: Context, value: Any) -> Any:
    """A display or ``~`` result, weighed."""
    return _checked(value)


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimitError(f"range() may yield at most {MAX_RANGE:,} numbers")
    return numbers


_COUNTED = "_failreason_counted"  # internal filters the compiler wraps expressions in
_WEIGHED = "_failreason_weighed"


def _wrapped(node: nodes.Node, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class _Bounding(NodeTransformer):
    """Counts each loop's items and weighs list, tuple and dict displays and ``~`` results."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 - Jinja's visitor names
        self.generic_visit(node)
        node.iter = _wrapped(node.iter, _COUNTED)
        return node

    def _weighed(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return _wrapped(node, _WEIGHED)

    visit_List = visit_Dict = visit_Concat = _weighed  # noqa: N815

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:  # noqa: N802
        if node.ctx != "load":  # an assignment target, as in `for key, value in ...`
            return node
        return self._weighed(node)


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, refusing what cannot be bounded and bounding the rest."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:  # noqa: N802
        for refused, what in _REFUSED_NODES.items():
            for found in node.find_all(refused):
                self.fail(f"{what} are not allowed in reason templates", found.lineno)
        for loop in node.find_all(nodes.For):
            if loop.recursive:
                self.fail("recursive loops are not allowed in reason templates", loop.lineno)
        _Bounding().visit(node)
        super().visit_Template(node, frame)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment within this module's limits (see the module docstring)."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, optimized=False, finalize=_checked, **kwargs)
        self.filters = {
            name: _bounded_filter(name, function)
            for name, function in self.filters.items()
            if name != "urlize"  # inserts its own attributes per link: nothing a reason needs
        }
        self.filters[_COUNTED] = _counted
        self.filters[_WEIGHED] = _weighed
        self.globals.pop("lipsum", None)  # n paragraphs of up to max words each
        self.globals["range"] = _bounded_range

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        _check_binop(operator, left, right)
        return _checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _spend()
        _check_arguments(args, kwargs)
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str | bytes):
            if name in _REFUSED_STR_METHODS:
                raise TemplateLimitError(f"the text method {name}() is not allowed in templates")
            if name == "replace":
                _check_size(_replace_estimate(owner, *args, *kwargs.values()))
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if super().wrap_str_format(value) is None:
            return None

        def refused(*args: Any, **kwargs: Any) -> str:
            raise TemplateLimitError("str.format is not allowed in templates: use ~ or |format")

        return refused
