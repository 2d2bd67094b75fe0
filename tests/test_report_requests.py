"""How many requests a report makes, and how many it keeps in flight, over real loopback HTTP.

The minimum for a new job of N items: one read of the job, one read of its successful and
one of its failed items (what a resumed run must not send again: nothing yet), one update
per 100 items, one event. Each update's answer says what Pleo holds, so completing reads
nothing back unless an answer left something open.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from failreason import _outcome
from failreason._engine import Engine
from failreason._joblock import JobLocks, lock_path
from failreason._outcome import builtin_job_types
from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import PleoError, PleoSettings
from failreason._policy import RetryPolicy
from failreason._protocol import Context, Reply, Send, Sleep, exchange
from failreason._sandbox import LogRecord, Sandbox
from failreason._sandbox_faults import FaultPlan

POLICY = RetryPolicy(max_attempts=6, base_delay=0.0, max_delay=0.0, max_retry_after=0.0)


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


def minimum(items: int, successful: int = 0, failed: int = 0) -> int:
    """The job, the pages of its successful and of its failed items (one each even when
    there are none), one update per 100 items still to send, the event."""
    pages = max(1, math.ceil(successful / 100)) + max(1, math.ceil(failed / 100))
    return 1 + pages + math.ceil((items - successful - failed) / 100) + 1


def settings(sandbox: Sandbox, concurrency: int) -> PleoSettings:
    return PleoSettings(
        token="sandbox",
        base_url=sandbox.base_url,
        timeout=5,
        settle_seconds=0.01,
        policy=POLICY,
        concurrency=concurrency,
    )


def kinds(log: tuple[LogRecord, ...]) -> list[str]:
    def kind(record: LogRecord) -> str:
        if record.method == "PUT":
            return "update"
        if record.method == "POST":
            return "event"
        return "page" if record.path.endswith("/items") else "job"

    return [kind(record) for record in log]


def report_sync(sandbox: Sandbox, job_id: str, entries: tuple[str, ...], concurrency: int) -> Any:
    with PleoClient(settings=settings(sandbox, concurrency)) as pleo:
        report = pleo.report(job_id)
        for number, entry in enumerate(entries):
            if number % 7 == 3:
                report.failed_as(entry, "tax_code_unknown", "Tax code S25 does not exist")
            else:
                report.succeeded(entry, external_id=f"JE-{number}")
        return report.complete()


def report_async(sandbox: Sandbox, job_id: str, entries: tuple[str, ...], concurrency: int) -> Any:
    async def main() -> Any:
        async with AsyncPleoClient(settings=settings(sandbox, concurrency)) as pleo:
            report = await pleo.report(job_id)
            for number, entry in enumerate(entries):
                if number % 7 == 3:
                    await report.failed_as(entry, "tax_code_unknown", "Tax code S25 does not exist")
                else:
                    await report.succeeded(entry, external_id=f"JE-{number}")
            return await report.complete()

    return asyncio.run(main())


SIZES = [
    pytest.param(run, concurrency, count, id=f"{run.__name__[7:]}-{concurrency}-{count}")
    for count in (1, 100, 101, 1_001)
    for run in (report_sync, report_async)
    for concurrency in (1, 4)
] + [pytest.param(report_sync, 4, 10_000, id="sync-4-10000")]  # the case, once


@pytest.mark.parametrize(("run", "concurrency", "count"), SIZES)
def test_a_report_makes_the_minimum_of_requests(
    run: Callable[..., Any], concurrency: int, count: int
) -> None:
    """Reads first, then one update per 100 items and the event: nothing is read back."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(count)
        outcome = run(sandbox, job_id, entries, concurrency)
        log = sandbox.log
        statuses = [item.status for item in sandbox.items(job_id)]
        events = [e.event for e in sandbox.events(job_id) if e.event != "started"]
    batches = math.ceil(count / 100)
    assert len(log) == minimum(count)
    assert kinds(log) == ["job", "page", "page"] + ["update"] * batches + ["event"]
    assert all(record.status in (200, 202) for record in log)
    assert sandbox.duplicate_item_updates == 0
    failed = sum(1 for number in range(count) if number % 7 == 3)
    assert statuses.count("failed") == failed
    assert statuses.count("successful") == count - failed
    assert events == [outcome.event.event] == ["completed_with_errors" if failed else "completed"]
    assert (outcome.successful, outcome.failed, outcome.sent) == (count - failed, failed, count)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_resumed_report_reads_the_final_items_and_sends_the_rest(concurrency: int) -> None:
    """A run stopped after 450 items: the next reads those pages and sends only the rest."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(1_000)
        with PleoClient(settings=settings(sandbox, concurrency)) as pleo:
            first = pleo.report(job_id)
            for number, entry in enumerate(entries[:450]):  # as ``report_sync`` reports them
                if number % 7 == 3:
                    first.failed_as(entry, "tax_code_unknown", "Tax code S25 does not exist")
                else:
                    first.succeeded(entry, external_id=f"JE-{number}")
            first.flush()
        before = len(sandbox.log)
        outcome = report_sync(sandbox, job_id, entries, concurrency)
        log = sandbox.log[before:]
    assert len(log) == minimum(1_000, successful=386, failed=64)
    assert kinds(log) == ["job"] + ["page"] * 5 + ["update"] * 6 + ["event"]
    assert sandbox.duplicate_item_updates == 0
    assert (outcome.sent, outcome.event.event) == (550, "completed_with_errors")


def test_concurrency_changes_nothing_pleo_ends_up_holding() -> None:
    """One at a time, four at a time, sync or async: the same items, outcome and event."""
    results = []
    for run, concurrency in ((report_sync, 1), (report_sync, 4), (report_async, 4)):
        with Sandbox() as sandbox:
            job_id, entries = sandbox.create_job(
                1_050, entry_ids=[f"00000000-0000-4000-8000-{n:012}" for n in range(1_050)]
            )
            outcome = run(sandbox, job_id, entries, concurrency)
            held = [(i.accounting_entry_id, i.status, i.external_id) for i in sandbox.items(job_id)]
            events = [e.event for e in sandbox.events(job_id)]
            assert sandbox.duplicate_item_updates == 0
        results.append((held, events, outcome.event, outcome.successful, outcome.failed))
    assert results[0] == results[1] == results[2]


class Overlap(httpx.BaseTransport):
    """Loopback HTTP that holds each update until ``together`` are in flight (or a timeout)
    and records how many were in flight at most, and which items each carried."""

    def __init__(self, together: int) -> None:
        self._real = httpx.HTTPTransport()
        self._barrier = threading.Barrier(together, timeout=5)
        self._lock = threading.Lock()
        self.in_flight: list[set[str]] = []
        self.most = 0
        self.met = 0  # updates that found ``together`` in flight
        self.shared: list[set[str]] = []  # items found in two updates in flight at once

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "PUT":
            return self._real.handle_request(request)
        entries = {str(u["accountingEntryId"]) for u in json.loads(request.content)}
        with self._lock:
            self.shared.extend(entries & other for other in self.in_flight if entries & other)
            self.in_flight.append(entries)
            self.most = max(self.most, len(self.in_flight))
        try:
            self._barrier.wait()
            self.met += 1
        except threading.BrokenBarrierError:
            pass  # the last updates of the job are fewer than ``together``
        try:
            return self._real.handle_request(request)
        finally:
            with self._lock:
                self.in_flight.remove(entries)

    def close(self) -> None:
        self._real.close()


def test_the_sync_client_keeps_as_many_updates_in_flight_as_it_is_told() -> None:
    """Four updates meet in flight at once; never five; no item in two of them."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(800)
        transport = Overlap(4)
        with PleoClient(settings=settings(sandbox, 4), transport=transport) as pleo:
            report = pleo.report(job_id)
            for entry in entries:
                report.succeeded(entry)
            outcome = report.complete()
        assert (outcome.event.event, outcome.sent) == ("completed", 800)
        assert sandbox.duplicate_item_updates == 0
    assert transport.most == 4
    assert transport.met == 8  # two rounds of four met at the barrier
    assert transport.shared == []


def test_the_async_client_sends_a_full_batch_while_the_caller_goes_on() -> None:
    """The 100th item returns at once with its batch on the way; the caller reads on."""
    release = asyncio.Event()
    started: list[int] = []

    async def main(sandbox: Sandbox, job_id: str, entries: tuple[str, ...]) -> Any:
        real = httpx.AsyncHTTPTransport()

        async def held(request: httpx.Request) -> httpx.Response:
            if request.method == "PUT":
                started.append(len(started))
                await release.wait()
            response = await real.handle_async_request(request)
            await response.aread()
            return response

        transport = httpx.MockTransport(held)
        async with AsyncPleoClient(settings=settings(sandbox, 1), transport=transport) as pleo:
            report = await pleo.report(job_id)
            for entry in entries[:150]:
                await report.succeeded(entry)  # would wait forever if the batch blocked
            for _ in range(100):
                if started:
                    break
                await asyncio.sleep(0)
            assert (started, len(report.ledger.in_flight)) == ([0], 100)
            release.set()
            for entry in entries[150:]:
                await report.succeeded(entry)
            outcome = await report.complete()
            await real.aclose()
            return outcome

    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(200)
        outcome = asyncio.run(main(sandbox, job_id, entries))
    assert (outcome.event.event, outcome.sent) == ("completed", 200)


def refusing_pleo(request: httpx.Request) -> httpx.Response:
    """A Pleo that lists 150 pending items and refuses every update as the job is finished."""
    job_id = "job-1"
    if request.method == "GET" and request.url.path.endswith("/items"):
        rows = [
            {"accountingEntryId": f"e{n}", "exportJobId": job_id, "status": "pending"}
            for n in range(150)
        ]
        return httpx.Response(200, json={"data": rows, "pagination": {"hasNextPage": False}})
    if request.method == "GET":
        return httpx.Response(200, json={"data": {"id": job_id, "status": "in_progress"}})
    refusal = {"type": "EXPORT_JOB_STATUS_UNPROCESSABLE", "message": "the job is finished"}
    return httpx.Response(422, json=refusal)


def test_an_async_batch_that_failed_raises_at_the_next_call() -> None:
    """The caller learns of a refused batch at its next call, and its items stay queued."""

    async def main() -> tuple[str, int]:
        transport = httpx.MockTransport(refusing_pleo)
        async with AsyncPleoClient(
            token="t", base_url="https://pleo.test", transport=transport
        ) as pleo:
            report = await pleo.report("job-1")
            for n in range(100):
                await report.succeeded(f"e{n}")
            for _ in range(100):
                if not report.ledger.in_flight:
                    break
                await asyncio.sleep(0)
            with pytest.raises(PleoError) as raised:
                await report.succeeded("e100")
            return raised.value.type, len(report.ledger.queued)

    assert asyncio.run(main()) == ("EXPORT_JOB_STATUS_UNPROCESSABLE", 101)


def test_without_an_item_count_the_first_read_lists_every_item() -> None:
    """A job answer without ``numberOfItems``: every item is read, then nothing read back."""
    queries: list[str] = []

    def pleo(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/items"):
            queries.append(str(request.url.query, "ascii"))
        if request.method == "PUT":
            sent = json.loads(request.content)
            return httpx.Response(200, json={"data": sent, "errors": []})
        if request.method == "POST":
            return httpx.Response(202, json={})
        return refusing_pleo(request)

    transport = httpx.MockTransport(pleo)
    with PleoClient(token="t", base_url="https://pleo.test", transport=transport) as client:
        report = client.report("job-1")
        for n in range(150):
            report.succeeded(f"e{n}")
        outcome = report.complete()
    assert queries == ["limit=100"]
    assert (outcome.event.event, outcome.sent) == ("completed", 150)


def test_a_lost_answer_is_read_back_only_as_far_as_its_items() -> None:
    """The first update's answer is lost: one page is read (its items are on it), no resend."""
    count, reads = 1_000, 1 + 2
    plan = FaultPlan.scripted([None] * reads + ["lost"])
    with Sandbox(faults=plan) as sandbox:
        job_id, entries = sandbox.create_job(count)
        outcome = report_sync(sandbox, job_id, entries, 1)
        log = sandbox.log
    assert outcome.event.event == "completed_with_errors"
    assert sandbox.duplicate_item_updates == 0
    assert kinds(log)[reads : reads + 3] == ["update", "page", "update"]
    assert len(log) == minimum(count) + 1  # the one page read back


def test_an_item_no_answer_settled_is_read_back_before_completing() -> None:
    """An item never reported: completing reads Pleo back to be sure, then fails it."""
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(150)
        with PleoClient(settings=settings(sandbox, 4)) as pleo:
            report = pleo.report(job_id)
            for entry in entries[:-1]:
                report.succeeded(entry)
            outcome = report.complete(fail_missing=("unexpected_failure", "Not exported"))
        log = sandbox.log
    assert kinds(log) == [
        "job",
        "page",
        "page",
        "update",
        "update",
        "page",
        "page",
        "update",
        "event",
    ]
    assert (outcome.event.event, outcome.failed) == ("completed_with_errors", 1)


def test_a_429_holds_every_request_of_the_client_not_only_its_own() -> None:
    """Two updates in flight; one gets 429 Retry-After 3: the other waits it out too."""
    now = [100.0]
    base = "https://pleo.test"
    policy = RetryPolicy(base_delay=0.0, max_delay=0.0, max_retry_after=60.0)
    ctx = Context(
        PleoSettings(token="t", base_url=base, policy=policy), JobLocks(base), clock=lambda: now[0]
    )
    first = exchange(ctx, Send("PUT", "/a"), "update a")
    second = exchange(ctx, Send("PUT", "/b"), "update b")
    assert isinstance(next(first), Send)
    assert isinstance(next(second), Send)
    request = httpx.Request("PUT", base + "/a")
    throttled = httpx.Response(429, headers={"Retry-After": "3"}, request=request)
    assert first.send(Reply(throttled)) == Sleep(3.0)
    now[0] += 1.0  # the other update's answer comes a second later: a 503
    unavailable = httpx.Response(503, request=httpx.Request("PUT", base + "/b"))
    assert second.send(Reply(unavailable)) == Sleep(0.0)  # its own backoff is nothing ...
    assert second.send(None) == Sleep(2.0)  # ... but the 429's pause still holds it


def test_a_request_cut_off_mid_body_is_no_request_at_all() -> None:
    """A client killed while sending an update: the sandbox applies and logs nothing."""
    with Sandbox() as sandbox:
        job_id, _ = sandbox.create_job(1)
        host, port = sandbox.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            head = (
                f"PUT /v3/export-jobs/{job_id}/items HTTP/1.1\r\nHost: {host}\r\n"
                "Authorization: Bearer sandbox\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n"
            )
            connection.sendall(head.encode() + b'[{"accountingEntryId": ')
            connection.shutdown(socket.SHUT_WR)
            answer = connection.recv(1024)
        assert (answer, sandbox.log, sandbox.contract_violations) == (b"", (), ())


def test_the_lock_file_keeps_the_latest_of_the_writes_still_unanswered(tmp_path: Path) -> None:
    """With two updates in flight, the first answered leaves the second's moment recorded."""
    locks = JobLocks("https://pleo.test")
    locks.hold("job-1", 90.0)
    first, second = object(), object()
    locks.in_flight("job-1", 1_000.0, first)
    locks.in_flight("job-1", 2_000.0, second)
    locks.in_flight("job-1", 0.0, second)
    recorded = lock_path("https://pleo.test", "job-1").read_text().split()
    locks.in_flight("job-1", 0.0, first)
    cleared = lock_path("https://pleo.test", "job-1").read_text().split()
    locks.release_all()
    assert (float(recorded[1]), float(cleared[1])) == (1_000.0, 0.0)


def test_completing_without_an_engine_reads_only_the_job_type_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No rule set is loaded: every item failed as one type gives that type's job type."""

    def no_rules() -> Engine:
        raise AssertionError("the whole rule set was loaded")

    monkeypatch.setattr(_outcome, "_builtin_engine", no_rules)
    with Sandbox() as sandbox:
        job_id, entries = sandbox.create_job(3)
        with PleoClient(settings=settings(sandbox, 4)) as pleo:
            report = pleo.report(job_id)
            for entry in entries:
                report.failed_as(entry, "missing_configuration", "No journal for purchases")
            outcome = report.complete()
    assert (outcome.event.event, outcome.event.failure_reason_type) == (
        "failed",
        "missing_configuration",
    )


def test_the_job_type_mapping_read_alone_is_the_loaded_rule_sets(engine: Engine) -> None:
    """Read from its one file, the mapping is what loading every rule file gives."""
    assert dict(builtin_job_types()) == dict(engine.job_failure_types)
    assert builtin_job_types()  # not empty: the file was found and read
