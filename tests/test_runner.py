"""The export runner end to end over real HTTP against the sandbox: find, claim, validate,
read, pre-check, post, classify, report, keep alive, complete."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

import failreason
from failreason._run_flow import export_items
from failreason._wire import ExportJob
from failreason.testing import Sandbox
from tests.runner_support import TOKEN, Ledger, SharedClock, events, pleo_on, statuses

SEED_JOURNAL = "Journal Purchases missing: provide journal Purchases in the configurations"


def http_error(status: int, body: object, url: str, headers: Mapping[str, str] = {}) -> Exception:
    """What httpx raises for the accounting system's error answer (raise_for_status)."""
    response = httpx.Response(
        status, json=body, headers=dict(headers), request=httpx.Request("POST", url)
    )
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        return error
    raise AssertionError("not an error status")


FORTNOX_NO_SUPPLIER = http_error(
    404,
    {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta leverantören."}},
    "https://api.fortnox.se/3/supplierinvoices",
)
QBO_NO_ACCOUNT = http_error(
    400,
    {
        "Fault": {
            "Error": [
                {
                    "Message": "Invalid Reference Id",
                    "Detail": "Invalid Reference Id : Accounts element id 7 not found",
                    "code": "2500",
                }
            ],
            "type": "ValidationFault",
        }
    },
    "https://quickbooks.api.intuit.com/v3/company/1/purchase",
)
VENDOR_REASON = (
    "Selected vendor cannot be processed because it does not exist or is currently blocked. "
    "Please verify the vendor's status in the accounting system and try again."
)


def mapped() -> failreason.ExportConfiguration:
    """A configuration under which every sandbox item passes the pre-checks."""
    return failreason.ExportConfiguration(
        journals={"Purchases": "PJ"}, default_expense_account="6999"
    )


def test_a_job_is_started_posted_classified_and_completed_once(engine: failreason.Engine) -> None:
    ledger = Ledger()
    failing: dict[str, Exception] = {}

    def post(item: Mapping[str, Any]) -> failreason.Posted:
        entry = item["accountingEntryId"]
        if entry in failing:
            raise failing[entry]
        return ledger.post(item)

    with Sandbox(token=TOKEN) as sandbox:
        job_id, entries = sandbox.create_job(130, start=False)
        failing[entries[3]] = FORTNOX_NO_SUPPLIER
        failing[entries[77]] = QBO_NO_ACCOUNT
        failing[entries[100]] = httpx.ConnectError("[Errno 111] Connection refused")
        with pleo_on(sandbox) as pleo:
            summary = failreason.run_export(pleo, post, engine=engine, configuration=mapped())
        held = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
        assert events(sandbox, job_id) == ["started", "completed_with_errors"]
        assert sandbox.duplicate_item_updates == 0
        assert max(r.item_count or 0 for r in sandbox.log if r.method == "PUT") <= 100
    assert (summary.result, summary.successful, summary.failed) == ("completed_with_errors", 127, 3)
    assert held[entries[3]].failure_reason == VENDOR_REASON
    assert held[entries[77]].failure_reason == (
        "Account No. 7 does not exist in the Accounting System. Check Category."
    )
    assert held[entries[100]].failure_reason_type == "accounting_system_unreachable"
    ok = held[entries[0]]
    assert (ok.status, ok.external_id) == ("successful", ledger.entries[entries[0]])
    assert set(ledger.calls) == set(entries) - {entries[3], entries[77], entries[100]}


def test_the_oldest_pending_job_goes_first_and_one_job_per_run(engine: failreason.Engine) -> None:
    ledger, clock = Ledger(), SharedClock()
    with Sandbox(token=TOKEN, clock=clock) as sandbox:
        first, _ = sandbox.create_job(2, start=False)
        clock.advance(60)
        second, _ = sandbox.create_job(2, start=False)
        with pleo_on(sandbox) as pleo:
            runs = [
                failreason.run_export(pleo, ledger.post, engine=engine, configuration=mapped())
                for _ in range(3)
            ]
    assert [(run.result, run.job_id) for run in runs] == [
        ("completed", first),
        ("completed", second),
        ("no_job", None),
    ]


def test_an_interrupted_job_is_resumed_only_on_recovery_and_never_restarted(
    engine: failreason.Engine,
) -> None:
    ledger = Ledger()
    with Sandbox(token=TOKEN) as sandbox:
        job_id, entries = sandbox.create_job(5, start=True)  # started by a run that died
        with pleo_on(sandbox) as pleo:
            report = pleo.report(job_id, engine)
            report.succeeded(entries[0], external_id="JE-1")
            report.flush()
            assert failreason.run_export(pleo, ledger.post, engine=engine).result == "no_job"
            named = failreason.run_export(pleo, ledger.post, engine=engine, job_id=job_id)
            assert named.result == "taken"  # in progress and not recovering: someone else's
            summary = failreason.run_export(
                pleo, ledger.post, engine=engine, recover=True, configuration=mapped()
            )
        assert events(sandbox, job_id) == ["completed"]  # no second `started`
    assert (summary.resumed, summary.already_final, summary.successful) == (True, 1, 4)
    assert entries[0] not in ledger.calls


def test_a_worker_that_finds_the_job_started_by_another_stops_cleanly(
    engine: failreason.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger()
    with Sandbox(token=TOKEN) as sandbox:
        job_id, _ = sandbox.create_job(3, start=False)
        with pleo_on(sandbox) as ours, pleo_on(sandbox) as theirs:
            read = ours.job

            def read_then_lose_the_race(wanted: str) -> ExportJob:
                job = read(wanted)  # pending when read...
                theirs.start(wanted)  # ...and started by the other worker before our claim
                return job

            monkeypatch.setattr(ours, "job", read_then_lose_the_race)
            summary = failreason.run_export(ours, ledger.post, engine=engine, job_id=job_id)
        assert events(sandbox, job_id) == ["started"]
        assert [r.status for r in sandbox.log if r.method == "POST"] == [202, 422]
    assert summary.result == "taken"
    assert "another worker" in summary.message
    assert not ledger.calls


def test_two_runners_racing_for_one_job_export_it_once(engine: failreason.Engine) -> None:
    ledger = Ledger()
    with Sandbox(token=TOKEN) as sandbox:
        job_id, _entries = sandbox.create_job(40, start=False)
        start = threading.Barrier(2)
        results: list[str] = []

        def runner() -> None:
            with pleo_on(sandbox) as pleo:
                start.wait()
                summary = failreason.run_export(
                    pleo, ledger.post, engine=engine, job_id=job_id, configuration=mapped()
                )
                results.append(summary.result)

        threads = [threading.Thread(target=runner) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert events(sandbox, job_id) == ["started", "completed"]
        assert sandbox.duplicate_item_updates == 0
    assert sorted(results) == ["completed", "taken"]
    assert all(count == 1 for count in ledger.calls.values())
    assert len(ledger.calls) == 40


@pytest.mark.parametrize(
    ("error", "job_type"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "accounting_system_unreachable"),
        (
            http_error(
                401,
                {
                    "ErrorInformation": {
                        "Error": 1,
                        "Message": "Kan inte logga in, access-token eller client-secret saknas.",
                        "Code": 2000311,
                    }
                },
                "https://api.fortnox.se/3/companyinformation",
            ),
            "accounting_system_authentication_failure",
        ),
    ],
)
def test_failed_pre_export_validation_fails_the_job_before_any_item(
    engine: failreason.Engine, error: Exception, job_type: str
) -> None:
    ledger = Ledger()

    def validate(job: Mapping[str, Any]) -> None:
        raise error

    with Sandbox(token=TOKEN) as sandbox:
        job_id, _entries = sandbox.create_job(4, start=False)
        with pleo_on(sandbox) as pleo:
            summary = failreason.run_export(pleo, ledger.post, engine=engine, validate=validate)
        job = sandbox.job(job_id)
        assert events(sandbox, job_id) == ["started", "failed"]
        assert set(statuses(sandbox, job_id).values()) == {"abandoned"}
        assert not any(r.path.startswith("/v3/export-items") for r in sandbox.log)
    assert (summary.result, job.failure_reason_type) == ("failed", job_type)
    assert not ledger.calls


def test_pre_checks_fail_items_with_the_seeds_words_without_calling_the_system(
    engine: failreason.Engine,
) -> None:
    ledger = Ledger()
    with Sandbox(token=TOKEN) as sandbox:
        job_id, _entries = sandbox.create_job(6, start=False)
        with pleo_on(sandbox) as pleo:
            configuration = failreason.ExportConfiguration(journals={"Purchases": None})
            summary = failreason.run_export(
                pleo, ledger.post, engine=engine, configuration=configuration
            )
        held = sandbox.items(job_id)
        assert events(sandbox, job_id) == ["started", "failed"]
    assert {(i.failure_reason_type, i.failure_reason) for i in held} == {
        ("missing_configuration", SEED_JOURNAL)
    }
    assert summary.prechecked == 6
    assert not ledger.calls


def test_an_expense_line_without_a_mapped_account_fails_its_item_alone(
    engine: failreason.Engine,
) -> None:
    ledger = Ledger()
    with Sandbox(token=TOKEN) as sandbox:
        job_id, entries = sandbox.create_job(60, start=False)
        with pleo_on(sandbox) as pleo:
            data = pleo._run(export_items(pleo._ctx, job_id))
            codes = {
                line["account"]["code"]
                for item in data
                for line in item["accountingEntryLines"]
                if line["account"]
            }
            unmapped = sorted(codes)[0]
            configuration = failreason.ExportConfiguration(
                expense_accounts={code: f"AS-{code}" for code in codes - {unmapped}},
                default_expense_account="6999",
            )
            summary = failreason.run_export(
                pleo, ledger.post, engine=engine, configuration=configuration
            )
        held = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
    expected = {
        item["accountingEntryId"]
        for item in data
        if any(
            (line["account"] or {}).get("code") == unmapped for line in item["accountingEntryLines"]
        )
    }
    failed = {entry for entry, item in held.items() if item.status == "failed"}
    assert failed == expected
    assert expected
    assert {held[e].failure_reason for e in failed} == {
        f"Account {unmapped} missing: provide account {unmapped} in the configurations"
    }
    assert set(ledger.calls) == set(entries) - expected
    assert summary.result == "completed_with_errors"


def test_retryable_errors_are_tried_again_and_the_last_word_is_reported(
    engine: failreason.Engine,
) -> None:
    calls: dict[str, int] = {}
    waits: list[float] = []
    rate_limited = http_error(
        429,
        {"message": "Too Many Requests"},
        "https://api.xero.com/api.xro/2.0/Invoices",
        {"Retry-After": "7"},
    )

    def post(item: Mapping[str, Any]) -> failreason.Posted:
        entry = item["accountingEntryId"]
        calls[entry] = calls.get(entry, 0) + 1
        if entry == entries[0] and calls[entry] == 1:
            raise rate_limited  # once, then it goes through
        if entry == entries[1]:
            raise httpx.ReadTimeout("timed out")  # every time
        return failreason.Posted(external_id=f"JE-{entry[:4]}")

    with Sandbox(token=TOKEN) as sandbox:
        job_id, entries = sandbox.create_job(3, start=False)
        with pleo_on(sandbox) as pleo:
            runner = failreason.ExportRunner(
                pleo, post, engine=engine, configuration=mapped(), attempts=3, sleep=waits.append
            )
            summary = runner.run()
        held = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
    assert calls == {entries[0]: 2, entries[1]: 3, entries[2]: 1}
    assert held[entries[0]].status == "successful"
    assert held[entries[1]].failure_reason_type == "accounting_system_timeout"
    assert waits[0] == 7 or 7 in waits  # the accounting system's Retry-After is honoured
    assert summary.retries == 3


def test_a_job_longer_than_the_expiry_window_is_kept_alive(engine: failreason.Engine) -> None:
    """One call runs 4,000 seconds by the shared clock (the job expires 3,600 seconds after
    its last update): the runner restates the item as in progress while it runs."""
    clock = SharedClock()
    ledger = Ledger()

    def slow_post(item: Mapping[str, Any]) -> failreason.Posted:
        if item["accountingEntryId"] == entries[0]:
            for _ in range(8):
                clock.advance(500)
                time.sleep(0.02)  # real time for the runner to look at the clock
        return ledger.post(item)

    with Sandbox(token=TOKEN, clock=clock, expiry_seconds=3600) as sandbox:
        job_id, entries = sandbox.create_job(2, start=False)
        with pleo_on(sandbox, clock=clock) as pleo:
            summary = failreason.run_export(
                pleo,
                slow_post,
                engine=engine,
                configuration=mapped(),
                concurrency=1,
                poll_interval=0.005,
            )
        heartbeats = [r for r in sandbox.log if r.method == "PUT" and r.item_count == 1]
        assert events(sandbox, job_id) == ["started", "completed"]
    assert summary.result == "completed"
    assert len(heartbeats) >= 5


def test_without_keeping_alive_the_same_job_expires(engine: failreason.Engine) -> None:
    """The test above, with keep-alive pushed past the run: Pleo expires the job."""
    clock = SharedClock()

    def slow_post(item: Mapping[str, Any]) -> failreason.Posted:
        for _ in range(8):
            clock.advance(500)
        return failreason.Posted(external_id="JE-1")

    with Sandbox(token=TOKEN, clock=clock, expiry_seconds=3600) as sandbox:
        sandbox.create_job(1, start=False)
        with (
            pleo_on(sandbox, clock=clock) as pleo,
            pytest.raises(failreason.PleoError, match="expired"),
        ):
            failreason.run_export(
                pleo, slow_post, engine=engine, configuration=mapped(), keep_alive_every=1e9
            )


def test_stop_run_reports_what_was_done_and_a_recovery_run_finishes(
    engine: failreason.Engine,
) -> None:
    ledger = Ledger()

    def broken_after_five(item: Mapping[str, Any]) -> failreason.Posted:
        if len(ledger.calls) >= 5 and item["accountingEntryId"] not in ledger.calls:
            raise failreason.StopRunError("the connector lost its database")
        return ledger.post(item)

    with Sandbox(token=TOKEN) as sandbox:
        job_id, _entries = sandbox.create_job(12, start=False)
        with pleo_on(sandbox) as pleo:
            with pytest.raises(failreason.StopRunError):
                failreason.run_export(
                    pleo, broken_after_five, engine=engine, configuration=mapped(), concurrency=1
                )
            done = [e for e, status in statuses(sandbox, job_id).items() if status == "successful"]
            assert sorted(done) == sorted(ledger.calls)  # what the system took reached Pleo
            summary = failreason.run_export(
                pleo, ledger.post, engine=engine, configuration=mapped(), recover=True
            )
        assert events(sandbox, job_id) == ["started", "completed"]
    assert (summary.already_final, summary.successful) == (5, 7)


def test_the_async_runner_exports_the_same_way(engine: failreason.Engine) -> None:
    ledger = Ledger()

    async def post(item: Mapping[str, Any]) -> failreason.Posted:
        if item["accountingEntryId"] == entries[1]:
            raise FORTNOX_NO_SUPPLIER
        await asyncio.sleep(0)
        return ledger.post(item)

    async def run(base_url: str) -> failreason.RunSummary:
        settings = failreason.PleoSettings(token=TOKEN, base_url=base_url)
        async with failreason.AsyncPleoClient(settings=settings) as pleo:
            return await failreason.run_export_async(
                pleo, post, engine=engine, configuration=mapped()
            )

    with Sandbox(token=TOKEN) as sandbox:
        job_id, entries = sandbox.create_job(25, start=False)
        summary = asyncio.run(run(sandbox.base_url))
        held = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
        assert events(sandbox, job_id) == ["started", "completed_with_errors"]
    assert (summary.successful, summary.failed) == (24, 1)
    assert held[entries[1]].failure_reason == VENDOR_REASON
