"""Every subcommand's ``--help`` says what it does, what it reads, an example and its exits."""

from __future__ import annotations

import argparse

import pytest

from failreason import _cli
from failreason._cli import main
from failreason._cli_help import TEXTS


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _cli._parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_help_has_description_input_example_and_exits(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`failreason NAME --help` prints all four parts, the description first."""
    with pytest.raises(SystemExit) as stopped:
        main([name, "--help"])
    out = capsys.readouterr().out
    assert stopped.value.code == 0
    text = TEXTS[name]
    assert " ".join(text.description.split()[:6]) in " ".join(out.split())
    for heading in ("input:", "example:", "exit status:"):
        assert f"\n{heading}\n" in out
    assert f"  {text.example}\n" in out
    assert "\n  0 " in out.split("exit status:")[1]


def test_no_text_is_left_without_its_subcommand() -> None:
    """A text for a renamed or removed subcommand would be dead: each names a real one."""
    assert set(TEXTS) <= set(subcommands())


def test_the_example_keeps_its_spacing(capsys: pytest.CaptureFixture[str]) -> None:
    """Raw formatting: the example line is printed as written, not re-wrapped."""
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert "\n  echo '{\"status\": 429}' | failreason explain\n" in capsys.readouterr().out


def test_lint_help_documents_its_three_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    """The exit statuses pre-commit and CI rely on are in lint's own help."""
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    exits = " ".join(capsys.readouterr().out.split("exit status:")[1].split())
    assert exits == (
        "0 no problem; 1 problems found (listed on stdout, in every --format); "
        "2 could not run (the reason on stderr, nothing on stdout)"
    )
