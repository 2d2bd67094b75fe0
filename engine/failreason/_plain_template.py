"""Templates that only print values and choose by whether one is set, rendered without Jinja.

Most reason templates are a sentence, ``{{ message }}``, or ``{% if message %}{{ message }}
{% else %}...{% endif %}``. For those, the sandboxed Jinja render (a new context, a step
budget, a weighed value per print) costs more than the rest of building the reason. A
`PlainTemplate` is made from the parsed template when it holds nothing but text, printed
names and ``if``/``elif``/``else`` on a name, ``name is defined`` or ``name is undefined``
(or ``not`` of those); trimming and stripping of blocks happened in Jinja's parser already.

It gives Jinja's output exactly, or None when it cannot be sure (a value that is not exactly
text or a whole number, a name the context lacks, an output past the sandbox's limits), and
the caller renders with Jinja, which then gives the same output or the same error as always.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from failreason._render_limits import MAX_OUTPUT, MAX_VALUE

if TYPE_CHECKING:
    from jinja2 import nodes


@dataclass(frozen=True, slots=True)
class _Print:
    name: str


@dataclass(frozen=True, slots=True)
class _Condition:
    name: str
    negated: bool
    defined: bool  # ``name is defined``; otherwise the value's truth


@dataclass(frozen=True, slots=True)
class _Choice:
    """``if``/``elif`` branches in order; the else branch has no condition."""

    branches: tuple[tuple[_Condition | None, tuple[Instruction, ...]], ...]


Instruction = str | _Print | _Choice

_MAX_INSTRUCTIONS = 1_000  # far below the sandbox's step budget: no step count needed
_MAX_INT_BITS = 1_000  # the sandbox weighs a printed number by its digits
# Values whose truth is plain data, with no __bool__ of anyone's to run
_TRUTH_TYPES = frozenset({str, int, bool, list, dict, tuple, type(None)})


class _UnsureError(Exception):
    """The fast path cannot vouch for this render: Jinja does it."""


@dataclass(frozen=True)
class PlainTemplate:
    """A template's text and choices, rendered with plain string work."""

    instructions: tuple[Instruction, ...]

    def render(self, context: Mapping[str, Any]) -> str | None:
        """Jinja's output for ``context``, or None when Jinja must render it."""
        parts: list[str] = []
        try:
            _run(self.instructions, context, parts)
        except _UnsureError:
            return None
        text = "".join(parts)
        return text if len(text) <= MAX_OUTPUT else None


def plain_template(tree: nodes.Template, reserved: Mapping[str, Any]) -> PlainTemplate | None:
    """A PlainTemplate for ``tree``, or None when it uses anything beyond the plain subset.

    ``reserved`` are the environment's globals: a name among them resolves to the global when
    the context lacks it, which the fast path does not model, so such templates stay Jinja's.
    """
    counter = [0]
    try:
        instructions = _compile(tree.body, reserved, counter)
    except _UnsureError:
        return None
    return PlainTemplate(instructions)


def _compile(
    body: list[nodes.Node], reserved: Mapping[str, Any], counter: list[int]
) -> tuple[Instruction, ...]:
    from jinja2 import nodes  # Jinja only to build: rendering needs none

    out: list[Instruction] = []
    for node in body:
        counter[0] += 1
        if counter[0] > _MAX_INSTRUCTIONS:
            raise _UnsureError
        if isinstance(node, nodes.Output):
            out.extend(_output_part(child, reserved) for child in node.nodes)
        elif isinstance(node, nodes.If):
            out.append(_choice(node, reserved, counter))
        else:
            raise _UnsureError
    return tuple(out)


def _output_part(node: nodes.Node, reserved: Mapping[str, Any]) -> Instruction:
    from jinja2 import nodes  # Jinja only to build: rendering needs none

    if type(node) is nodes.TemplateData:
        return str(node.data)
    return _Print(_name(node, reserved))


def _name(node: nodes.Node, reserved: Mapping[str, Any]) -> str:
    from jinja2 import nodes  # Jinja only to build: rendering needs none

    if type(node) is not nodes.Name or node.ctx != "load" or node.name in reserved:
        raise _UnsureError
    return str(node.name)


def _choice(node: nodes.If, reserved: Mapping[str, Any], counter: list[int]) -> _Choice:
    branches = [(_condition(node.test, reserved), _compile(node.body, reserved, counter))]
    branches.extend(
        (_condition(elif_.test, reserved), _compile(elif_.body, reserved, counter))
        for elif_ in node.elif_
    )
    return _Choice((*branches, (None, _compile(node.else_, reserved, counter))))


def _condition(test: nodes.Node, reserved: Mapping[str, Any]) -> _Condition:
    from jinja2 import nodes  # Jinja only to build: rendering needs none

    negated = False
    while type(test) is nodes.Not:
        negated = not negated
        test = test.node
    if type(test) is nodes.Test and test.name in ("defined", "undefined"):
        if test.args or test.kwargs or test.dyn_args or test.dyn_kwargs:
            raise _UnsureError
        return _Condition(_name(test.node, reserved), negated != (test.name == "undefined"), True)
    return _Condition(_name(test, reserved), negated, False)


def _run(instructions: tuple[Instruction, ...], context: Mapping[str, Any], out: list[str]) -> None:
    for instruction in instructions:
        if isinstance(instruction, str):
            out.append(instruction)
        elif isinstance(instruction, _Print):
            out.append(_printed(context, instruction.name))
        else:
            for condition, body in instruction.branches:
                if condition is None or _holds(condition, context):
                    _run(body, context, out)
                    break


def _printed(context: Mapping[str, Any], name: str) -> str:
    value = context.get(name, _MISSING)
    if type(value) is str and len(value) < MAX_VALUE:  # the sandbox weighs what it prints
        return value
    if type(value) is int and value.bit_length() <= _MAX_INT_BITS:
        return str(value)
    raise _UnsureError  # missing (StrictUndefined raises), or a type whose str() is Jinja's to make


def _holds(condition: _Condition, context: Mapping[str, Any]) -> bool:
    value = context.get(condition.name, _MISSING)
    if condition.defined:
        return (value is not _MISSING) != condition.negated
    if value is _MISSING or type(value) not in _TRUTH_TYPES:
        raise _UnsureError
    return bool(value) != condition.negated


_MISSING: Any = object()
