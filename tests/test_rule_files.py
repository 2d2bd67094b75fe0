"""Broken rule files are reported with file:line:column, the path inside, and what to do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import failreason
from failreason import _yaml, _yaml_events
from failreason._load import builtin_dir
from tests.conftest import WriteRules

GOOD_RULE = """\
rules:
  - id: acme.tax
    match: {regex: 'tax code (?P<tax_code>\\w+) is unknown'}
    type: invalid_configuration
    template: tax_code_unknown
"""


def problems_of(rules_dir: object, templates_dir: object = None) -> list[str]:
    with pytest.raises(failreason.RuleFileError) as caught:
        failreason.load(rules_dir, templates_dir)  # type: ignore[arg-type]
    return [str(problem) for problem in caught.value.problems]


def test_good_rule_file_loads(write_rules: WriteRules) -> None:
    """A valid user rule file loads and its rule is tried first."""
    engine = failreason.load(write_rules(acme=GOOD_RULE))
    assert engine.rules[0].id == "acme.tax"


def test_bad_yaml_is_located(write_rules: WriteRules) -> None:
    """A YAML syntax error names the file, line and column."""
    rules = write_rules(acme="rules:\n  - id: acme.x\n    match: {status: [400\n")
    [problem] = problems_of(rules)
    assert problem.startswith(f"{rules}/acme.yaml:4:1: invalid YAML")


def test_unknown_key_suggests_the_right_one(write_rules: WriteRules) -> None:
    """A misspelt key is an error at that key, with a "did you mean"."""
    rules = write_rules(acme=GOOD_RULE.replace("match: {regex:", "match: {regx:"))
    [problem] = problems_of(rules)
    assert problem == (
        f"{rules}/acme.yaml:3:13: unknown key 'regx'; did you mean 'regex'? "
        "(at rules[0].match.regx)"
    )


def test_wrong_type_says_what_was_expected(write_rules: WriteRules) -> None:
    """A value of the wrong type says what was expected and what was found."""
    rules = write_rules(acme=GOOD_RULE + "    priority: high\n")
    [problem] = problems_of(rules)
    assert problem == (
        f"{rules}/acme.yaml:6:15: expected a whole number, got a text (at rules[0].priority)"
    )


def test_bad_status_form_lists_the_forms(write_rules: WriteRules) -> None:
    """A status that is none of the accepted forms lists them."""
    rules = write_rules(acme=GOOD_RULE.replace("match: {regex:", "match: {status: 4x, regex:"))
    [problem] = problems_of(rules)
    assert "acme.yaml:3:21: '4x' is not an HTTP status (401)" in problem


def test_regex_re2_cannot_compile_is_located(write_rules: WriteRules) -> None:
    """A pattern RE2 rejects (here a backreference) is located at the pattern."""
    rules = write_rules(acme=GOOD_RULE.replace("is unknown'", "is unknown \\1'"))
    [problem] = problems_of(rules)
    assert problem.startswith(f"{rules}/acme.yaml:3:20: regex ")
    assert "is not valid RE2 syntax: invalid escape sequence" in problem
    assert problem.endswith("(at rules[0].match.regex)")


def test_template_syntax_error_is_located_in_the_template(
    write_rules: WriteRules,
) -> None:
    """A broken template file is reported at its own line."""
    rules = write_rules(acme=GOOD_RULE.replace("tax_code_unknown", "acme_tax"))
    templates = write_rules("templates", acme_tax="Tax code\n{{ tax_code }\n")
    [problem] = problems_of(rules, templates)
    assert problem.startswith(f"{templates}/acme_tax.j2:2:1: template syntax error")


def test_inline_message_syntax_error_is_located_in_the_rule(write_rules: WriteRules) -> None:
    """A broken inline message is reported at the rule's `message` key."""
    text = GOOD_RULE.replace("template: tax_code_unknown", "message: 'Tax {% if %}'")
    [problem] = problems_of(write_rules(acme=text))
    assert "acme.yaml:5:14: template syntax error" in problem


def test_unknown_template_variable_suggests_the_capture(write_rules: WriteRules) -> None:
    """A template variable the rule never captures is an error with a "did you mean"."""
    text = GOOD_RULE.replace(
        "template: tax_code_unknown", "message: 'Tax Code {{ tax_cod }} does not exist'"
    )
    [problem] = problems_of(write_rules(acme=text))
    assert problem == (
        f"{write_rules()}/acme.yaml:5:14: template 'acme.tax:message' uses 'tax_cod', which "
        "rule 'acme.tax' never captures; did you mean 'tax_code'? (at rules[0].message)"
    )


def test_unknown_failure_reason_type_suggests_pleos(write_rules: WriteRules) -> None:
    """A failureReasonType Pleo does not have is an error naming the closest one."""
    text = GOOD_RULE.replace("invalid_configuration", "invalid_configuraton")
    [problem] = problems_of(write_rules(acme=text))
    assert problem == (
        f"{write_rules()}/acme.yaml:4:11: unknown failureReasonType 'invalid_configuraton'; "
        "did you mean 'invalid_configuration'? (at rules[0].type)"
    )


def test_unknown_template_name_suggests_a_template(write_rules: WriteRules) -> None:
    """A rule naming a template that does not exist gets the closest name."""
    text = GOOD_RULE.replace("tax_code_unknown", "tax_code_unknwn")
    [problem] = problems_of(write_rules(acme=text))
    assert "no template named 'tax_code_unknwn'" in problem
    assert "did you mean 'tax_code_unknown'?" in problem


def test_every_problem_is_reported_at_once_syntax_first(write_rules: WriteRules) -> None:
    """Problems in several files come together, unreadable files before the rest."""
    rules = write_rules(
        a=GOOD_RULE.replace("invalid_configuration", "nope"),
        b="rules: [\n",
        c=GOOD_RULE.replace("acme.tax", "acme.other").replace("regex: '", "regex: '(?<=x)"),
    )
    problems = problems_of(rules)
    assert len(problems) == 3
    assert "b.yaml" in problems[0]
    assert "invalid YAML" in problems[0]


def test_duplicate_rule_id_points_at_the_first(write_rules: WriteRules) -> None:
    """Two rules with one id in the same directory is an error naming both places."""
    rules = write_rules(a=GOOD_RULE, b=GOOD_RULE)
    [problem] = problems_of(rules)
    assert problem == (
        f"{rules}/b.yaml:2:5: rule id 'acme.tax' is already used at {rules}/a.yaml:2:5"
    )


def test_rule_without_template_or_message(write_rules: WriteRules) -> None:
    """A rule must say how its reason is written."""
    text = GOOD_RULE.replace("    template: tax_code_unknown\n", "")
    [problem] = problems_of(write_rules(acme=text))
    assert "needs exactly one of `template`" in problem


def test_missing_rules_directory_is_a_clear_error(tmp_path: object) -> None:
    """A rules directory that does not exist is named."""
    with pytest.raises(NotADirectoryError, match="does not exist"):
        failreason.load(f"{tmp_path}/nowhere")


@contextlib.contextmanager
def careful_reader_only() -> Iterator[None]:
    """Neither the one-pass reader nor libyaml's composer: the bounded loader alone."""
    with (
        mock.patch.object(_yaml, "read_events", return_value=None),
        mock.patch.object(_yaml, "_fast_loader", return_value=None),
    ):
        yield


@pytest.mark.parametrize(
    "path", sorted(builtin_dir("rules").glob("**/*.yaml")), ids=lambda path: path.name
)
def test_the_fast_readers_read_every_built_in_file_as_the_bounded_loader_does(path: Path) -> None:
    """The fast paths keep their reference: same values, same places, for every built-in file."""
    text = path.read_text(encoding="utf-8")
    with careful_reader_only():
        reference = _yaml.load_yaml(text, path.name)
    assert _yaml.load_yaml(text, path.name) == reference


def test_only_files_well_within_the_limits_take_the_fast_path() -> None:
    """Aliases are expanded in the count; a bomb, a recursion or an error goes to the counter."""
    for text in ("rules: [{id: a}]\n", "a: &x [1, {b: 2}]\nb: *x\nc: [*x, *x]\n"):
        fast = _yaml._fast_loader(text)
        assert fast is not None
        fast.dispose()
    assert _yaml._fast_loader(alias_bomb_of(5)) is None  # 9**5 values once expanded
    assert _yaml._fast_loader("a: &x [1, *x]\n") is None  # an alias inside its own anchor
    assert _yaml._fast_loader("a: *nowhere\n") is None  # an alias to no anchor
    assert _yaml._fast_loader("a: [\n") is None  # a syntax error is told by the located loader


def test_nesting_through_aliases_is_counted_by_the_fast_pass() -> None:
    """Each level an alias of the one before: 70 levels deep though each line is shallow."""
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 70)]
    assert _yaml._fast_loader("\n".join(lines) + "\n") is None
    shallow = "\n".join(lines[:20]) + "\n"
    fast = _yaml._fast_loader(shallow)
    assert fast is not None
    fast.dispose()
    with careful_reader_only():
        reference = _yaml.load_yaml(shallow, "shallow.yaml")
    assert _yaml.load_yaml(shallow, "shallow.yaml") == reference


def alias_bomb_of(levels: int) -> str:
    """Each level a list of nine aliases to the level below."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_the_one_pass_reader_gives_way_to_the_careful_one() -> None:
    """Aliases, duplicate or odd keys, tags and several documents are read the careful way."""
    read = _yaml_events.read
    for text in (
        "a: &x [1]\nb: *x\n",
        "a: 1\na: 2\n",
        "? [a, b]\n: 1\n",
        "<<: {a: 1}\n",
        "yes: 1\n",
        "a: !!set {x}\n",
        "a: 1\n---\nb: 2\n",
        "a: !!python/name:os.system\n",
        "a: [\n",
    ):
        assert read(text, max_values=100, max_depth=10) is None, text
    assert read("a: [1, {b: c}]\n", max_values=100, max_depth=10) == (
        {"a": [1, {"b": "c"}]},
        {(): (1, 1), ("a",): (1, 4), ("a", 0): (1, 5), ("a", 1): (1, 8), ("a", 1, "b"): (1, 12)},
        {("a",): (1, 1), ("a", 1, "b"): (1, 9)},
    )
    assert read("[[[[x]]]]\n", max_values=100, max_depth=4) is None  # near the depth limit
    assert read("[1, 2, 3]\n", max_values=3, max_depth=10) is None  # near the value limit


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(yaml_values, st.booleans())
def test_any_document_reads_the_same_by_every_reader(value: object, flow: bool) -> None:
    """Whatever YAML writes, block or flow style, the one-pass reader agrees with the other."""
    text = yaml.safe_dump({"rules": value}, default_flow_style=flow, allow_unicode=True)
    with careful_reader_only():
        reference = _yaml.load_yaml(text, "any.yaml")
    assert _yaml.load_yaml(text, "any.yaml") == reference
