"""Classifying starts without the reporting stack (httpx, asyncio, the sandbox), and with a
warm rule-set cache without what reads rule files (PyYAML, jsonschema) or compiles and renders
templates (Jinja, when the reason takes the plain path), nor the XML of JUnit reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import failreason

ENGINE = Path(failreason.__file__).resolve().parent.parent
HEAVY = ("httpx", "asyncio", "jsonschema", "yaml", "jinja2", "xml")
# Runs the command line's own entry, then tells which of the heavy modules were imported.
RUN_THEN_LIST = """
import json, sys
from failreason._cli import main
status = main(sys.argv[1:])
heavy = [m for m in sys.modules
         if m.split(".")[0] in {heavy!r} or m.startswith("failreason._sandbox")]
print(json.dumps({{"status": status, "heavy": sorted(heavy)}}), file=sys.stderr)
"""


def imported_by(
    code: str, *args: str, stdin: str = "", cache: Path | None = None
) -> tuple[str, dict[str, object]]:
    """Standard output of ``code`` in a fresh interpreter, and the JSON it printed on stderr."""
    env = {**os.environ, "PYTHONPATH": str(ENGINE)}
    if cache is not None:
        env["FAILREASON_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_importing_the_package_imports_none_of_the_reporting_stack() -> None:
    """``import failreason`` stops short of httpx, asyncio, jsonschema, PyYAML and the sandbox."""
    code = (
        "import json, sys, failreason\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r}"
        " or m.startswith('failreason._sandbox')]\n"
        "print(json.dumps({'heavy': heavy}), file=sys.stderr)\n"
    )
    _, found = imported_by(code)
    assert found["heavy"] == []


def test_classifying_a_line_imports_none_of_the_reporting_stack(tmp_path: Path) -> None:
    """``echo LINE | failreason classify`` with a warm cache imports none of them.

    The first run reads the rule files (PyYAML) and checks them against the schema
    (jsonschema) and compiles the templates (Jinja), and imports nothing else of the list;
    the second reads the rule set from the cache, and imports none of them: its reason
    takes the plain path, so no template is rebuilt for Jinja.
    """
    line = json.dumps({"system": "xero", "status": 429, "body": {"Title": "Too many"}}) + "\n"
    code = RUN_THEN_LIST.format(heavy=HEAVY)
    cold_out, cold = imported_by(code, "classify", stdin=line, cache=tmp_path)
    warm_out, warm = imported_by(code, "classify", stdin=line, cache=tmp_path)
    assert cold_out == warm_out
    assert json.loads(warm_out)["failureReasonType"] == "accounting_system_rate_limit"
    assert isinstance(cold["heavy"], list)
    assert all(name.startswith(("jsonschema", "yaml", "jinja2")) for name in cold["heavy"])
    assert warm == {"status": 0, "heavy": []}


def test_the_reporting_names_are_there_when_asked_for() -> None:
    """Every public name resolves, ``from failreason import *`` included, and is listed."""
    namespace: dict[str, object] = {}
    exec("from failreason import *", namespace)  # noqa: S102 (a fixed statement)
    assert set(failreason.__all__) <= set(namespace)
    assert failreason.PleoClient.__module__ == "failreason._pleo"
    assert set(failreason.__all__) <= set(dir(failreason))


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    """The lazy lookup answers for its own names only."""
    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(failreason, "NoSuchThing")  # noqa: B009 (the name must not be known statically)


def test_the_report_command_still_registers() -> None:
    """A command line naming another command still finds report, sandbox, demo and the rest."""
    code = (
        "import json, sys, contextlib, io\n"
        "from failreason._cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(json.dumps({'help': out.getvalue()}), file=sys.stderr)\n"
    )
    _, found = imported_by(code)
    text = str(found["help"])
    for command in ("report", "sandbox", "demo", "coverage", "suggest", "classify"):
        assert command in text
