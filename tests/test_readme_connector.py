"""The README's complete connector runs as its own program against the sandbox and a fake
accounting system, and exports every waiting job."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from failreason.testing import FakeAccountingSystem, Sandbox, real_errors

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def connector_source() -> str:
    [source] = re.findall(r'```python title="connector.py"\n(.*?)```', README, flags=re.DOTALL)
    return str(source)


def test_the_connector_is_under_forty_lines() -> None:
    assert len(connector_source().splitlines()) < 40


def test_the_readme_connector_exports_every_waiting_job(tmp_path: Path) -> None:
    connector = tmp_path / "connector.py"
    connector.write_text(connector_source(), encoding="utf-8")
    refusal = real_errors(types=["vendor_unknown"])[0]
    with Sandbox() as pleo, FakeAccountingSystem() as erp:
        first, entries = pleo.create_job(30, start=False)
        second, _ = pleo.create_job(5, start=False)
        erp.script(entries[4], refusal)
        env = {
            **os.environ,
            "PLEO_TOKEN": "sandbox",
            "PLEO_BASE_URL": pleo.base_url,
            "ERP_URL": erp.base_url,
            "ERP_JOURNAL": "PJ",
            "ERP_SUSPENSE": "6999",
            "ERP_SYSTEM": refusal.system or "",
        }
        done = subprocess.run(
            [sys.executable, str(connector)], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        outcomes = [[event.event for event in pleo.events(job)] for job in (first, second)]
        vendor = next(item for item in pleo.items(first) if item.accounting_entry_id == entries[4])
        made = {entry.accounting_entry_id for entry in erp.entries}
    assert outcomes == [["started", "completed_with_errors"], ["started", "completed"]]
    assert vendor.failure_reason_type == "vendor_unknown"
    assert len(made) == 34
    assert done.stdout.splitlines() == [
        f"export job {first} completed_with_errors: 30 items final",
        f"export job {second} completed: 5 items final",
    ]


def test_without_a_journal_every_item_fails_with_the_seeds_words(tmp_path: Path) -> None:
    connector = tmp_path / "connector.py"
    connector.write_text(connector_source(), encoding="utf-8")
    with Sandbox() as pleo, FakeAccountingSystem() as erp:
        job, _ = pleo.create_job(3, start=False)
        env = {
            **os.environ,
            "PLEO_TOKEN": "sandbox",
            "PLEO_BASE_URL": pleo.base_url,
            "ERP_URL": erp.base_url,
        }
        env.pop("ERP_JOURNAL", None)
        done = subprocess.run(
            [sys.executable, str(connector)], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        reasons = {item.failure_reason for item in pleo.items(job)}
        assert not erp.entries
    assert reasons == {"Journal Purchases missing: provide journal Purchases in the configurations"}
