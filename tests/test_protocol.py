"""Every reporting decision, tested once against the sans-I/O flows with a scripted Pleo."""

from __future__ import annotations

import json
import logging
import random
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

import failreason
from failreason import _protocol as flows
from failreason import _report_flow as report_flows
from failreason._joblock import JobLocks
from failreason._pleo_http import PleoError, PleoSettings
from failreason._policy import fallback_job_type
from failreason._vocabulary import ITEM_FAILURE_TYPES, JOB_FAILURE_TYPES
from failreason._wire import ItemUpdate

JOB = "job-1"
BASE = "https://pleo.test"
T = TypeVar("T")
Answer = Callable[[flows.Send], "httpx.Response | Exception | None"]


@pytest.fixture(autouse=True)
def private_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Job locks in a directory of this test's own."""
    monkeypatch.setenv("FAILREASON_LOCK_DIR", str(tmp_path / "locks"))


class Ceiling(random.Random):
    """Jitter that always picks the top of its range, so backoff delays are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


class ScriptedPleo:
    """Pleo as a script: ``script`` answers first, then a job with ``entries`` items.

    ``enforce_job_enum`` refuses job failureReasonType values outside Pleo's spec, as
    Pleo's published description says it may.
    """

    def __init__(self, entries: int = 3, *, enforce_job_enum: bool = False) -> None:
        self.job: dict[str, Any] = {"id": JOB, "status": "in_progress"}
        self.items = {
            f"e{i}": {"accountingEntryId": f"e{i}", "status": "pending"} for i in range(entries)
        }
        self.script: list[Answer] = []
        self.sent: list[flows.Send] = []
        self.events: list[dict[str, Any]] = []
        self.enforce_job_enum = enforce_job_enum

    def __call__(self, send: flows.Send) -> httpx.Response | Exception:
        self.sent.append(send)
        if self.script:
            scripted = self.script.pop(0)(send)
            if scripted is not None:
                return scripted
        return self.answer(send)

    def answer(self, send: flows.Send) -> httpx.Response:
        if send.method == "GET" and send.path.endswith("/items"):
            page = {"hasNextPage": False}
            return respond(send, 200, {"data": list(self.items.values()), "pagination": page})
        if send.method == "GET":
            return respond(send, 200, {"data": dict(self.job)})
        if send.method == "PUT":
            return self.put(send)
        return self.post(send)

    def put(self, send: flows.Send) -> httpx.Response:
        data = []
        for update in body(send):
            self.items[update["accountingEntryId"]].update(update)
            data.append(dict(self.items[update["accountingEntryId"]]))
        return respond(send, 200, {"data": data, "errors": []})

    def post(self, send: flows.Send) -> httpx.Response:
        event = dict(body(send))
        kind = event.get("failureReasonType")
        if self.enforce_job_enum and kind is not None and kind not in SPEC_TYPES:
            message = f"failureReasonType: {kind} is not one of the allowed values"
            return respond(send, 400, {"type": "BAD_REQUEST", "message": message})
        if self.job["status"] != "in_progress":
            refusal = {"type": "INVALID_EXPORT_JOB_STATUS_CHANGE", "message": "already final"}
            return respond(send, 422, refusal)
        self.events.append(event)
        self.job["status"] = "in_progress" if event["event"] == "started" else event["event"]
        return respond(send, 202, {})


SPEC_TYPES = set(JOB_FAILURE_TYPES) - {"accounting_system_validation_failure"}


def body(send: flows.Send) -> Any:
    """What the request carries, as the scripted Pleo reads it: untyped JSON."""
    return send.json


def respond(send: flows.Send, status: int, body: object) -> httpx.Response:
    request = httpx.Request(send.method, BASE + send.path)
    return httpx.Response(status, json=body, request=request)


class Driver:
    """Runs a flow against ``pleo`` on a fake clock that only sleeping advances."""

    def __init__(self, pleo: ScriptedPleo, rng: random.Random | None = None) -> None:
        self.pleo, self.now = pleo, 0.0
        settings = PleoSettings(token="scripted-token", base_url=BASE, settle_seconds=5.0)
        locks = JobLocks(BASE)
        self.ctx = flows.Context(settings, locks, rng or Ceiling(), lambda: self.now)
        self.slept: list[float] = []

    def run(self, flow: flows.Flow[T]) -> T:
        """Spawned flows run in place, their error raised where they were spawned, as the
        sync client does with a concurrency of 1."""
        reply: flows.Reply | None = None
        error: Exception | None = None
        try:
            while True:
                effect = flow.throw(error) if error is not None else flow.send(reply)
                reply, error = None, None
                if isinstance(effect, flows.Sleep):
                    self.slept.append(effect.seconds)
                    self.now += effect.seconds
                    continue
                if isinstance(effect, flows.Spawn):
                    try:
                        self.run(effect.flow)
                    except Exception as failed:  # raised in the spawning flow instead
                        error = failed
                    continue
                if isinstance(effect, flows.Join):
                    continue
                answer = self.pleo(effect)
                is_error = isinstance(answer, Exception)
                reply = flows.Reply(error=answer) if is_error else flows.Reply(answer)  # type: ignore[arg-type]
        except StopIteration as done:
            result: T = done.value
            return result

    def report(self) -> report_flows.ReportState:
        return self.run(report_flows.open_report(self.ctx, JOB, None))


def once(answer: httpx.Response | Exception | int) -> Answer:
    def scripted(send: flows.Send) -> httpx.Response | Exception:
        if isinstance(answer, int):
            return respond(send, answer, {"type": "X", "message": "scripted"})
        return answer

    return scripted


def sends(pleo: ScriptedPleo, method: str) -> list[flows.Send]:
    return [s for s in pleo.sent if s.method == method]


def lost(send: flows.Send) -> Exception:
    return httpx.ReadTimeout("no answer", request=httpx.Request(send.method, BASE + send.path))


# --- retry, backoff, giving up ---------------------------------------------------------


def test_a_transient_answer_is_retried() -> None:
    """A 503 is followed by a wait and the same request again."""
    pleo = ScriptedPleo()
    pleo.script.append(once(503))
    driver = Driver(pleo)
    job = driver.run(flows.job(driver.ctx, JOB))
    assert job["status"] == "in_progress"
    assert len(sends(pleo, "GET")) == 2


def test_backoff_doubles_until_the_attempts_run_out() -> None:
    """Six 503s: waits of 0.5, 1, 2, 4, 8 s between six attempts, then the 503 is raised."""
    pleo = ScriptedPleo()
    pleo.script.extend(once(503) for _ in range(6))
    driver = Driver(pleo)
    with pytest.raises(PleoError, match="503"):
        driver.run(flows.job(driver.ctx, JOB))
    assert driver.slept == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert len(pleo.sent) == 6


def test_a_refusal_is_not_retried() -> None:
    """A 404 is raised at once, naming the method and URL."""
    pleo = ScriptedPleo()
    pleo.script.append(once(404))
    driver = Driver(pleo)
    with pytest.raises(PleoError, match=r"404 .*GET https://pleo.test/v3/export-jobs/job-1"):
        driver.run(flows.job(driver.ctx, JOB))
    assert driver.slept == []


def test_retry_after_is_honoured() -> None:
    """A 429 with Retry-After: 9 waits 9 s, more than the backoff asks."""
    pleo = ScriptedPleo()
    pleo.script.append(lambda s: httpx.Response(429, headers={"Retry-After": "9"}))
    driver = Driver(pleo)
    driver.run(flows.job(driver.ctx, JOB))
    assert driver.slept == [9.0]


def test_retries_are_logged_with_the_attempt_and_the_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each retry is a warning on the failreason.pleo logger naming the attempt and wait."""
    pleo = ScriptedPleo()
    pleo.script.append(once(503))
    driver = Driver(pleo)
    with caplog.at_level(logging.WARNING, logger="failreason.pleo"):
        driver.run(flows.job(driver.ctx, JOB))
    [record] = caplog.records
    assert record.name == "failreason.pleo"
    assert "GET https://pleo.test/v3/export-jobs/job-1" in record.getMessage()
    assert "attempt 1 of 6; retrying in 0.5 s" in record.getMessage()


# --- transport errors ------------------------------------------------------------------


def connect_error(cause: BaseException) -> Answer:
    def scripted(send: flows.Send) -> Exception:
        error = httpx.ConnectError("connect failed")
        error.__cause__ = cause
        return error

    return scripted


@pytest.mark.parametrize(
    "cause",
    [
        pytest.param(
            ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version"), id="tls-version"
        ),
        pytest.param(ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] alert"), id="tls-alert"),
    ],
)
def test_a_tls_mismatch_fails_at_once(cause: BaseException) -> None:
    """A handshake the two sides cannot agree on is not retried; the message names the URL."""
    pleo = ScriptedPleo()
    pleo.script.append(connect_error(cause))
    driver = Driver(pleo)
    with pytest.raises(PleoError, match=r"GET https://pleo.test/v3/export-jobs/job-1"):
        driver.run(flows.job(driver.ctx, JOB))
    assert len(pleo.sent) == 1


def test_an_invalid_header_value_fails_at_once() -> None:
    """A request httpx cannot write is not retried."""
    pleo = ScriptedPleo()
    pleo.script.append(lambda s: httpx.LocalProtocolError("Illegal header value"))
    driver = Driver(pleo)
    with pytest.raises(PleoError, match="could not be sent as HTTP"):
        driver.run(flows.job(driver.ctx, JOB))
    assert len(pleo.sent) == 1


def test_a_host_that_does_not_resolve_is_tried_only_briefly() -> None:
    """DNS failure: two attempts, then an error saying the name did not resolve."""
    pleo = ScriptedPleo()
    unknown = socket.gaierror(-2, "Name or service not known")
    pleo.script.extend(connect_error(unknown) for _ in range(6))
    driver = Driver(pleo)
    with pytest.raises(PleoError, match="did not resolve in 2 attempts"):
        driver.run(flows.job(driver.ctx, JOB))
    assert len(pleo.sent) == 2


def test_a_refused_connection_is_retried() -> None:
    """A connection refused (Pleo restarting) is an outage: it is retried."""
    pleo = ScriptedPleo()
    pleo.script.append(connect_error(ConnectionRefusedError(111, "refused")))
    driver = Driver(pleo)
    assert driver.run(flows.job(driver.ctx, JOB))["status"] == "in_progress"
    assert len(pleo.sent) == 2


def test_an_answer_that_is_not_json_says_what_came_back() -> None:
    """An HTML page where JSON was expected is a PleoError with status, type and first bytes."""
    pleo = ScriptedPleo()
    html = b"<html><body>Sign in to Pleo</body></html>"

    def page(send: flows.Send) -> httpx.Response:
        return httpx.Response(
            200,
            content=html,
            headers={"content-type": "text/html"},
            request=httpx.Request("GET", BASE + send.path),
        )

    pleo.script.append(page)
    driver = Driver(pleo)
    with pytest.raises(PleoError) as caught:
        driver.run(flows.job(driver.ctx, JOB))
    message = str(caught.value)
    assert "200" in message
    assert "text/html" in message
    assert "<html><body>Sign in" in message
    assert "GET https://pleo.test/v3/export-jobs/job-1" in message


# --- item updates: batches, read-back, flush cadence -----------------------------------


def queue_successes(driver: Driver, state: report_flows.ReportState, count: int) -> None:
    for i in range(count):
        update: ItemUpdate = {"accountingEntryId": f"e{i}", "status": "successful"}
        driver.run(report_flows.queue(driver.ctx, state, update, every=60.0))


def test_updates_go_in_batches_of_at_most_100() -> None:
    """250 updates: two full PUTs as the queue fills, the last 50 at the flush."""
    pleo = ScriptedPleo(entries=250)
    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 250)
    driver.run(report_flows.flush(driver.ctx, state))
    assert [len(body(s)) for s in sends(pleo, "PUT")] == [100, 100, 50]


def test_queued_updates_are_flushed_once_a_minute() -> None:
    """Nothing is sent before 60 s pass on the clock; the next queue after that flushes."""
    pleo = ScriptedPleo(entries=3)
    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 2)
    driver.now += 59.0
    assert sends(pleo, "PUT") == []
    driver.now += 1.0
    update: ItemUpdate = {"accountingEntryId": "e2", "status": "successful"}
    driver.run(report_flows.queue(driver.ctx, state, update, every=60.0))
    assert [len(body(s)) for s in sends(pleo, "PUT")] == [3]


def test_a_lost_update_is_read_back_and_not_sent_twice() -> None:
    """A PUT that timed out but landed: after the settle wait a read shows it; no resend."""
    pleo = ScriptedPleo(entries=2)

    def landed_then_lost(send: flows.Send) -> Exception:
        pleo.put(send)
        return lost(send)

    driver = Driver(pleo)
    state = driver.report()
    pleo.script.append(landed_then_lost)
    queue_successes(driver, state, 2)
    driver.run(report_flows.flush(driver.ctx, state))
    assert len(sends(pleo, "PUT")) == 1
    assert 5.0 in driver.slept  # the settle wait before the read


def test_after_a_lost_update_only_what_is_missing_is_resent() -> None:
    """A PUT that timed out having applied nothing is resent whole, after the read-back."""
    pleo = ScriptedPleo(entries=2)
    driver = Driver(pleo)
    state = driver.report()
    pleo.script.append(lost)
    queue_successes(driver, state, 2)
    driver.run(report_flows.flush(driver.ctx, state))
    assert [len(body(s)) for s in sends(pleo, "PUT")] == [2, 2]
    assert all(item["status"] == "successful" for item in pleo.items.values())


def test_an_item_refused_for_a_transient_reason_is_sent_again() -> None:
    """A per-item error that says to try again is retried after a wait, not rejected."""
    pleo = ScriptedPleo(entries=2)

    def busy(send: flows.Send) -> httpx.Response:
        error = {
            "accountingEntryId": "e1",
            "type": "ACCOUNTING_ENTRY_UPDATE_FAILED",
            "message": "temporarily unavailable, try again",
        }
        pleo.items["e0"].update(body(send)[0])
        return respond(send, 200, {"data": [pleo.items["e0"]], "errors": [error]})

    driver = Driver(pleo)
    state = driver.report()
    pleo.script.append(busy)
    queue_successes(driver, state, 2)
    driver.run(report_flows.flush(driver.ctx, state))
    assert [[u["accountingEntryId"] for u in body(s)] for s in sends(pleo, "PUT")] == [
        ["e0", "e1"],
        ["e1"],
    ]
    assert state.ledger.rejected == {}


# --- the job's event -------------------------------------------------------------------


def complete(driver: Driver, state: report_flows.ReportState) -> Any:
    return driver.run(report_flows.complete(driver.ctx, state, None, None))


def test_completion_posts_one_event_and_only_once() -> None:
    """complete() posts `completed` once; a second complete() or fail() is refused."""
    pleo = ScriptedPleo(entries=2)
    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 2)
    assert complete(driver, state).event.event == "completed"
    with pytest.raises(report_flows.ReportFinishedError, match="already reported as completed"):
        complete(driver, state)
    with pytest.raises(report_flows.ReportFinishedError):
        driver.run(report_flows.fail(driver.ctx, state, "validation_failure", "late"))
    assert [e["event"] for e in pleo.events] == ["completed"]


def test_a_422_after_a_lost_answer_is_success_when_the_job_shows_the_event() -> None:
    """The event landed but its answer was lost; the retry's 422 status change is read back."""
    pleo = ScriptedPleo(entries=1)

    def landed_then_502(send: flows.Send) -> httpx.Response:
        pleo.post(send)
        return respond(send, 502, {})

    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 1)
    pleo.script.append(lambda s: None)  # the PUT
    pleo.script.append(landed_then_502)
    outcome = complete(driver, state)
    assert outcome.event.event == "completed"
    assert [s.method for s in pleo.sent][-3:] == ["POST", "POST", "GET"]


def test_a_422_status_change_is_raised_when_the_job_does_not_show_the_event() -> None:
    """A 422 status change for a job still in progress is a real refusal."""
    pleo = ScriptedPleo(entries=1)
    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 1)
    refusal = {"type": "INVALID_EXPORT_JOB_STATUS_CHANGE", "message": "no"}
    pleo.script.extend([lambda s: None, lambda s: respond(s, 422, refusal)])  # the PUT, the event
    with pytest.raises(PleoError, match="INVALID_EXPORT_JOB_STATUS_CHANGE"):
        complete(driver, state)


def fail_all(driver: Driver, state: report_flows.ReportState, types: list[str]) -> None:
    for i, kind in enumerate(types):
        update: ItemUpdate = {"accountingEntryId": f"e{i}", "status": "failed"}
        update |= {"failureReasonType": kind, "failureReason": "r"}
        driver.run(report_flows.queue(driver.ctx, state, update, every=60.0))


def test_a_refused_job_type_is_posted_again_as_validation_failure() -> None:
    """Pleo enforcing its enum refuses the seed's default; the event goes again, recorded."""
    pleo = ScriptedPleo(entries=2, enforce_job_enum=True)
    driver = Driver(pleo)
    state = driver.report()
    fail_all(driver, state, ["vendor_unknown", "tax_code_unknown"])
    outcome = complete(driver, state)
    posts = [body(s)["failureReasonType"] for s in sends(pleo, "POST")]
    assert posts == ["accounting_system_validation_failure", "validation_failure"]
    assert outcome.job_type_fallback == "accounting_system_validation_failure"
    assert outcome.to_json()["refusedFailureReasonType"] == "accounting_system_validation_failure"
    assert "failed as 'validation_failure' instead" in outcome.notes[0]


def test_the_seed_default_goes_first_when_pleo_accepts_it() -> None:
    """Without enforcement the documented default is posted once, and no fallback is noted."""
    pleo = ScriptedPleo(entries=2)
    driver = Driver(pleo)
    state = driver.report()
    fail_all(driver, state, ["vendor_unknown", "tax_code_unknown"])
    outcome = complete(driver, state)
    assert outcome.event.failure_reason_type == "accounting_system_validation_failure"
    assert (outcome.job_type_fallback, outcome.notes) == (None, ())
    assert len(sends(pleo, "POST")) == 1


def test_a_refusal_that_does_not_name_the_type_is_not_retried() -> None:
    """A 400 about something else is raised, not answered with another type."""
    pleo = ScriptedPleo(entries=1)
    driver = Driver(pleo)
    state = driver.report()
    fail_all(driver, state, ["vendor_unknown"])
    refusal = {"type": "BAD_REQUEST", "message": "jobId is malformed"}
    pleo.script.extend([lambda s: None, lambda s: respond(s, 400, refusal)])  # the PUT, the event
    with pytest.raises(PleoError, match="jobId is malformed"):
        complete(driver, state)
    assert len(sends(pleo, "POST")) == 1


@pytest.mark.parametrize(
    ("refused", "expected"),
    [
        pytest.param("accounting_system_validation_failure", "validation_failure", id="seed"),
        pytest.param("missing_configuration", "validation_failure", id="mapped-to-itself"),
        pytest.param("validation_failure", None, id="nothing-closer"),
    ],
)
def test_fallback_job_type(refused: str, expected: str | None) -> None:
    """The closest allowed job type: the mapping's, else validation_failure, never itself."""
    assert fallback_job_type(refused, {"missing_configuration": "missing_configuration"}) == (
        expected
    )


def test_job_yaml_maps_every_item_type_with_a_job_level_counterpart() -> None:
    """rules/job.yaml covers each item type that Pleo's job-level enum also has."""
    mapping = failreason.load().job_failure_types
    shared = set(ITEM_FAILURE_TYPES) & SPEC_TYPES
    assert {kind: mapping.get(kind) for kind in shared} == {kind: kind for kind in shared}


# --- failing a job early ---------------------------------------------------------------


def test_a_job_can_be_failed_early_with_a_type_and_reason() -> None:
    """fail() before any item is final: queued items go first, then one `failed` event."""
    pleo = ScriptedPleo(entries=3)
    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 1)
    reason = "The accounting system is unreachable"
    flow = report_flows.fail(driver.ctx, state, "accounting_system_unreachable", reason)
    outcome = driver.run(flow)
    assert pleo.events == [
        {
            "event": "failed",
            "jobId": JOB,
            "failureReasonType": "accounting_system_unreachable",
            "failureReason": reason,
        }
    ]
    assert pleo.items["e0"]["status"] == "successful"  # sent items stay
    assert [pleo.items[e]["status"] for e in ("e1", "e2")] == ["pending", "pending"]
    assert outcome.event.event == "failed"


def test_a_job_failed_with_a_raw_error_is_classified_and_mapped() -> None:
    """A raw error envelope is classified by the rules and mapped to a job-level type."""
    pleo = ScriptedPleo(entries=1)
    driver = Driver(pleo)
    state = driver.report()
    envelope = {"system": "xero", "status": 401, "body": {"Title": "Unauthorized"}}
    driver.run(report_flows.fail(driver.ctx, state, envelope, None))
    [event] = pleo.events
    assert event["event"] == "failed"
    assert event["failureReasonType"] == "accounting_system_authentication_failure"
    assert event["failureReason"]


@pytest.mark.parametrize(
    ("given", "reason", "error"),
    [
        pytest.param("no_such_type", "r", ValueError, id="unknown-type"),
        pytest.param("validation_failure", "  ", ValueError, id="blank-reason"),
        pytest.param({"status": 500}, "r", TypeError, id="envelope-with-reason"),
    ],
)
def test_fail_refuses_what_pleo_would(given: object, reason: str, error: type[Exception]) -> None:
    """An unknown type, a blank reason or an envelope with a reason fail before sending."""
    pleo = ScriptedPleo(entries=1)
    driver = Driver(pleo)
    state = driver.report()
    with pytest.raises(error):
        driver.run(report_flows.fail(driver.ctx, state, given, reason))
    assert pleo.events == []


def test_sent_json_is_the_item_update() -> None:
    """What the PUT carries is exactly the update, serialisable as Pleo reads it."""
    pleo = ScriptedPleo(entries=1)
    driver = Driver(pleo)
    state = driver.report()
    queue_successes(driver, state, 1)
    driver.run(report_flows.flush(driver.ctx, state))
    [put] = sends(pleo, "PUT")
    assert json.loads(json.dumps(body(put))) == [
        {"accountingEntryId": "e0", "status": "successful"}
    ]


def test_a_job_answer_without_a_job_is_an_error_naming_the_url() -> None:
    """`{}` where the job should be is a PleoError, not an empty job that looks reportable."""
    pleo = ScriptedPleo()
    pleo.script.append(lambda s: respond(s, 200, {}))
    driver = Driver(pleo)
    with pytest.raises(PleoError, match=r"GET https://pleo.test/v3/export-jobs/job-1"):
        driver.run(flows.job(driver.ctx, JOB))
