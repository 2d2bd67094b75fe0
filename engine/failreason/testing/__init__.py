"""Test helpers: a local, Pleo-compatible Export API and the faults it can inject.

    from failreason.testing import FaultPlan, Sandbox

    with Sandbox(token="t", contract=True) as pleo:
        job_id, entry_ids = pleo.create_job(250)
        ...  # point the code under test at pleo.base_url
    assert not pleo.contract_violations

``Sandbox`` serves Pleo's ``/v3`` export endpoints from memory, as strict as Pleo's published
contract and no stricter; ``contract=True`` checks every request and answer against it.
``FaultPlan`` schedules 429s, 5xx, slow, dropped and lost answers. ``contract_watch`` turns the
contract check on for every sandbox made inside it (a pytest fixture can wrap each test in it).
``request_problems`` and ``response_problems`` check one message against the contract.
``FakeAccountingSystem`` is the other side of a connector: an accounting system's entry API
on loopback, idempotent by entry id, that answers scripted real errors, rate limits and late
answers (``Answer``, ``real_errors()``, ``RateLimit``, ``Slow``), with ``post_entry()`` and
``validate()`` functions for the export runner.
"""

from __future__ import annotations

from failreason._contract import request_problems, response_problems
from failreason._fake_accounting import Answer, FakeAccountingSystem, RateLimit, Slow, real_errors
from failreason._sandbox import LogRecord, Sandbox
from failreason._sandbox_contract import ContractWatch
from failreason._sandbox_contract import watching as contract_watch
from failreason._sandbox_faults import FaultPlan, FaultSpecError

__all__ = [
    "Answer",
    "ContractWatch",
    "FakeAccountingSystem",
    "FaultPlan",
    "FaultSpecError",
    "LogRecord",
    "RateLimit",
    "Sandbox",
    "Slow",
    "contract_watch",
    "real_errors",
    "request_problems",
    "response_problems",
]
