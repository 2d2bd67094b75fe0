"""`failreason run` as the end-to-end tests drive it: a process per run, one connector
language, one sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from failreason.testing import Sandbox
from tests.connectors import CONNECTORS, write_plan

ENGINE_DIR = str(Path(__file__).parents[2] / "engine")
CONFIGURED = {"journals": {"Purchases": "PURCH"}, "default_expense_account": "4000"}


@dataclass
class Run:
    """One finished `failreason run`: its exit status, stdout and stderr."""

    status: int
    out: str
    err: str

    @property
    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = json.loads(self.out)
        return summary


@dataclass
class Connector:
    """`failreason run` with one connector language, against one sandbox."""

    command: str
    sandbox: Sandbox
    folder: Path

    def argv(self, *args: str) -> list[str]:
        return [
            sys.executable, "-m", "failreason", "run", "--entry-command", self.command,
            "--format", "json", *args,
        ]  # fmt: skip

    def env(self, plan: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
        plan_file = write_plan(self.folder / f"plan-{len(list(self.folder.iterdir()))}", plan or {})
        return {
            **os.environ,
            "PYTHONPATH": ENGINE_DIR,
            "PLEO_TOKEN": "sandbox",
            "PLEO_BASE_URL": self.sandbox.base_url,
            "PLEO_TIMEOUT": "5",
            "PLEO_SETTLE_SECONDS": "0.05",
            "CONNECTOR_PLAN": str(plan_file),
            **extra,
        }

    def config(self, configuration: dict[str, Any]) -> str:
        path = self.folder / f"config-{len(list(self.folder.iterdir()))}.json"
        path.write_text(json.dumps(configuration))
        return str(path)

    def run(self, *args: str, plan: dict[str, str] | None = None, **extra: str) -> Run:
        done = subprocess.run(
            self.argv(*args), env=self.env(plan, **extra), capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        return Run(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, plan: dict[str, str] | None = None, **extra: str) -> Any:
        return subprocess.Popen(
            self.argv(*args), env=self.env(plan, **extra), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip


@pytest.fixture(params=sorted(CONNECTORS))
def language(request: pytest.FixtureRequest) -> str:
    """Each connector language this machine has (sh everywhere; Node where it is on PATH)."""
    return str(request.param)


@pytest.fixture
def connector(language: str, tmp_path: Path) -> Iterator[Connector]:
    with Sandbox() as sandbox:
        yield Connector(CONNECTORS[language], sandbox, tmp_path)


def events(sandbox: Sandbox, job_id: str, kind: str) -> int:
    return sum(1 for event in sandbox.events(job_id) if event.event == kind)


def error(envelope: dict[str, Any]) -> str:
    return json.dumps({"error": envelope})
