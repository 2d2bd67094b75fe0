"""The rule authors' docs run: docs/rules.md and the README's walk-through, block by block.

The markup the runner reads (docs/rules.md, "How this page is tested", says it for authors):

- a fenced block whose info string has ``title="PATH"`` is a file: its text is written to PATH
  in a fresh directory, where every command runs; a later block with that title replaces it;
- a ``console`` block holds commands, each a line ``$ COMMAND`` followed by what it must print
  on stdout. A line ``...`` stands for any lines (none too), ``...`` inside a line for any
  text. ``status=N`` in the info string is the exit status each of its commands must give
  (default 0). A command is ``failreason ...`` (run in-process through ``failreason._cli``),
  ``mkdir -p DIR`` or ``cat FILE``;
- every other block (``sh``, ``text``, ``toml``, ``yaml`` without a title) is prose, not run.

A written ``.pre-commit-config.yaml`` is checked against this repository's
``.pre-commit-hooks.yaml``: each hook id exists, its ``files`` pattern takes a file the doc
wrote, and the hook's entry run on those files, as pre-commit runs it, exits 0.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

import failreason
from failreason._cli import main

ROOT = Path(__file__).resolve().parent.parent
RULES_DOC = ROOT / "docs" / "rules.md"
README_WALKTHROUGH = "### From production errors to a tested rule"
ANY_LINES = "..."


class DocMismatchError(AssertionError):
    """A block of a doc does not do what the doc says; the message says where and how."""


@dataclass(frozen=True)
class Block:
    """A fenced block: the doc and line of its first content line, info string and lines."""

    doc: str
    line: int
    language: str
    attributes: dict[str, str]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Command:
    line: int
    text: str
    expected: tuple[str, ...]  # what the doc shows after it, up to the next command


def read_blocks(text: str, doc: str, first_line: int = 1) -> list[Block]:
    """The fenced blocks of ``text`` (a doc, or part of one starting at ``first_line``)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = re.match(r"```(\S*)(.*)$", lines[index])
        if opening is None:
            index += 1
            continue
        start = index + 1
        end = next((j for j in range(start, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise DocMismatchError(f"{doc}:{first_line + index}: this fence is never closed")
        info = dict(part.partition("=")[::2] for part in shlex.split(opening.group(2)))
        blocks.append(
            Block(doc, first_line + start, opening.group(1), info, tuple(lines[start:end]))
        )
        index = end + 1
    return blocks


def section(text: str, heading: str) -> tuple[str, int]:
    """The lines under ``heading`` up to the next heading of level 2 or 3, and its first line."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    inside_fence = False
    for end in range(start, len(lines)):
        inside_fence ^= lines[end].startswith("```")
        if not inside_fence and re.match(r"#{2,3} ", lines[end]):
            return "\n".join(lines[start:end]), start + 1
    return "\n".join(lines[start:]), start + 1


def commands(block: Block) -> Iterator[Command]:
    """The ``$ ...`` commands of a console block, each with the output shown after it."""
    current: tuple[int, str] | None = None
    shown: list[str] = []
    for offset, line in enumerate(block.lines):
        if line.startswith("$ "):
            if current is not None:
                yield Command(*current, tuple(shown))
            current, shown = (block.line + offset, line[2:]), []
        elif current is None:
            if line.strip():
                raise DocMismatchError(f"{block.doc}:{block.line + offset}: output before any `$ `")
        else:
            shown.append(line)
    if current is not None:
        yield Command(*current, tuple(shown))


def trimmed(lines: list[str] | tuple[str, ...]) -> list[str]:
    """Lines without trailing spaces, and without blank lines at either end."""
    kept = [line.rstrip() for line in lines]
    while kept and not kept[0]:
        kept.pop(0)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def line_fits(expected: str, got: str) -> bool:
    if ANY_LINES not in expected:
        return expected == got
    pattern = ".*".join(re.escape(part) for part in expected.split(ANY_LINES))
    return re.fullmatch(pattern, got) is not None


def first_misfit(expected: list[str], got: list[str]) -> tuple[int, int] | None:
    """None when ``got`` fits ``expected``; else the furthest expected line any reading of
    the ``...`` reached, and the line of ``got`` it met there (either may be past the end)."""
    furthest = (-1, -1)

    @cache
    def fits(i: int, j: int) -> bool:
        nonlocal furthest
        if i < len(expected) and expected[i] == ANY_LINES:
            return any(fits(i + 1, k) for k in range(j, len(got) + 1))
        if i == len(expected) and j == len(got):
            return True
        if i < len(expected) and j < len(got) and line_fits(expected[i], got[j]):
            return fits(i + 1, j + 1)
        furthest = max(furthest, (i, j))
        return False

    return None if fits(0, 0) else furthest


def run_command(argv: list[str], root: Path) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of one command, run in ``root`` (the cwd)."""
    if argv[:1] == ["failreason"]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(argv[1:])
            except SystemExit as exc:  # --help, --version and usage errors end in argparse
                status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        return status, out.getvalue(), err.getvalue()
    if argv[:2] == ["mkdir", "-p"] and len(argv) == 3:
        inside(root, argv[2]).mkdir(parents=True, exist_ok=True)
        return 0, "", ""
    if argv[:1] == ["cat"] and len(argv) == 2:
        return 0, inside(root, argv[1]).read_text(encoding="utf-8"), ""
    raise ValueError("a doc command is `failreason ...`, `mkdir -p DIR` or `cat FILE`")


def inside(root: Path, name: str) -> Path:
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"{name} is outside the directory the doc runs in")
    return path


class DocRun:
    """Runs the blocks of one doc, in order, in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commands_run = 0
        self.files_written = 0

    def run(self, blocks: list[Block]) -> None:
        for block in blocks:
            if "title" in block.attributes:
                self.write(block)
            elif block.language == "console":
                for command in commands(block):
                    self.check(block, command)

    def write(self, block: Block) -> None:
        where = f"{block.doc}:{block.line - 1}"
        try:
            path = inside(self.root, block.attributes["title"])
        except ValueError as exc:
            raise DocMismatchError(f"{where}: {exc}") from exc
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(block.lines) + "\n", encoding="utf-8")
        self.files_written += 1
        if path.name == ".pre-commit-config.yaml":
            self.check_hooks(path, where)

    def check(self, block: Block, command: Command) -> None:
        where = f"{block.doc}:{command.line}"
        try:
            status, out, err = run_command(shlex.split(command.text), self.root)
        except (ValueError, OSError) as exc:
            raise DocMismatchError(f"{where}: `{command.text}`: {exc}") from exc
        self.commands_run += 1
        wanted_status = int(block.attributes.get("status", "0"))
        expected, got = trimmed(command.expected), trimmed(out.splitlines())
        misfit = first_misfit(expected, got)
        if status == wanted_status and misfit is None:
            return
        if status != wanted_status:
            headline = f"`{command.text}` exited {status}; the doc expects {wanted_status}"
        else:
            headline = f"`{command.text}` printed other than the doc shows"
        raise DocMismatchError(
            "\n".join(
                [
                    f"{where}: {headline}",
                    *self.difference(command, expected, got, misfit),
                    "--- the doc expects",
                    *expected,
                    f"--- it printed (exit {status})",
                    *got,
                    *(["--- on stderr", *err.splitlines()] if err.strip() else []),
                ]
            )
        )

    @staticmethod
    def difference(
        command: Command, expected: list[str], got: list[str], misfit: tuple[int, int] | None
    ) -> list[str]:
        if misfit is None:
            return []
        i, j = misfit
        shown = [line.rstrip() for line in command.expected]
        leading = next((n for n, line in enumerate(shown) if line), 0)
        line = command.line + 1 + leading + i
        want = repr(expected[i]) if i < len(expected) else "(the end of the output)"
        have = repr(got[j]) if j < len(got) else "(the end of the output)"
        return [f"first difference, at line {line}:", f"  expected: {want}", f"  got:      {have}"]

    def check_hooks(self, config_file: Path, where: str) -> None:
        """Each hook exists in .pre-commit-hooks.yaml and passes on the files the doc wrote."""
        defined = {
            hook["id"]: hook
            for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
        }
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        for repository in config["repos"]:
            for hook in repository["hooks"]:
                self.check_hook(hook, defined, where)

    def check_hook(
        self, hook: dict[str, object], defined: dict[str, dict[str, str]], where: str
    ) -> None:
        definition = defined.get(str(hook["id"]))
        if definition is None:
            raise DocMismatchError(
                f"{where}: hook {hook['id']!r} is not in .pre-commit-hooks.yaml "
                f"(it defines {', '.join(sorted(defined))})"
            )
        pattern = str(hook.get("files", definition.get("files", "")))
        files = sorted(
            name
            for name in (p.relative_to(self.root).as_posix() for p in self.root.rglob("*"))
            if (self.root / name).is_file() and re.search(pattern, name)
        )
        if not files:
            raise DocMismatchError(
                f"{where}: hook {hook['id']!r}: `files: {pattern}` takes no file"
            )
        args = hook.get("args", [])
        argv = [
            *shlex.split(definition["entry"]),
            *(args if isinstance(args, list) else []),
            *files,
        ]
        status, out, err = run_command([str(arg) for arg in argv], self.root)
        if status != 0:
            raise DocMismatchError(
                f"{where}: hook {hook['id']!r} (`{shlex.join(argv)}`) exited {status}\n{out}{err}"
            )
        self.commands_run += 1


@pytest.fixture
def doc_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory to run a doc in, with no configuration but the doc's own."""
    for name in ("FAILREASON_RULES", "FAILREASON_TEMPLATES", "FAILREASON_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_rules_doc_runs(doc_dir: Path) -> None:
    """Every file and command of docs/rules.md, its walk-through included, does as shown."""
    run = DocRun(doc_dir)
    run.run(read_blocks(RULES_DOC.read_text(encoding="utf-8"), "docs/rules.md"))
    assert run.commands_run >= 10
    assert run.files_written >= 4


def test_the_readme_walkthrough_runs(doc_dir: Path) -> None:
    """The README's walk-through for rule authors does, command by command, what it shows."""
    text, first_line = section((ROOT / "README.md").read_text(encoding="utf-8"), README_WALKTHROUGH)
    run = DocRun(doc_dir)
    run.run(read_blocks(text, "README.md", first_line))
    assert run.commands_run >= 5


def schema_properties() -> dict[str, set[str]]:
    """Every key a rule file may hold, by where the schema allows it."""
    schema = json.loads((ROOT / "engine" / "failreason" / "rules.schema.json").read_text("utf-8"))
    defs = schema["$defs"]
    concepts = schema["properties"]["concepts"]["properties"]
    places = {
        "a rule file": schema["properties"],
        "a rule": defs["rule"]["properties"],
        "a match block": defs["matcher"]["properties"],
        "a concept matcher": defs["matcher"]["properties"]["concept"]["properties"],
        "a test (fields, params, headers)": defs["condition"]["properties"],
        "an example": defs["example"]["properties"],
        "a not_example": defs["not_example"]["properties"],
        "an extract profile": defs["profile"]["properties"],
        "an extract source": defs["profile"]["properties"]["errors"]["items"]["properties"],
        "a concepts block": concepts,
        "a concept object": concepts["objects"]["additionalProperties"]["properties"],
        "a system": schema["properties"]["systems"]["additionalProperties"]["properties"],
    }
    return {place: set(properties) for place, properties in places.items()}


def test_every_key_of_the_schema_is_documented() -> None:
    """docs/rules.md names every key the schema allows, so it stays the whole format."""
    text = RULES_DOC.read_text(encoding="utf-8")
    missing = sorted(
        f"`{key}` ({place})"
        for place, keys in schema_properties().items()
        for key in keys
        if f"`{key}`" not in text and f"`{key}:" not in text
    )
    assert not missing, "docs/rules.md does not mention: " + ", ".join(missing)


def test_every_lint_code_is_documented() -> None:
    """Each finding code the engine defines (FR001, ...) has its line in docs/rules.md."""
    text = RULES_DOC.read_text(encoding="utf-8")
    codes = {
        code
        for module in (ROOT / "engine" / "failreason").glob("*.py")
        for code in re.findall(r"""["'](FR\d{3})["']""", module.read_text(encoding="utf-8"))
    }
    assert codes, "the engine defines no finding codes: this test reads the wrong place"
    assert not {code for code in codes if f"| `{code}` |" not in text}


def test_the_readme_walkthrough_is_in_the_rule_authors_section() -> None:
    """The newcomer's loop sits under "For rule authors", before the reference parts."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    authors = readme.index("## For rule authors")
    assert authors < readme.index(README_WALKTHROUGH) < readme.index("### Concepts")


TINY_DOC = """\
Intro.

```yaml title="rules/acme.yaml"
system: acme
rules:
  - id: acme.tag-gone
    match: {regex: 'tag (?P<tag>\\w+) is gone'}
    type: invalid_configuration
    template: tag_unknown
    examples:
      - input: {system: acme, message: "tag T1 is gone"}
        reason: "Tag with code T1 does not exist on the Accounting System. Check the Tag."
```

```console{status}
$ failreason test rules/
rules/acme.yaml: ... passed, 0 failed
{last}
```
"""


def run_tiny(doc_dir: Path, last: str = "1 passed, 0 failed", status: str = "") -> DocRun:
    run = DocRun(doc_dir)
    text = TINY_DOC.replace("{last}", last).replace("{status}", status)
    run.run(read_blocks(text, "tiny.md"))
    return run


def test_the_runner_passes_a_doc_that_says_what_happens(doc_dir: Path) -> None:
    """A file block is written where its title says, and a matching command passes."""
    run = run_tiny(doc_dir)
    assert (run.files_written, run.commands_run) == (1, 1)
    assert (doc_dir / "rules" / "acme.yaml").read_text(encoding="utf-8").startswith("system:")


def test_a_changed_expected_line_fails_naming_the_doc_and_line(doc_dir: Path) -> None:
    """An expected line the command does not print fails at that line, expected against got."""
    with pytest.raises(DocMismatchError) as failure:
        run_tiny(doc_dir, last="2 passed, 0 failed")
    message = str(failure.value)
    assert message.startswith("tiny.md:16: `failreason test rules/` printed other than")
    assert "first difference, at line 18:" in message
    assert "expected: '2 passed, 0 failed'" in message
    assert "got:      '1 passed, 0 failed'" in message


def test_an_exit_status_other_than_stated_fails(doc_dir: Path) -> None:
    """A block's `status=N` is checked: the command's own status is named with the doc's."""
    with pytest.raises(DocMismatchError, match=r"tiny\.md:16: .* exited 0; the doc expects 1"):
        run_tiny(doc_dir, status=" status=1")


def test_output_the_doc_leaves_out_fails(doc_dir: Path) -> None:
    """Lines the command prints beyond the doc's last one fail, unless a `...` line says so."""
    with pytest.raises(DocMismatchError, match=r"expected: \(the end of the output\)"):
        run_tiny(doc_dir, last="")
    run_tiny(doc_dir, last="...")


@pytest.mark.parametrize(
    ("expected", "got", "fits"),
    [
        pytest.param(["a", "...", "d"], ["a", "b", "c", "d"], True, id="any-lines"),
        pytest.param(["a", "...", "b"], ["a", "b"], True, id="any-lines-may-be-none"),
        pytest.param(["...", "x", "y"], ["x", "z", "x", "y"], True, id="tries-every-reading"),
        pytest.param(["a ... d"], ["a b c d"], True, id="any-text-in-a-line"),
        pytest.param(["a ... d"], ["a b c e"], False, id="text-around-the-dots-counts"),
        pytest.param(["a", "b"], ["a", "c"], False, id="a-different-line"),
    ],
)
def test_dots_stand_for_lines_or_text(expected: list[str], got: list[str], fits: bool) -> None:
    """`...` alone is any lines (none too); inside a line, any text between what it shows."""
    assert (first_misfit(expected, got) is None) is fits


def test_a_command_the_runner_does_not_know_is_refused(doc_dir: Path) -> None:
    """Only failreason, `mkdir -p` and `cat` run: a doc cannot run a shell."""
    block = Block("tiny.md", 3, "console", {}, ("$ rm -rf rules",))
    with pytest.raises(DocMismatchError, match=r"tiny\.md:3: `rm -rf rules`: a doc command is"):
        DocRun(doc_dir).run([block])


def test_a_pre_commit_hook_the_repository_lacks_fails(doc_dir: Path) -> None:
    """A `.pre-commit-config.yaml` naming a hook id .pre-commit-hooks.yaml lacks fails."""
    config = (
        "repos:",
        "  - repo: local-copy",
        "    rev: v1",
        "    hooks: [{id: failreason-check}]",
    )
    block = Block("tiny.md", 5, "yaml", {"title": ".pre-commit-config.yaml"}, config)
    with pytest.raises(DocMismatchError, match=r"tiny\.md:4: hook 'failreason-check' is not in"):
        DocRun(doc_dir).run([block])


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_into_the_rules_doc_land_on_a_heading() -> None:
    """Every `#anchor` link to docs/rules.md, from itself or the README, names a heading."""
    text = RULES_DOC.read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    headings = {slug(h) for h in re.findall(r"^#{1,6} (.+)$", prose, flags=re.MULTILINE)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    anchors = re.findall(r"\]\(#([^)]+)\)", text) + re.findall(r"docs/rules\.md#([^)]+)\)", readme)
    assert anchors
    assert not [anchor for anchor in anchors if anchor not in headings]


def test_the_rules_docs_yaml_examples_are_yaml_and_whole_files_load(tmp_path: Path) -> None:
    """Every YAML block of docs/rules.md parses; each that is a whole rule file loads."""
    blocks = read_blocks(RULES_DOC.read_text(encoding="utf-8"), "docs/rules.md")
    loaded = 0
    for number, block in enumerate(b for b in blocks if b.language == "yaml"):
        data = yaml.safe_load("\n".join(block.lines))
        if "title" in block.attributes or not isinstance(data, dict):
            continue
        if {"rules", "concepts", "extract", "systems", "ambiguous", "job_failure_types"} & set(
            data
        ):
            folder = tmp_path / str(number)
            folder.mkdir()
            (folder / "example.yaml").write_text("\n".join(block.lines), encoding="utf-8")
            failreason.load(folder)  # a RuleFileError names the block's problem
            loaded += 1
    assert loaded >= 4
