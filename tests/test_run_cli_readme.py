"""The README's Node connector (tests/connectors/readme-post-entry.js) under `failreason run`,
against the sandbox and a fake accounting system.

Generated only where ``node`` is on PATH (pytest's header says which connectors run); the
same scenarios run everywhere with the sh connector in test_run_cli_e2e.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from failreason.testing import FakeAccountingSystem, RateLimit, Sandbox, real_errors
from tests.connectors import HERE, NODE

EXAMPLE = HERE / "readme-post-entry.js"
ENGINE_DIR = str(Path(__file__).parents[1] / "engine")
CONFIGURED = {"journals": {"Purchases": "PJ"}, "default_expense_account": "6999"}


def test_the_readme_connector_is_under_25_lines() -> None:
    """The README promises a whole connector in under 25 lines of Node."""
    assert len(EXAMPLE.read_text(encoding="utf-8").splitlines()) < 25


def test_the_readme_shows_the_connector_the_tests_run() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"```js\n{EXAMPLE.read_text(encoding='utf-8')}```" in readme


def run(pleo: Sandbox, erp_url: str, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    config = tmp_path / "connector.json"
    config.write_text(json.dumps(CONFIGURED))
    env = {
        **os.environ,
        "PYTHONPATH": ENGINE_DIR,
        "PLEO_TOKEN": "sandbox",
        "PLEO_BASE_URL": pleo.base_url,
        "ERP_URL": erp_url,
    }
    command = [
        sys.executable, "-m", "failreason", "run", "--entry-command", f"{NODE} {EXAMPLE}",
        "--config", str(config), "--format", "json", *args,
    ]  # fmt: skip
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout or "{}")


if NODE is not None:  # not generated without node: see the module's docstring

    def test_the_readme_connector_exports_a_job(tmp_path: Path) -> None:
        """Entries made in the accounting system, its refusal classified, a 429 retried."""
        refusal = real_errors(types=["vendor_unknown"])[0]
        with Sandbox() as pleo, FakeAccountingSystem() as erp:
            job_id, entries = pleo.create_job(5, start=False)
            erp.script(entries[1], refusal)
            erp.script(entries[2], RateLimit(retry_after=0))
            status, summary = run(pleo, erp.base_url, tmp_path, "--system", refusal.system or "")
            items = {item.accounting_entry_id: item for item in pleo.items(job_id)}
            made = {entry.accounting_entry_id: entry for entry in erp.entries}
        assert (status, summary["result"], summary["retries"]) == (1, "completed_with_errors", 1)
        assert items[entries[1]].failure_reason_type == "vendor_unknown"
        assert set(made) == set(entries) - {entries[1]}
        for entry, entry_made in made.items():
            assert (items[entry].external_id, items[entry].external_url) == (
                entry_made.id,
                entry_made.url,
            )

    def test_the_readme_connector_fails_the_job_it_cannot_reach(tmp_path: Path) -> None:
        """--validate: refused credentials, and an accounting system that is gone, fail the job."""
        with Sandbox() as pleo, FakeAccountingSystem() as erp:
            refused, _ = pleo.create_job(2, start=False)
            erp.set_health(401)
            assert run(pleo, erp.base_url, tmp_path, "--validate")[0] == 1
            credentials = pleo.job(refused).failure_reason_type
            gone = erp.base_url
        assert credentials == "accounting_system_authentication_failure"
        assert not erp.entries
        with Sandbox() as pleo:
            unreachable, _ = pleo.create_job(2, start=False)
            status, summary = run(pleo, gone, tmp_path, "--validate")
            assert (status, summary["result"]) == (1, "failed")
            assert pleo.job(unreachable).failure_reason_type == "accounting_system_unreachable"
