"""Rule and template files that would hang, exhaust or leak are located problems, quickly."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

import failreason
from failreason._errors import Location
from failreason._render import compile_source, new_environment
from failreason._yaml import MAX_DEPTH, MAX_VALUES, load_yaml
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


def alias_bomb(levels: int) -> str:
    """The "billion laughs": each level a list of nine aliases to the level below."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join([*lines, f"rules: *a{levels}", ""])


# --- YAML aliases, size and nesting ------------------------------------------------------


def test_alias_bomb_is_a_located_problem(write_rules: WriteRules) -> None:
    """Seven levels of aliases (4.8 million values expanded) are refused where they overflow."""
    rules = write_rules(bomb=alias_bomb(6))
    [problem] = problems_of(rules)
    assert problem.startswith(f"{rules}/bomb.yaml:")
    assert f"aliases expand to more than {MAX_VALUES:,} values" in problem


def test_alias_bomb_is_refused_without_building_it() -> None:
    """Refusing the bomb allocates about what its text takes, not what it expands to."""
    tracemalloc.start()
    try:
        problem = load_yaml(alias_bomb(6), "bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(problem, failreason.Problem)
    assert peak < 2 * 1024 * 1024  # the expanded tree would be gigabytes; MAX_VALUES ~ 30 MB


def test_aliases_that_stay_small_still_work(write_rules: WriteRules) -> None:
    """An anchor reused a few times (as quickbooks_online.yaml does) loads as before."""
    text = """\
rules:
  - id: acme.a
    match: {all: [&tax {regex: 'tax code (?P<tax_code>\\w+) is unknown'}, {status: 400}]}
    type: invalid_configuration
    template: tax_code_unknown
  - id: acme.b
    match: {all: [*tax, {status: 422}]}
    type: invalid_configuration
    template: tax_code_unknown
"""
    engine = failreason.load(write_rules(acme=text))
    result = engine.classify({"status": 422, "message": "tax code S25 is unknown"})
    assert result.rule_id == "acme.b"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("rules: &a [*a]\n", id="sequence-in-itself"),
        pytest.param("rules: [{id: x, match: &m {all: [*m]}}]\n", id="mapping-in-itself"),
        pytest.param("a: &a {b: [{c: *a}]}\nrules: []\n", id="deep-in-itself"),
    ],
)
def test_recursive_alias_is_a_located_problem(write_rules: WriteRules, text: str) -> None:
    """An alias inside its own anchor is a problem at the alias, not a RecursionError."""
    rules = write_rules(acme=text)
    [problem] = problems_of(rules)
    assert problem.startswith(f"{rules}/acme.yaml:1:")
    assert "refers to its own anchor" in problem


def test_deep_nesting_is_a_located_problem(write_rules: WriteRules) -> None:
    """Values nested deeper than the cap (here 5,000 levels) are refused, not a RecursionError."""
    rules = write_rules(acme="rules: " + "[" * 5000 + "]" * 5000 + "\n")
    [problem] = problems_of(rules)
    assert f"nest more than {MAX_DEPTH} levels deep" in problem
    assert problem.startswith(f"{rules}/acme.yaml:1:")


def test_deep_nesting_through_aliases_is_counted(write_rules: WriteRules) -> None:
    """Aliases that stack a shallow anchor on itself level by level count as nesting."""
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, MAX_DEPTH + 5)]
    [problem] = problems_of(write_rules(acme="\n".join(lines) + "\nrules: []\n"))
    assert f"nest more than {MAX_DEPTH} levels deep" in problem


def test_oversized_rule_file_is_a_problem(write_rules: WriteRules) -> None:
    """A rule file over the size cap is refused before it is parsed."""
    rules = write_rules(acme=GOOD_RULE + "#" * (3 * 1024 * 1024) + "\n")
    [problem] = problems_of(rules)
    assert (
        problem == f"{rules}/acme.yaml: the file is larger than 2,097,152 bytes, the most allowed"
    )


def test_non_utf8_rule_file_is_located(write_rules: WriteRules) -> None:
    """A Latin-1 rule file is a problem at the first byte that is not UTF-8."""
    rules = write_rules()
    (rules / "acme.yaml").write_bytes(
        GOOD_RULE.replace("tax code", "taxe cod\xe9").encode("latin-1")
    )
    [problem] = problems_of(rules)
    assert problem.startswith(f"{rules}/acme.yaml:3:29: the file is not UTF-8 text (byte 0xe9)")


# --- files that are not regular files inside their directory -----------------------------


def test_template_symlink_outside_its_directory_is_refused(
    write_rules: WriteRules, tmp_path: Path
) -> None:
    """A template that is a symlink to /etc/passwd is never read, let alone sent as a reason."""
    rules = write_rules(acme=GOOD_RULE.replace("tax_code_unknown", "leak"))
    templates = write_rules("templates")
    (templates / "leak.j2").symlink_to("/etc/passwd")
    [problem] = problems_of(rules, templates)
    assert problem.startswith(f"{templates}/leak.j2: the file is a symlink to somewhere outside")


def test_rule_file_symlink_outside_its_directory_is_refused(
    write_rules: WriteRules, tmp_path: Path
) -> None:
    """A rule file symlinked from elsewhere is refused, even a valid one."""
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(GOOD_RULE, encoding="utf-8")
    rules = write_rules()
    (rules / "acme.yaml").symlink_to(elsewhere)
    [problem] = problems_of(rules)
    assert "acme.yaml: the file is a symlink to somewhere outside its directory" in problem


def test_symlink_inside_the_directory_is_followed(write_rules: WriteRules) -> None:
    """A template may have a second name: a symlink to a file in the same directory."""
    rules = write_rules(acme=GOOD_RULE.replace("template: tax_code_unknown", "template: alias"))
    templates = write_rules("templates", real="Tax {{ tax_code }} unknown")
    (templates / "alias.j2").symlink_to(templates / "real.j2")
    engine = failreason.load(rules, templates)
    result = engine.classify({"message": "tax code S25 is unknown"})
    assert result.failure_reason == "Tax S25 unknown"


@pytest.mark.parametrize("where", ["rules", "templates"])
def test_fifo_is_a_problem_not_a_hang(write_rules: WriteRules, where: str) -> None:
    """A FIFO named like a rule file or template is reported; load does not wait for a writer."""
    rules = write_rules(acme=GOOD_RULE)
    templates = write_rules("templates")
    folder, name = (rules, "pipe.yaml") if where == "rules" else (templates, "pipe.j2")
    os.mkfifo(folder / name)
    [problem] = problems_of(rules, templates)
    assert (
        problem
        == f"{folder}/{name}: the path is a FIFO, not a regular file; remove it or rename it"
    )


@pytest.mark.parametrize("where", ["rules", "templates"])
def test_directory_named_like_a_rule_file_is_a_problem(write_rules: WriteRules, where: str) -> None:
    """A directory called *.yaml or *.j2 is reported rather than skipped without a word."""
    rules = write_rules(acme=GOOD_RULE)
    templates = write_rules("templates")
    folder, name = (rules, "more.yaml") if where == "rules" else (templates, "more.j2")
    (folder / name).mkdir()
    [problem] = problems_of(rules, templates)
    assert problem.startswith(f"{folder}/{name}: the path is a directory, not a regular file")


def test_device_named_like_a_template_is_a_problem(write_rules: WriteRules) -> None:
    """A symlink to /dev/zero would never end; it is refused (it points outside)."""
    rules = write_rules(acme=GOOD_RULE)
    templates = write_rules("templates")
    (templates / "zero.j2").symlink_to("/dev/zero")
    [problem] = problems_of(rules, templates)
    assert problem.startswith(f"{templates}/zero.j2: the file is a symlink to somewhere outside")


def test_non_utf8_template_is_located(write_rules: WriteRules) -> None:
    """A template saved in Latin-1 is a problem at its first non-UTF-8 byte."""
    rules = write_rules(acme=GOOD_RULE.replace("tax_code_unknown", "latin"))
    templates = write_rules("templates")
    (templates / "latin.j2").write_bytes(b"Line one\nCode \xe9 {{ tax_code }}\n")
    [problem] = problems_of(rules, templates)
    assert problem.startswith(f"{templates}/latin.j2:2:6: the file is not UTF-8 text")


# --- files that declare nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("# rules for acme, to come\n", id="comments-only"),
        pytest.param("rules: []\n", id="no-rules"),
        pytest.param("system: acme\n", id="system-only"),
        pytest.param("{}\n", id="empty-mapping"),
        pytest.param("---\n", id="empty-document"),
    ],
)
def test_file_declaring_nothing_is_a_problem(write_rules: WriteRules, text: str) -> None:
    """An empty, comments-only or rule-less file is a located problem, not a silent no-op."""
    rules = write_rules(acme=text)
    [problem] = problems_of(rules)
    assert problem.startswith(f"{rules}/acme.yaml:1:1: the file declares nothing")


def test_truncated_file_is_a_problem(write_rules: WriteRules) -> None:
    """A file cut short before its first rule says so instead of loading no rules."""
    [problem] = problems_of(write_rules(acme="system: acme\nrules:\n"))
    assert "the file declares nothing" in problem


def test_pack_with_only_an_extract_profile_loads(write_rules: WriteRules) -> None:
    """A pack that only says where its system keeps the message is legitimate (see lexoffice)."""
    text = """\
system: acme
extract:
  errors:
    - path: 'errors[]'
      message: [detail]
rules: []
"""
    engine = failreason.load(write_rules(acme=text))
    assert "acme" in engine.systems


# --- directories that are not there ------------------------------------------------------


@pytest.mark.parametrize("which", ["rules", "templates"])
def test_missing_directory_is_a_failreason_error(tmp_path: Path, which: str) -> None:
    """A directory that does not exist is a RuleFileError with one located, one-line problem."""
    missing = tmp_path / "nowhere"
    arguments = (missing, None) if which == "rules" else (None, missing)
    with pytest.raises(failreason.RuleFileError) as caught:
        failreason.load(*arguments)
    assert str(caught.value) == (
        f"{missing}: the {which} directory does not exist; pass the directory that holds your "
        + ("*.yaml rule files" if which == "rules" else "*.j2 templates")
    )
    assert isinstance(caught.value, NotADirectoryError)  # what load raised before
    [problem] = caught.value.problems
    assert problem.location.file == str(missing)


def test_file_given_as_directory_is_a_failreason_error(write_rules: WriteRules) -> None:
    """A file passed where a directory belongs says so."""
    rules = write_rules(acme=GOOD_RULE)
    with pytest.raises(failreason.FailreasonError, match="the rules directory is not a directory"):
        failreason.load(rules / "acme.yaml")


# --- templates that would loop or allocate without bound ---------------------------------

HOSTILE_TEMPLATES = [
    pytest.param("{{ range(10**9)|list }}", "argument is larger than 65,536", id="huge-range"),
    pytest.param("{{ range(60000)|list }}", "range() may yield at most 1,000", id="long-range"),
    pytest.param("{{ 'x' * 10**9 }}", "larger than 65,536 characters", id="string-times"),
    pytest.param("{{ (1,) * 10**5 }}", "larger than 65,536 characters", id="tuple-times"),
    pytest.param("{{ 10**(10**10) }}", "a power would have more than", id="power"),
    pytest.param("{{ 2**8000 * 2**8000 * 2**8000 }}", "a product would have more", id="product"),
    pytest.param(
        "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}",
        "more than 100,000 steps",
        id="nested-loops",
    ),
    pytest.param(
        "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
        "more than 100,000 steps",
        id="silent-nested-loops",
    ),
    pytest.param("{{ 'x'.center(10**9) }}", "argument is larger than", id="center-method"),
    pytest.param("{{ 'x'|center(10**9) }}", "argument is larger than", id="center-filter"),
    pytest.param(
        "{{ ('x' * 60000).expandtabs(8) }}", "expandtabs() is not allowed", id="expandtabs"
    ),
    pytest.param(
        "{{ ('a' * 60000).replace('a', 'a' * 60000) }}", "larger than 65,536", id="replace"
    ),
    pytest.param(
        "{{ ('a' * 60000)|replace('a', 'a' * 60000) }}", "larger than 65,536", id="replace-filter"
    ),
    pytest.param("{{ '%999999999s' % 'x' }}", "format width or precision", id="printf-width"),
    pytest.param("{{ '%*s' % (10**4, 'x') }}", "format width or precision", id="printf-star"),
    pytest.param("{{ '%999999999s'|format('x') }}", "format width", id="format-filter"),
    pytest.param("{{ '{:>999999999}'.format('x') }}", "str.format is not allowed", id="format"),
    pytest.param("{{ range(1000)|join('x' * 60000) }}", "larger than 65,536", id="join"),
    pytest.param("{{ ('\\n' * 60000)|indent(60000) }}", "larger than 65,536", id="indent"),
    pytest.param(
        "{% set l = range(1000)|list %}{% set a = [l, l, l, l, l, l, l, l, l, l] %}"
        "{% set b = [a, a, a, a, a, a, a, a, a, a] %}{{ b }}",
        "larger than 65,536",
        id="list-literal-laughs",
    ),
    pytest.param(
        "{% set l = range(1000)|list %}{{ [l] * 1000 }}", "larger than 65,536", id="shared-list"
    ),
    pytest.param(
        "{% set ns = namespace(s='x') %}{% for i in range(100) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "larger than 65,536",
        id="doubling-concat",
    ),
    pytest.param(
        "{% set ns = namespace(n=3) %}{% for i in range(100) %}"
        "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}",
        "a product would have more than",
        id="squaring-loop",
    ),
    pytest.param(
        "{{ range(1000)|batch(60000, 'x' * 60000)|list }}", "larger than 65,536", id="batch-fill"
    ),
    pytest.param(
        "{% set l = range(1000)|list %}{{ [[l] * 60, [l] * 60]|sum(start=[]) }}",
        "larger than 65,536",
        id="sum-of-lists",
    ),
    pytest.param(
        "{% for i in range(1000) %}{{ 'x' * 60000 }}{% endfor %}",
        "wrote more than 65,536 characters",
        id="long-output",
    ),
]


def template_problems(source: str) -> list[str]:
    """What compiling ``source`` as the template ``evil`` reports (as load and lint do)."""
    found: list[str] = []
    report = lambda at, message: found.append(f"{at}: {message}")  # noqa: E731
    compile_source(new_environment({}), source, "evil", Location("evil.j2", 1, 1), report)
    return found


@pytest.mark.parametrize(("source", "expected"), HOSTILE_TEMPLATES)
def test_hostile_template_is_a_located_problem_at_load(source: str, expected: str) -> None:
    """A template past a limit with any input is reported when it compiles, as lint shows it."""
    [problem] = template_problems(source)
    assert problem.startswith("evil.j2:1:1: template 'evil' goes past a limit: ")
    assert expected in problem


def test_hostile_template_is_reported_by_load(write_rules: WriteRules) -> None:
    """Through ``load``, the problem names the template file."""
    rules = write_rules(acme=GOOD_RULE.replace("tax_code_unknown", "evil"))
    templates = write_rules("templates", evil="{{ range(10**9)|list }}")
    [problem] = problems_of(rules, templates)
    assert problem.startswith(f"{templates}/evil.j2:1:1: template 'evil' goes past a limit: ")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", id="macro"),
        pytest.param("{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}", id="recursive"),
        pytest.param("{% set x %}{{ 1 }}{% endset %}{{ x }}", id="block-set"),
        pytest.param("{% filter upper %}x{% endfilter %}", id="filter-block"),
        pytest.param("{% include 'tax_code_unknown' %}", id="include"),
    ],
)
def test_constructs_that_hide_output_are_refused(source: str) -> None:
    """Macros, recursive loops, block sets, filter blocks and includes are refused at load."""
    [problem] = template_problems(source)
    assert problem.startswith("evil.j2:1:1: template syntax error: ")
    assert "not allowed in reason templates" in problem


def test_huge_constant_is_never_built_at_load() -> None:
    """``{{ 'x' * 10**9 }}`` is not folded into a gigabyte string while it compiles."""
    tracemalloc.start()
    try:
        [problem] = template_problems("{{ 'x' * 10**9 }}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "goes past a limit" in problem
    assert peak < 8 * 1024 * 1024  # folded, it would be 1 GB


def test_limit_reached_with_real_input_yields_to_the_next_rule(write_rules: WriteRules) -> None:
    """A template that passes a limit only on this error's text gives way; nothing is raised."""
    rules = write_rules(
        acme="""\
rules:
  - id: acme.greedy
    match: {code: greedy}
    type: unexpected_failure
    message: "{{ message * 60000 }}"
"""
    )
    engine = failreason.load(rules)  # a stand-in empty message stays within the limits
    result = engine.classify({"code": "greedy", "message": "A long message from the system"})
    assert result.rule_id == "fallback"
    [failed] = [
        step for step in engine.explain({"code": "greedy", "message": "m" * 30}).steps if step.error
    ]
    assert "larger than 65,536" in failed.error  # type: ignore[operator]


def test_ordinary_template_features_still_work(write_rules: WriteRules) -> None:
    """Loops, filters, tests, lists, ``~`` and arithmetic within the limits render as before."""
    source = (
        "{% set parts = [tax_code|upper, 'x' * 3, (2 ** 10)|string] %}"
        "{% for p in parts %}{{ loop.index }}={{ p }}"
        "{% if not loop.last %}, {% endif %}{% endfor %}"
        " {{ parts|join('/') ~ '!' }} {{ '%05.1f'|format(3.14159) }} {{ range(3)|sum }}"
        " {{ {'a': 1}.items()|list }} {{ 'ab cd'.split()|length }}"
    )
    rules = write_rules(acme=GOOD_RULE.replace("template: tax_code_unknown", "template: fine"))
    templates = write_rules("templates", fine=source)
    result = failreason.load(rules, templates).classify({"message": "tax code s25 is unknown"})
    assert result.failure_reason == ("1=S25, 2=xxx, 3=1024 S25/xxx/1024! 003.1 3 [('a', 1)] 2")


def test_rule_file_behind_a_symlinked_folder_is_refused(
    write_rules: WriteRules, tmp_path: Path
) -> None:
    """A folder inside the rules directory that links elsewhere does not bring files in."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "acme.yaml").write_text(GOOD_RULE, encoding="utf-8")
    rules = write_rules(base=GOOD_RULE.replace("acme.tax", "acme.base"))
    (rules / "linked").symlink_to(elsewhere, target_is_directory=True)
    engine_or_problems: list[str] = []
    try:
        engine = failreason.load(rules)
    except failreason.RuleFileError as error:
        engine_or_problems = [str(problem) for problem in error.problems]
    else:
        assert "acme.tax" not in [rule.id for rule in engine.rules]  # not followed at all
    assert all("outside its directory" in problem for problem in engine_or_problems)
