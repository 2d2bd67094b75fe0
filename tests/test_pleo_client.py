"""The sync client's edge cases, scripted with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

import failreason
from failreason._outcome import ReportOutcome
from failreason._pleo import PleoClient
from failreason._pleo_async import AsyncPleoClient
from failreason._pleo_http import IncompleteJobError, JobNotReportableError, PleoError
from failreason._policy import SPEC_JOB_FAILURE_TYPES

JOB = "job-1"


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Job locks in a directory of this test's own, not shared with other runs."""
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]


class FakePleo:
    """Just enough of Pleo for scripted cases; ``script`` answers chosen requests first."""

    def __init__(self, entries: int = 3, status: str = "in_progress") -> None:
        self.job: dict[str, Any] = {"id": JOB, "status": status}
        self.items = {
            f"e{i}": {"accountingEntryId": f"e{i}", "status": "pending"} for i in range(entries)
        }
        self.script: list[Callable[[httpx.Request], httpx.Response | None]] = []
        self.requests: list[httpx.Request] = []
        self.events: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        while self.script:
            answer = self.script.pop(0)(request)
            if answer is not None:
                return answer
            break
        return self.answer(request)

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path.endswith("/items"):
            data = list(self.items.values())
            return httpx.Response(200, json={"data": data, "pagination": {"hasNextPage": False}})
        if request.method == "GET":
            return httpx.Response(200, json={"data": self.job})
        if request.method == "PUT":
            return self.put(json.loads(request.content))
        event = json.loads(request.content)
        if self.job["status"] != "in_progress":
            body = {"type": "INVALID_EXPORT_JOB_STATUS_CHANGE", "message": "already final"}
            return httpx.Response(422, json=body)
        self.events.append(event)
        self.job["status"] = event["event"] if event["event"] != "started" else "in_progress"
        return httpx.Response(202, json={})

    def put(self, updates: list[dict[str, Any]]) -> httpx.Response:
        data, errors = [], []
        for update in updates:
            entry = update["accountingEntryId"]
            if entry not in self.items:
                errors.append(
                    {
                        "accountingEntryId": entry,
                        "type": "ACCOUNTING_ENTRY_DOES_NOT_EXIST",
                        "message": "no such entry",
                    }
                )
                continue
            self.items[entry].update(update)
            data.append(self.items[entry])
        return httpx.Response(200, json={"data": data, "errors": errors})


def client(fake: FakePleo, slept: list[float] | None = None) -> PleoClient:
    return PleoClient(
        token="t",
        base_url="https://pleo.test",
        transport=httpx.MockTransport(fake),
        sleep=(slept.append if slept is not None else lambda _: None),
    )


def once(response: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: response


def test_happy_path_posts_items_then_one_completed_event() -> None:
    """Three successes: one PUT with three items, then exactly one `completed` event."""
    fake = FakePleo()
    with client(fake) as pleo:
        report = pleo.report(JOB)
        for entry in fake.items:
            report.succeeded(entry, external_id=f"JE-{entry}")
        outcome = report.complete()
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert [len(json.loads(r.content)) for r in puts] == [3]
    assert fake.events == [{"event": "completed", "jobId": JOB}]
    assert (outcome.successful, outcome.failed, outcome.sent) == (3, 0, 3)
    assert puts[0].headers["authorization"] == "Bearer t"


def test_api_key_is_basic_auth_with_empty_password() -> None:
    """An API key goes as HTTP Basic user name with an empty password."""
    fake = FakePleo()
    with PleoClient(
        api_key="k", base_url="https://pleo.test", transport=httpx.MockTransport(fake)
    ) as pleo:
        pleo.job(JOB)
    scheme, credential = fake.requests[0].headers["authorization"].split()
    assert (scheme, base64.b64decode(credential)) == ("Basic", b"k:")


@pytest.mark.parametrize(
    ("retry_after", "expected_sleep"),
    [
        pytest.param("7", 7.0, id="seconds"),
        pytest.param("Thu, 01 Jan 1970 00:00:00 GMT", 0.0, id="past-date"),
    ],
)
def test_429_is_retried_after_the_wait_pleo_asks_for(
    retry_after: str, expected_sleep: float
) -> None:
    """A 429 with Retry-After sleeps at least that long, then sends again."""
    fake = FakePleo()
    slept: list[float] = []
    with client(fake, slept) as pleo:
        fake.script.append(once(httpx.Response(429, headers={"Retry-After": retry_after})))
        job = pleo.job(JOB)
    assert job["status"] == "in_progress"
    assert len(slept) == 1
    assert slept[0] >= expected_sleep


def test_other_4xx_raise_with_pleos_type_and_message() -> None:
    """A 404 is not retried and raises PleoError carrying Pleo's error body."""
    fake = FakePleo()
    fake.script.append(
        once(httpx.Response(404, json={"type": "export_not_found", "message": "nope"}))
    )
    with client(fake) as pleo, pytest.raises(PleoError) as caught:
        pleo.job(JOB)
    assert (caught.value.status, caught.value.type) == (404, "EXPORT_NOT_FOUND")
    assert "nope" in str(caught.value)
    assert len(fake.requests) == 1


def test_per_item_errors_in_a_200_are_surfaced() -> None:
    """An item Pleo refuses inside a 200 is a rejection, and blocks completion naming it."""
    fake = FakePleo(entries=1)
    with client(fake) as pleo:
        report = pleo.report(JOB)
        report.succeeded("e0")
        report.succeeded("ghost")
        report.flush()
        assert [r.type for r in report.ledger.rejected.values()] == [
            "ACCOUNTING_ENTRY_DOES_NOT_EXIST"
        ]
        outcome = report.complete()
    assert outcome.rejected[0].accounting_entry_id == "ghost"


def test_refuses_to_complete_while_items_are_not_final() -> None:
    """Completing early raises IncompleteJobError naming the items, and posts no event."""
    fake = FakePleo()
    with client(fake) as pleo:
        report = pleo.report(JOB)
        report.succeeded("e0")
        with pytest.raises(IncompleteJobError, match="2 items without a final status") as caught:
            report.complete()
    assert caught.value.missing == ["e1", "e2"]
    assert fake.events == []


def test_missing_items_can_be_failed_instead() -> None:
    """With fail_missing, the leftover items are failed with the given reason, then completed."""
    fake = FakePleo()
    with client(fake) as pleo:
        report = pleo.report(JOB)
        report.succeeded("e0")
        outcome = report.complete(
            fail_missing=("unexpected_failure", "Not exported: connector stopped")
        )
    assert fake.items["e1"]["failureReason"] == "Not exported: connector stopped"
    assert outcome.event.event == "completed_with_errors"


def test_failed_items_are_classified_by_the_rules() -> None:
    """report.failed classifies the raw error and sends Pleo's type and reason."""
    fake = FakePleo(entries=1)
    with client(fake) as pleo:
        report = pleo.report(JOB, failreason.load())
        result = report.failed(
            "e0",
            {"stage": "validation", "code": "missing_journal", "params": {"journal": "Purchases"}},
        )
        report.complete()
    assert fake.items["e0"]["failureReason"] == result.failure_reason
    assert fake.events[0]["event"] == "failed"


def landed_then_502(fake: FakePleo) -> Callable[[httpx.Request], httpx.Response | None]:
    """The completion lands, but a proxy answers 502: no read-back, the retry gets a 422."""

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.method != "POST":
            fake.script.insert(0, answer)
            return None
        fake.answer(request)  # the event lands ...
        return httpx.Response(502)  # ... and only a gateway error comes back

    return answer


def test_retried_completion_answered_422_is_success_when_the_job_shows_it() -> None:
    """The first completion lands but its answer is lost; the retry's 422 is read as success."""
    fake = FakePleo(entries=1)
    with client(fake) as pleo:
        report = pleo.report(JOB)
        report.succeeded("e0")
        fake.script.append(landed_then_502(fake))
        outcome = report.complete()
    assert outcome.event.event == "completed"
    assert len(fake.events) == 1
    assert [r.method for r in fake.requests][-3:] == ["POST", "POST", "GET"]


def test_async_retried_completion_answered_422_is_success_when_the_job_shows_it() -> None:
    """The async client reads a 422 after a landed completion as success, too."""
    fake = FakePleo(entries=1)

    async def body(pleo: AsyncPleoClient) -> ReportOutcome:
        report = await pleo.report(JOB)
        await report.succeeded("e0")
        fake.script.append(landed_then_502(fake))
        return await report.complete()

    assert run_async(fake, body).event.event == "completed"
    assert len(fake.events) == 1


def test_unanswered_update_is_read_back_before_sending_again() -> None:
    """An update whose answer was lost is not sent twice when Pleo already holds it."""
    fake = FakePleo(entries=2)

    def lost_put(request: httpx.Request) -> httpx.Response | None:
        if request.method != "PUT":
            fake.script.insert(0, lost_put)
            return None
        fake.answer(request)
        raise httpx.RemoteProtocolError("connection dropped", request=request)

    with client(fake) as pleo:
        report = pleo.report(JOB)
        fake.script.append(lost_put)
        report.succeeded("e0")
        report.succeeded("e1")
        report.complete()
    assert len([r for r in fake.requests if r.method == "PUT"]) == 1
    assert fake.events == [{"event": "completed", "jobId": JOB}]


@pytest.mark.parametrize(
    ("job", "message"),
    [
        pytest.param({"status": "completed"}, "already completed", id="finished"),
        pytest.param(
            {"status": "failed", "expiredAt": "2026-11-21T10:00:00Z"}, "expired", id="expired"
        ),
        pytest.param({"status": "pending"}, "post its `started` event", id="pending"),
    ],
)
def test_unreportable_jobs_are_clear_errors(job: dict[str, Any], message: str) -> None:
    """An expired, finished or unstarted job is an error at once, not a loop of 422s."""
    fake = FakePleo()
    fake.job.update(job)
    with client(fake) as pleo, pytest.raises(JobNotReportableError, match=message):
        pleo.report(JOB)


def run_async(fake: FakePleo, body: Callable[[AsyncPleoClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async def no_sleep(_: float) -> None:
            return None

        transport = httpx.MockTransport(fake)
        async with AsyncPleoClient(
            token="t", base_url="https://pleo.test", transport=transport, sleep=no_sleep
        ) as pleo:
            return await body(pleo)

    return asyncio.run(main())


def test_async_client_reports_and_completes_once() -> None:
    """The async client sends the same batches and the one event the sync client does."""
    fake = FakePleo(entries=150)
    fake.script.append(once(httpx.Response(503)))

    async def body(pleo: AsyncPleoClient) -> ReportOutcome:
        report = await pleo.report(JOB)
        for index, entry in enumerate(list(fake.items)):
            if index % 3:
                await report.succeeded(entry, external_id=f"JE-{index}")
            else:
                await report.failed(entry, {"status": 429})
        return await report.complete()

    outcome = run_async(fake, body)
    puts = [len(json.loads(r.content)) for r in fake.requests if r.method == "PUT"]
    assert puts == [100, 50]
    assert (outcome.successful, outcome.failed) == (100, 50)
    assert fake.events == [{"event": "completed_with_errors", "jobId": JOB}]


def test_async_client_refuses_to_complete_early() -> None:
    """The async client also names the items without a final status."""
    fake = FakePleo(entries=2)

    async def body(pleo: AsyncPleoClient) -> ReportOutcome:
        report = await pleo.report(JOB)
        await report.succeeded("e0")
        return await report.complete()

    with pytest.raises(IncompleteJobError) as caught:
        run_async(fake, body)
    assert caught.value.missing == ["e1"]


@pytest.mark.parametrize(
    ("failure", "wait"),
    [
        pytest.param(httpx.ReadTimeout, 30.0, id="timed-out: Pleo may still apply it"),
        pytest.param(httpx.RemoteProtocolError, 0.2, id="closed: Pleo is done with it"),
    ],
)
def test_the_read_back_waits_longest_after_a_timeout(
    failure: type[httpx.TransportError], wait: float
) -> None:
    """After a timeout the read-back waits ``settle_seconds``; after a closed one, briefly."""
    fake = FakePleo(entries=1)

    def unanswered(request: httpx.Request) -> httpx.Response | None:
        if request.method != "PUT":
            fake.script.insert(0, unanswered)
            return None
        fake.answer(request)
        raise failure("no answer", request=request)

    slept: list[float] = []
    no_backoff = failreason.RetryPolicy(base_delay=0, max_delay=0)
    settings = failreason.PleoSettings(
        token="t", base_url="https://pleo.test", timeout=10, settle_seconds=30, policy=no_backoff
    )
    with PleoClient(
        settings=settings, transport=httpx.MockTransport(fake), sleep=slept.append
    ) as pleo:
        report = pleo.report(JOB)
        fake.script.append(unanswered)
        report.succeeded("e0")
        report.complete()
    assert slept == [0.0, wait]  # no backoff, then one read finds the update landed
    assert len([r for r in fake.requests if r.method == "PUT"]) == 1


class EnumEnforcingPleo(FakePleo):
    """A FakePleo that refuses job failureReasonType values outside Pleo's published enum."""

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            kind = json.loads(request.content).get("failureReasonType")
            if kind is not None and kind not in SPEC_JOB_FAILURE_TYPES:
                body = {"type": "BAD_REQUEST", "message": f"failureReasonType {kind} is invalid"}
                return httpx.Response(400, json=body)
        return super().answer(request)


def all_failed(fake: FakePleo) -> list[tuple[str, dict[str, Any]]]:
    """Every entry failed, with two types no single job type stands for."""
    raws: list[dict[str, Any]] = [
        {"stage": "validation", "code": "missing_journal"},
        {"status": 429},
    ]
    return [(entry, raws[i % 2]) for i, entry in enumerate(fake.items)]


def test_sync_completion_survives_pleo_refusing_the_seed_job_type() -> None:
    """The sync client posts the default, then validation_failure, and says it did."""
    fake = EnumEnforcingPleo(entries=2)
    with client(fake) as pleo:
        report = pleo.report(JOB)
        for entry, raw in all_failed(fake):
            report.failed(entry, raw)
        outcome = report.complete()
    assert [e["failureReasonType"] for e in fake.events] == ["validation_failure"]
    assert outcome.job_type_fallback == "accounting_system_validation_failure"
    assert fake.job["status"] == "failed"


def test_async_completion_survives_pleo_refusing_the_seed_job_type() -> None:
    """The async client falls back the same way."""
    fake = EnumEnforcingPleo(entries=2)

    async def body(pleo: AsyncPleoClient) -> ReportOutcome:
        report = await pleo.report(JOB)
        for entry, raw in all_failed(fake):
            await report.failed(entry, raw)
        return await report.complete()

    outcome = run_async(fake, body)
    assert [e["failureReasonType"] for e in fake.events] == ["validation_failure"]
    assert outcome.notes


def test_sync_report_can_fail_the_job_early() -> None:
    """report.fail posts `failed` once while items are still pending; sent items stay."""
    fake = FakePleo(entries=3)
    with client(fake) as pleo:
        report = pleo.report(JOB)
        report.succeeded("e0")
        outcome = report.fail("accounting_system_unreachable", "The ERP is down for maintenance")
        with pytest.raises(failreason.FailreasonError, match="already reported as failed"):
            report.complete()
    assert fake.events == [
        {
            "event": "failed",
            "jobId": JOB,
            "failureReasonType": "accounting_system_unreachable",
            "failureReason": "The ERP is down for maintenance",
        }
    ]
    assert fake.items["e0"]["status"] == "successful"
    assert outcome.event.event == "failed"


def test_async_report_can_fail_the_job_early_from_a_raw_error() -> None:
    """AsyncReport.fail classifies a raw error with the rules and maps it to a job type."""
    fake = FakePleo(entries=2)

    async def body(pleo: AsyncPleoClient) -> ReportOutcome:
        report = await pleo.report(JOB)
        return await report.fail({"system": "fortnox", "status": 429, "body": "Too Many Requests"})

    outcome = run_async(fake, body)
    assert [e["event"] for e in fake.events] == ["failed"]
    assert outcome.event.failure_reason_type == "accounting_system_rate_limit"
    assert [item["status"] for item in fake.items.values()] == ["pending", "pending"]
