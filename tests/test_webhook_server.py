"""The webhook intake over real HTTP on loopback, fed by the sandbox's signed deliveries."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import failreason
from failreason._sandbox_webhooks import WebhookSender
from failreason._webhook import sign_delivery
from failreason._webhook_server import PATH, Intake, JobWorker, create_app
from failreason.testing import Sandbox
from tests.asgi_support import ServedApp
from tests.runner_support import TOKEN, Ledger, events, pleo_on

SECRET = "whsec_" + base64.b64encode(b"the intake's signing key, 32 by.").decode()
OTHER = "whsec_" + base64.b64encode(b"somebody else's key, also 32 by.").decode()
ENGINE = Path(failreason.__file__).resolve().parent.parent


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.005)


class Jobs:
    """An ``on_job`` that records each job id and how many ran at once; ``gate`` holds them."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.ran: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.gate = threading.Event()
        self.gate.set()
        self.fail_on = fail_on
        self._lock = threading.Lock()

    def __call__(self, job_id: str) -> None:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.gate.wait(20)
            if job_id == self.fail_on:
                raise RuntimeError(f"the accounting system is down for {job_id}")
        finally:
            with self._lock:
                self.running -= 1
                self.ran.append(job_id)


class Running(ServedApp):
    """The intake app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, intake: Intake) -> None:
        super().__init__(create_app(intake))


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@pytest.fixture
def told() -> list[str]:
    return []


@pytest.fixture
def intake(jobs: Jobs, told: list[str]) -> Iterator[Running]:
    running = Running(Intake([SECRET], jobs, say=told.append))
    try:
        yield running
    finally:
        jobs.gate.set()
        running.stop()


def delivery(
    job_id: str = "job-1",
    *,
    webhook_id: str = "msg_1",
    event_type: str = "v1.export-job.created",
    secret: str = SECRET,
    timestamp: int | None = None,
) -> tuple[dict[str, str], bytes]:
    body = json.dumps({"data": {"id": job_id}, "eventId": "e1", "eventType": event_type}).encode()
    at = int(time.time()) if timestamp is None else timestamp
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(at),
        "webhook-signature": sign_delivery(secret, webhook_id, at, body),
    }
    return headers, body


def post(running: Running, headers: dict[str, str], body: bytes) -> httpx.Response:
    return running.client.post(PATH, content=body, headers=headers)


# -- answers ---------------------------------------------------------------------------------


def test_an_accepted_delivery_is_202_and_its_job_runs_once(intake: Running, jobs: Jobs) -> None:
    answer = post(intake, *delivery())
    assert (answer.status_code, answer.json()) == (202, {"status": "queued", "jobId": "job-1"})
    wait_for(lambda: jobs.ran == ["job-1"])


def test_a_bad_signature_is_a_401_problem_and_runs_nothing(
    intake: Running, jobs: Jobs, told: list[str]
) -> None:
    answer = post(intake, *delivery(secret=OTHER))
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "Unauthorized"
    assert "no signature matches" in answer.json()["detail"]
    assert SECRET not in answer.text
    assert not any(SECRET.removeprefix("whsec_") in line for line in told)
    assert intake.client.get("/healthz").json() == {"status": "ok", "waiting": 0, "running": None}
    assert jobs.ran == []


def test_a_delivery_without_its_headers_is_a_400_problem(intake: Running) -> None:
    answer = intake.client.post(PATH, json={"data": {"id": "job-1"}})
    assert (answer.status_code, answer.json()["status"]) == (400, 400)
    assert "no webhook-id header" in answer.json()["detail"]


def test_a_stale_delivery_is_a_401(intake: Running) -> None:
    answer = post(intake, *delivery(timestamp=int(time.time()) - 3600))
    assert answer.status_code == 401
    assert "old, more than the 300 s allowed" in answer.json()["detail"]


def test_another_event_is_answered_200_and_ignored(intake: Running, jobs: Jobs) -> None:
    answer = post(intake, *delivery(event_type="v1.vendor.created"))
    assert answer.status_code == 200
    assert answer.json() == {"status": "ignored", "eventType": "v1.vendor.created"}
    assert intake.client.get("/healthz").json()["waiting"] == 0
    assert jobs.ran == []


def test_a_replayed_delivery_is_200_and_its_job_is_not_run_again(
    intake: Running, jobs: Jobs
) -> None:
    headers, body = delivery()
    assert post(intake, headers, body).status_code == 202
    wait_for(lambda: jobs.ran == ["job-1"])
    again = post(intake, headers, body)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    time.sleep(0.05)  # room for a wrong second run to show
    assert jobs.ran == ["job-1"]


def test_a_body_over_the_limit_is_a_413(jobs: Jobs) -> None:
    running = Running(Intake([SECRET], jobs, max_body=64, say=lambda _: None))
    try:
        answer = post(running, *delivery("j" * 100))
        assert answer.status_code == 413
    finally:
        running.stop()


def test_too_many_waiting_jobs_are_503_with_retry_after(jobs: Jobs) -> None:
    jobs.gate.clear()
    running = Running(Intake([SECRET], jobs, max_waiting=1, say=lambda _: None))
    try:
        assert post(running, *delivery("a", webhook_id="m1")).status_code == 202
        wait_for(lambda: jobs.running == 1)
        assert post(running, *delivery("b", webhook_id="m2")).status_code == 202
        full = post(running, *delivery("c", webhook_id="m3"))
        assert (full.status_code, full.headers["retry-after"]) == (503, "60")
    finally:
        jobs.gate.set()
        running.stop()


# -- the worker ------------------------------------------------------------------------------


def test_jobs_run_one_at_a_time_and_a_waiting_or_running_id_is_not_queued_twice(
    intake: Running, jobs: Jobs
) -> None:
    jobs.gate.clear()
    assert post(intake, *delivery("a", webhook_id="m1")).json()["status"] == "queued"
    wait_for(lambda: jobs.running == 1)
    assert post(intake, *delivery("b", webhook_id="m2")).json()["status"] == "queued"
    assert post(intake, *delivery("a", webhook_id="m3")).json()["status"] == "already queued"
    assert post(intake, *delivery("b", webhook_id="m4")).json()["status"] == "already queued"
    health = intake.client.get("/healthz").json()
    assert (health["waiting"], health["running"]) == (1, "a")
    jobs.gate.set()
    wait_for(lambda: jobs.ran == ["a", "b"])
    assert jobs.most_at_once == 1


def test_a_failing_job_is_logged_and_the_worker_goes_on() -> None:
    told: list[str] = []
    jobs = Jobs(fail_on="bad")
    worker = JobWorker(jobs, say=told.append)
    worker.start()
    try:
        assert worker.submit("bad")
        assert worker.submit("good")
        wait_for(lambda: jobs.ran == ["bad", "good"])
    finally:
        worker.close()
    assert "job bad: RuntimeError: the accounting system is down for bad" in told
    assert "job good: done" in told


def test_closing_lets_the_running_job_finish_and_drops_the_waiting_ones() -> None:
    told: list[str] = []
    jobs = Jobs()
    jobs.gate.clear()
    worker = JobWorker(jobs, say=told.append)
    worker.start()
    worker.submit("a")
    worker.submit("b")
    wait_for(lambda: jobs.running == 1)
    threading.Timer(0.05, jobs.gate.set).start()
    worker.close()
    assert jobs.ran == ["a"]
    assert "stopping: 1 job(s) not started: b" in told


# -- with the sandbox delivering -------------------------------------------------------------


def test_the_sandbox_delivers_export_job_created_and_the_worker_gets_each_job_once(
    intake: Running, jobs: Jobs
) -> None:
    """Jobs made over POST /v3/export-jobs and POST /sandbox/jobs, each a signed delivery."""
    with Sandbox(token="t", webhook_url=intake.url + PATH, webhook_secret=SECRET) as pleo:
        api = httpx.Client(base_url=pleo.base_url, headers={"Authorization": "Bearer t"})
        with api:
            made = api.post("/sandbox/jobs", json={"items": 2}).json()
            first = made["data"]["id"]
            company = made["data"]["companyId"]
            body = {"accountingEntryIds": made["accountingEntryIds"], "companyId": company}
            second = api.post("/v3/export-jobs", json=body).json()["data"]["id"]
        wait_for(lambda: sorted(jobs.ran) == sorted([first, second]))
        sender = pleo._webhooks
    assert sender is not None  # closed with the sandbox: every delivery is finished
    assert [(d.job_id, d.status, d.attempts) for d in sender.deliveries] == [
        (first, 202, 1),
        (second, 202, 1),
    ]
    assert jobs.ran == [first, second]
    assert jobs.most_at_once == 1


def test_delivered_jobs_are_exported_by_the_runner_one_after_the_other(
    engine: failreason.Engine,
) -> None:
    """Sandbox, intake and ``run_export(job_id=...)``: each job started and completed once."""
    ledger = Ledger()
    configuration = failreason.ExportConfiguration(
        journals={"Purchases": "PJ"}, default_expense_account="6999"
    )
    summaries: list[str] = []
    clients: list[failreason.PleoClient] = []

    def run_job(job_id: str) -> None:
        summary = failreason.run_export(
            clients[0], ledger.post, job_id=job_id, engine=engine, configuration=configuration
        )
        summaries.append(f"{summary.job_id} {summary.result}")

    running = Running(Intake([SECRET], run_job, say=lambda _: None))
    pleo = Sandbox(token=TOKEN, webhook_url=running.url + PATH, webhook_secret=SECRET)
    try:
        with pleo, pleo_on(pleo) as client:
            clients.append(client)
            first, entries = pleo.create_job(3, start=False)
            second, more = pleo.create_job(2, start=False)
            wait_for(lambda: len(summaries) == 2)
            assert events(pleo, first) == events(pleo, second) == ["started", "completed"]
    finally:
        running.stop()
    assert summaries == [f"{first} completed", f"{second} completed"]
    assert sorted(ledger.calls.values()) == [1] * 5
    assert set(ledger.entries) == {*entries, *more}


def test_the_sandbox_retries_a_delivery_that_failed_with_the_same_id() -> None:
    seen: list[tuple[str, str]] = []
    answers = iter([503, 500, 202])

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["webhook-id"], request.headers["webhook-signature"]))
        return httpx.Response(next(answers))

    sender = WebhookSender(
        "http://intake.test/webhooks/pleo",
        SECRET,
        sleep=lambda _: None,
        transport=httpx.MockTransport(answer),
    )
    sender.job_created({"id": "job-9", "status": "pending"})
    assert sender.wait(10)
    sender.close()
    (done,) = sender.deliveries
    assert (done.job_id, done.attempts, done.status, done.delivered) == ("job-9", 3, 202, True)
    assert len({webhook_id for webhook_id, _ in seen}) == 1


def test_the_sandbox_gives_up_after_its_attempts() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sender = WebhookSender(
        "http://intake.test/", SECRET, sleep=lambda _: None, transport=httpx.MockTransport(refuse)
    )
    sender.job_created({"id": "job-9"})
    assert sender.wait(10)
    sender.close()
    assert [(d.attempts, d.status, d.delivered) for d in sender.deliveries] == [(3, None, False)]
    assert SECRET not in repr(sender)


def test_a_sandbox_webhook_url_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        Sandbox(webhook_url="http://127.0.0.1:1/")
