"""The test connectors of ``failreason run --entry-command``: one program, two languages.

``post-entry.sh`` (POSIX sh, on every machine) and ``post-entry.js`` (Node, where ``node`` is
on PATH) answer alike, from a plan file; ``CONNECTORS`` holds the commands this machine runs.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).parent
SHELL = shutil.which("sh")
NODE = shutil.which("node")


def _commands() -> dict[str, str]:
    commands = {}
    if SHELL is not None:
        commands["sh"] = f"{shlex.quote(SHELL)} {shlex.quote(str(HERE / 'post-entry.sh'))}"
    if NODE is not None:
        commands["node"] = f"{shlex.quote(NODE)} {shlex.quote(str(HERE / 'post-entry.js'))}"
    return commands


CONNECTORS = _commands()


def describe() -> str:
    """One line for pytest's header: which connectors run here, and why one does not."""
    missing = [name for name, found in (("sh", SHELL), ("node", NODE)) if found is None]
    line = f"entry-command connectors: {', '.join(CONNECTORS) or 'none'}"
    if missing:
        line += f" ({', '.join(missing)} not on PATH: their cases are not generated)"
    return line


def write_plan(path: Path, answers: Mapping[str, str]) -> Path:
    """The plan a connector answers from: ``KEY<TAB>ANSWER`` lines (see post-entry.sh)."""
    path.write_text("".join(f"{key}\t{answer}\n" for key, answer in answers.items()))
    return path
