"""The wheel carries the rules and templates and classifies with them outside the checkout."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_into_a_fresh_venv_and_classifies(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a new virtual environment, classify an error."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = dist.glob("failreason-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "failreason/_data/rules/generic.yaml" in names
    assert "failreason/_data/templates/vendor_unknown.j2" in names
    assert "failreason/rules.schema.json" in names
    assert "failreason/py.typed" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel], check=True
    )
    # The dependencies come from this environment, appended after the venv's own packages.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_outer_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    envelope = {
        "stage": "validation",
        "code": "missing_journal",
        "params": {"journal": "Purchases"},
    }
    done = subprocess.run(
        [venv / "bin" / "failreason", "classify"],
        input=json.dumps(envelope) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["failureReason"] == (
        "Journal Purchases missing: provide journal Purchases in the configurations"
    )
    where = subprocess.run(
        [python, "-c", "import failreason; print(failreason.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    ).stdout
    assert where.startswith(str(venv))
