"""The sandbox over real HTTP on loopback: contract, faults, concurrency and the command."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import ssl
import threading
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from failreason._sandbox import Sandbox
from failreason._sandbox_cli import register
from failreason._sandbox_faults import FaultPlan

TOKEN = "t"
NO_SUCH_ID = "0f0f0f0f-0000-4000-8000-000000000000"  # a well-formed id no job or entry has
BEARER = {"Authorization": f"Bearer {TOKEN}"}


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_776_852_536.0

    def __call__(self) -> float:
        return self.now


# One TLS context for every client: building one per client is most of a client's cost.
TLS = ssl.create_default_context()


def connect(base_url: str = "") -> httpx.Client:
    """A client sending the bearer token, cheap to make."""
    return httpx.Client(base_url=base_url, headers=BEARER, verify=TLS)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A plain client for one-off requests, shared by the tests of this module."""
    with httpx.Client(verify=TLS) as plain:
        yield plain


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A serving sandbox without faults, taking bearer token ``t`` or API key ``k``."""
    with Sandbox(port=0, token=TOKEN, api_key="k") as running:
        yield running


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated client of the sandbox."""
    with connect(sandbox.base_url) as api:
        yield api


def success(entry_id: str) -> dict[str, str]:
    return {"accountingEntryId": entry_id, "status": "successful"}


def failure(entry_id: str) -> dict[str, str]:
    return {
        "accountingEntryId": entry_id,
        "status": "failed",
        "failureReasonType": "tax_code_unknown",
        "failureReason": "Tax Code S25 does not exist in the Accounting System",
    }


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["type"]


# -- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(BEARER, id="bearer"),
        pytest.param({"Authorization": "bearer t"}, id="bearer-any-case"),
        pytest.param({"Authorization": "Basic azo="}, id="api-key-empty-password"),
    ],
)
def test_accepted_credentials(
    http: httpx.Client, sandbox: Sandbox, headers: dict[str, str]
) -> None:
    """A bearer token or the API key as Basic user name gets in."""
    job_id, _ = sandbox.create_job(1)
    response = http.get(f"{sandbox.base_url}/v3/export-jobs/{job_id}", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"Authorization": "Bearer wrong"}, id="wrong-token"),
        pytest.param({"Authorization": "Basic aw==" + "x"}, id="not-base64"),
        pytest.param({"Authorization": "Basic azpzZWNyZXQ="}, id="api-key-with-password"),
        pytest.param({"Authorization": "Basic bm9wZTo="}, id="wrong-api-key"),
        pytest.param({"Authorization": "Digest x"}, id="other-scheme"),
    ],
)
def test_refused_credentials_are_401(
    http: httpx.Client, sandbox: Sandbox, headers: dict[str, str]
) -> None:
    """Anything but the configured token or API key is 401 UNAUTHORIZED, saying why."""
    job_id, _ = sandbox.create_job(1)
    response = http.get(f"{sandbox.base_url}/v3/export-jobs/{job_id}", headers=headers)
    assert error_of(response) == (401, "UNAUTHORIZED")
    assert response.json()["message"]


# -- the contract over HTTP ------------------------------------------------------------------


def test_job_is_read_as_data(sandbox: Sandbox, client: httpx.Client) -> None:
    """GET a job answers {"data": ExportJob}."""
    job_id, _ = sandbox.create_job(3)
    data = client.get(f"/v3/export-jobs/{job_id}").json()["data"]
    assert (data["id"], data["status"], data["numberOfItems"]) == (job_id, "in_progress", 3)


def test_unknown_job_is_404(client: httpx.Client) -> None:
    """A job id that does not exist is 404 EXPORT_NOT_FOUND."""
    assert error_of(client.get(f"/v3/export-jobs/{NO_SUCH_ID}")) == (404, "EXPORT_NOT_FOUND")


@pytest.mark.contract_exempt(reason="asks for a path the contract does not have, on purpose")
def test_unknown_endpoint_is_404(client: httpx.Client) -> None:
    """A path the API does not have is 404."""
    assert error_of(client.get("/v3/exports")) == (404, "NOT_FOUND")


@pytest.mark.contract_exempt(reason="sends methods the contract does not have, on purpose")
def test_wrong_method_is_405_with_allow(sandbox: Sandbox, client: httpx.Client) -> None:
    """A known path with the wrong method is 405, and Allow names the methods it takes."""
    job_id, _ = sandbox.create_job(1)
    response = client.delete(f"/v3/export-jobs/{job_id}")
    assert error_of(response) == (405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET"
    response = client.post(f"/v3/export-jobs/{job_id}/items", json=[])
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, PUT")
    response = client.request("BREW", "/v3/export-job-events")
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")


def test_update_answers_data_and_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    """A 200 update lists the updated items and rejects bad ones in errors[]."""
    job_id, ids = sandbox.create_job(2)
    updates = [success(ids[0]), success(NO_SUCH_ID)]
    response = client.put(f"/v3/export-jobs/{job_id}/items", json=updates)
    body = response.json()
    assert response.status_code == 200
    assert [item["accountingEntryId"] for item in body["data"]] == [ids[0]]
    assert [(e["accountingEntryId"], e["type"]) for e in body["errors"]] == [
        (NO_SUCH_ID, "ACCOUNTING_ENTRY_DOES_NOT_EXIST")
    ]


def test_update_over_100_items_is_413(sandbox: Sandbox, client: httpx.Client) -> None:
    """101 items in one PUT is 413 and counted."""
    job_id, ids = sandbox.create_job(101)
    response = client.put(f"/v3/export-jobs/{job_id}/items", json=[success(i) for i in ids])
    assert error_of(response) == (413, "EXPORT_JOB_ITEMS_UPDATE_LIMIT")
    assert sandbox.oversized_puts == 1
    assert sandbox.log[-1].item_count == 101


@pytest.mark.contract_exempt(reason="sends a body that is not JSON, on purpose")
def test_body_that_is_not_json_is_400(sandbox: Sandbox, client: httpx.Client) -> None:
    """Broken JSON is 400 with a message that says where."""
    job_id, _ = sandbox.create_job(1)
    response = client.put(
        f"/v3/export-jobs/{job_id}/items",
        content=b"[{",
        headers={"Content-Type": "application/json"},
    )
    assert error_of(response) == (400, "BAD_REQUEST")
    assert "line 1 column" in response.json()["message"]


def test_body_without_json_content_type_is_415(sandbox: Sandbox, client: httpx.Client) -> None:
    """A body not sent as application/json is refused."""
    job_id, _ = sandbox.create_job(1)
    response = client.put(f"/v3/export-jobs/{job_id}/items", content=b"[]")
    assert error_of(response) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_update_after_completion_is_422(sandbox: Sandbox, client: httpx.Client) -> None:
    """Once the job is completed, a PUT is 422 EXPORT_JOB_STATUS_UNPROCESSABLE."""
    job_id, ids = sandbox.create_job(1)
    client.put(f"/v3/export-jobs/{job_id}/items", json=[success(ids[0])])
    client.post("/v3/export-job-events", json={"event": "completed", "jobId": job_id})
    response = client.put(f"/v3/export-jobs/{job_id}/items", json=[success(ids[0])])
    assert error_of(response) == (422, "EXPORT_JOB_STATUS_UNPROCESSABLE")


def test_repeated_update_is_counted(sandbox: Sandbox, client: httpx.Client) -> None:
    """Sending the same final status twice is accepted and counted as a duplicate."""
    job_id, ids = sandbox.create_job(1)
    for _ in range(2):
        client.put(f"/v3/export-jobs/{job_id}/items", json=[success(ids[0])]).raise_for_status()
    assert sandbox.duplicate_item_updates == 1


def test_whole_export_from_pending_to_completed_with_errors(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    """Start, update in batches of 100, complete: the job and events show the outcome."""
    job_id, ids = sandbox.create_job(250, start=False)
    assert (
        client.post("/v3/export-job-events", json={"event": "started", "jobId": job_id}).status_code
        == 202
    )
    updates = [failure(i) if n % 50 == 0 else success(i) for n, i in enumerate(ids)]
    for start in range(0, 250, 100):
        batch = updates[start : start + 100]
        assert client.put(f"/v3/export-jobs/{job_id}/items", json=batch).json()["errors"] == []
    done = {"event": "completed_with_errors", "jobId": job_id}
    response = client.post("/v3/export-job-events", json=done)
    assert (response.status_code, response.json()) == (202, {})
    assert sandbox.job(job_id).status == "completed_with_errors"
    assert [event.event for event in sandbox.events(job_id)] == ["started", "completed_with_errors"]


def test_illegal_event_is_422_with_a_reason(sandbox: Sandbox, client: httpx.Client) -> None:
    """Completing before every item is final is refused, saying why."""
    job_id, _ = sandbox.create_job(2)
    response = client.post("/v3/export-job-events", json={"event": "completed", "jobId": job_id})
    assert error_of(response) == (422, "INVALID_EXPORT_JOB_STATUS_CHANGE")
    assert "no final status" in response.json()["message"]


def test_event_for_unknown_job_is_404(client: httpx.Client) -> None:
    """An event naming a job that does not exist is 404."""
    response = client.post("/v3/export-job-events", json={"event": "started", "jobId": NO_SUCH_ID})
    assert error_of(response) == (404, "EXPORT_NOT_FOUND")


def test_offset_pages_over_http_cover_250_items(sandbox: Sandbox, client: httpx.Client) -> None:
    """limit and offset walk all 250 items in order."""
    job_id, ids = sandbox.create_job(250)
    seen: list[str] = []
    for offset in (0, 100, 200):
        params = {"limit": 100, "offset": offset}
        body = client.get(f"/v3/export-jobs/{job_id}/items", params=params).json()
        seen += [item["accountingEntryId"] for item in body["data"]]
    assert seen == list(ids)
    assert body["pagination"]["total"] == 250
    assert body["pagination"]["hasNextPage"] is False


def test_cursor_pages_over_http_cover_250_items(sandbox: Sandbox, client: httpx.Client) -> None:
    """Following endCursor as after walks all 250 items in order."""
    job_id, ids = sandbox.create_job(250)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        body = client.get(f"/v3/export-jobs/{job_id}/items", params=params).json()
        seen += [item["accountingEntryId"] for item in body["data"]]
        if not body["pagination"]["hasNextPage"]:
            break
        params = {"limit": 100, "after": body["pagination"]["endCursor"]}
    assert seen == list(ids)


def test_status_filter_over_http(sandbox: Sandbox, client: httpx.Client) -> None:
    """status= narrows the listed items."""
    job_id, ids = sandbox.create_job(3)
    client.put(f"/v3/export-jobs/{job_id}/items", json=[failure(ids[2])])
    body = client.get(f"/v3/export-jobs/{job_id}/items", params={"status": "failed"}).json()
    assert [item["accountingEntryId"] for item in body["data"]] == [ids[2]]


def test_limit_over_100_is_served(sandbox: Sandbox, client: httpx.Client) -> None:
    """The contract sets no maximum page size: limit=150 answers 150 items."""
    job_id, _ = sandbox.create_job(200)
    body = client.get(f"/v3/export-jobs/{job_id}/items", params={"limit": 150}).json()
    assert len(body["data"]) == 150
    assert body["pagination"]["currentRequestPagination"]["limit"] == 150


def test_expired_job_refuses_updates_over_http() -> None:
    """With the clock an hour on, the job has expired and a PUT is 422."""
    clock = FakeClock()
    with Sandbox(token=TOKEN, clock=clock) as sandbox, connect() as api:
        job_id, ids = sandbox.create_job(2)
        clock.now += 3600
        url = f"{sandbox.base_url}/v3/export-jobs/{job_id}"
        assert api.get(url).json()["data"]["failureReasonType"] == "job_expired"
        response = api.put(f"{url}/items", json=[success(ids[0])])
    assert error_of(response) == (422, "EXPORT_JOB_STATUS_UNPROCESSABLE")
    assert [item.status for item in sandbox.items(job_id)] == ["abandoned", "abandoned"]


# -- sandbox-only endpoints ------------------------------------------------------------------


def test_control_endpoint_creates_a_pending_job(http: httpx.Client, sandbox: Sandbox) -> None:
    """POST /sandbox/jobs makes a pending job and lists its entry ids."""
    response = http.post(f"{sandbox.base_url}/sandbox/jobs", json={"items": 4}, headers=BEARER)
    body = response.json()
    assert (response.status_code, body["data"]["status"]) == (201, "pending")
    assert len(body["accountingEntryIds"]) == 4
    assert sandbox.job(body["data"]["id"]).number_of_items == 4


def test_control_endpoint_takes_entry_ids(http: httpx.Client, sandbox: Sandbox) -> None:
    """POST /sandbox/jobs with accountingEntryIds uses exactly those."""
    body = http.post(
        f"{sandbox.base_url}/sandbox/jobs", json={"accountingEntryIds": ["a", "b"]}, headers=BEARER
    ).json()
    assert body["accountingEntryIds"] == ["a", "b"]


def test_control_endpoint_refuses_a_bad_spec(http: httpx.Client, sandbox: Sandbox) -> None:
    """POST /sandbox/jobs with neither items nor ids is 400."""
    response = http.post(f"{sandbox.base_url}/sandbox/jobs", json={"count": 3}, headers=BEARER)
    assert error_of(response) == (400, "BAD_REQUEST")


def test_log_endpoint_lists_api_requests(
    http: httpx.Client, sandbox: Sandbox, client: httpx.Client
) -> None:
    """GET /sandbox/log shows each /v3 request with its item count and status."""
    job_id, ids = sandbox.create_job(2)
    client.put(f"/v3/export-jobs/{job_id}/items", json=[success(i) for i in ids])
    log = http.get(f"{sandbox.base_url}/sandbox/log", headers=BEARER).json()["data"]
    assert log == [
        {
            "index": 0,
            "method": "PUT",
            "path": f"/v3/export-jobs/{job_id}/items",
            "itemCount": 2,
            "status": 200,
            "fault": None,
            "contract": [],
            "warnings": [],
        }
    ]


def test_stats_and_events_endpoints(
    http: httpx.Client, sandbox: Sandbox, client: httpx.Client
) -> None:
    """GET /sandbox/stats counts duplicates; GET /sandbox/jobs/{id}/events lists events."""
    job_id, ids = sandbox.create_job(1)
    for _ in range(2):
        client.put(f"/v3/export-jobs/{job_id}/items", json=[success(ids[0])])
    client.post("/v3/export-job-events", json={"event": "completed", "jobId": job_id})
    stats = http.get(f"{sandbox.base_url}/sandbox/stats", headers=BEARER).json()["data"]
    events = client.get(f"/sandbox/jobs/{job_id}/events").json()["data"]
    assert stats == {"requests": 3, "duplicateItemUpdates": 1, "oversizedPuts": 0}
    assert [event["event"] for event in events] == ["completed"]


# -- faults ----------------------------------------------------------------------------------


def faulty(plan: FaultPlan, **options: Any) -> Sandbox:
    return Sandbox(token=TOKEN, faults=plan, **options)


def seed_for_retry_after(*, as_date: bool) -> int:
    """A seed whose first scripted 429 sends Retry-After as a date (or in seconds)."""
    for seed in range(100):
        fault = FaultPlan.scripted(["429"], seed=seed).decide(0)
        if fault is not None and fault.retry_after_as_date is as_date:
            return seed
    raise AssertionError("no such seed below 100")


def test_rate_limit_fault_sends_retry_after_seconds() -> None:
    """A 429 fault answers with Retry-After and leaves the request unapplied."""
    seed = seed_for_retry_after(as_date=False)
    with (
        faulty(FaultPlan.scripted(["429"], seed=seed)) as sandbox,
        connect() as api,
    ):
        job_id, ids = sandbox.create_job(1)
        response = api.put(
            f"{sandbox.base_url}/v3/export-jobs/{job_id}/items", json=[success(ids[0])]
        )
        assert error_of(response) == (429, "TOO_MANY_REQUESTS")
        assert response.headers["Retry-After"] == "1"
        assert sandbox.items(job_id)[0].status == "in_progress"


def test_rate_limit_fault_can_send_an_http_date(http: httpx.Client) -> None:
    """Some seeds make the 429's Retry-After an HTTP date."""
    seed = seed_for_retry_after(as_date=True)
    with faulty(FaultPlan.scripted(["429"], seed=seed)) as sandbox:
        response = http.get(f"{sandbox.base_url}/v3/export-jobs/{NO_SUCH_ID}", headers=BEARER)
    assert parsedate_to_datetime(response.headers["Retry-After"]).tzinfo is not None


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        pytest.param("500", "application/json", id="500"),
        pytest.param("502", "text/html", id="502-html"),
        pytest.param("503", "application/json", id="503"),
    ],
)
def test_server_error_faults(http: httpx.Client, kind: str, content_type: str) -> None:
    """5xx faults answer with their status; 502 as a gateway's HTML page."""
    with faulty(FaultPlan.scripted([kind])) as sandbox:
        job_id, _ = sandbox.create_job(1)
        response = http.get(f"{sandbox.base_url}/v3/export-jobs/{job_id}", headers=BEARER)
    assert response.status_code == int(kind)
    assert response.headers["Content-Type"] == content_type


def test_drop_closes_without_applying() -> None:
    """A dropped PUT gets no answer and changes nothing."""
    with faulty(FaultPlan.scripted(["drop"])) as sandbox, connect() as api:
        job_id, ids = sandbox.create_job(1)
        with pytest.raises(httpx.RemoteProtocolError):
            api.put(f"{sandbox.base_url}/v3/export-jobs/{job_id}/items", json=[success(ids[0])])
        assert sandbox.items(job_id)[0].status == "in_progress"
        assert (sandbox.log[0].status, sandbox.log[0].fault) == (None, "drop")


def test_lost_applies_then_closes() -> None:
    """A lost PUT lands, but the client gets no answer."""
    with faulty(FaultPlan.scripted(["lost"])) as sandbox, connect() as api:
        job_id, ids = sandbox.create_job(1)
        with pytest.raises(httpx.RemoteProtocolError):
            api.put(f"{sandbox.base_url}/v3/export-jobs/{job_id}/items", json=[success(ids[0])])
        assert sandbox.items(job_id)[0].status == "successful"
        assert (sandbox.log[0].status, sandbox.log[0].fault) == (200, "lost")


def test_slow_waits_then_serves(http: httpx.Client) -> None:
    """A slow fault waits (through the injected sleep), then answers normally."""
    waits: list[float] = []
    plan = FaultPlan.parse("slow=1", slow_seconds=0.3)
    with faulty(plan, sleep=waits.append) as sandbox:
        job_id, _ = sandbox.create_job(1)
        response = http.get(f"{sandbox.base_url}/v3/export-jobs/{job_id}", headers=BEARER)
    assert response.status_code == 200
    assert waits == [0.3]


def test_control_endpoints_are_never_faulted(http: httpx.Client) -> None:
    """/sandbox/ requests pass even when every API request fails."""
    with faulty(FaultPlan.parse("503=1")) as sandbox:
        response = http.post(f"{sandbox.base_url}/sandbox/jobs", json={"items": 1}, headers=BEARER)
    assert response.status_code == 201


def run_script(plan: FaultPlan) -> list[tuple[str | None, int | None]]:
    """Twenty requests in a fixed order; the faults and statuses they met."""
    with faulty(plan, sleep=lambda _: None) as sandbox, connect() as api:
        job_id, ids = sandbox.create_job(20)
        for entry in ids:
            with contextlib.suppress(httpx.TransportError):  # drop and lost: no answer
                api.put(f"{sandbox.base_url}/v3/export-jobs/{job_id}/items", json=[success(entry)])
        return [(record.fault, record.status) for record in sandbox.log]


def test_same_seed_replays_over_http() -> None:
    """The same seed and request order give the same faults and outcomes."""
    spec = "429=0.15,500=0.1,502=0.1,503=0.1,slow=0.1,drop=0.1,lost=0.1"
    first = run_script(FaultPlan.parse(spec, seed=7))
    assert first == run_script(FaultPlan.parse(spec, seed=7))
    assert len({fault for fault, _ in first}) > 3


# -- concurrency -----------------------------------------------------------------------------


def test_concurrent_clients_each_land_their_updates(sandbox: Sandbox) -> None:
    """Eight threads updating their own items at once all succeed, none lost."""
    job_id, ids = sandbox.create_job(400)
    failures: list[BaseException] = []

    def report(chunk: list[str]) -> None:
        try:
            with connect(sandbox.base_url) as api:
                for entry in chunk:
                    response = api.put(f"/v3/export-jobs/{job_id}/items", json=[success(entry)])
                    assert response.json()["errors"] == []
        except BaseException as exc:  # handed to the main thread to fail there
            failures.append(exc)

    threads = [threading.Thread(target=report, args=(list(ids[n::8]),)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert {item.status for item in sandbox.items(job_id)} == {"successful"}
    assert sorted(record.index for record in sandbox.log) == list(range(400))


def test_requests_are_served_side_by_side() -> None:
    """Four slow requests wait for each other inside the server, so they run at once."""
    meet = threading.Barrier(4)
    statuses: list[int] = []

    def together(_: float) -> None:
        meet.wait(timeout=10)  # breaks, failing the requests, if the server ran them one by one

    with faulty(FaultPlan.parse("slow=1"), sleep=together) as sandbox:
        job_id, _ = sandbox.create_job(1)
        url = f"{sandbox.base_url}/v3/export-jobs/{job_id}"

        def read() -> None:
            with connect() as api:
                statuses.append(api.get(url).status_code)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 4


# -- the command -----------------------------------------------------------------------------


def sandbox_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="failreason")
    register(parser.add_subparsers())
    return parser.parse_args(["sandbox", *argv])


def test_command_prints_the_job_and_serves_it(http: httpx.Client) -> None:
    """failreason sandbox prints base URL, job id and entry ids, then serves them."""
    args = sandbox_args("--items", "3", "--token", "secret")
    out = io.StringIO()
    seen: dict[str, Any] = {}

    def visit() -> None:
        started = json.loads(out.getvalue())
        url = f"{started['baseUrl']}/v3/export-jobs/{started['jobId']}"
        seen.update(started, job=http.get(url, headers={"Authorization": "Bearer secret"}).json())

    assert args.run(args, out, wait=visit) == 0
    assert len(seen["accountingEntryIds"]) == 3
    assert seen["job"]["data"]["status"] == "in_progress"


def test_command_exits_0_on_ctrl_c() -> None:
    """Interrupting the served sandbox is a normal stop."""

    def interrupt() -> None:
        raise KeyboardInterrupt

    args = sandbox_args()
    assert args.run(args, io.StringIO(), wait=interrupt) == 0


def test_command_refuses_a_bad_fault_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown fault kind is a usage error that names it."""
    with pytest.raises(SystemExit) as caught:
        sandbox_args("--faults", "429=0.1,timeout=0.2")
    assert caught.value.code == 2
    assert "unknown fault kind 'timeout'" in capsys.readouterr().err


def test_command_applies_seed_to_the_faults(http: httpx.Client) -> None:
    """--seed and --faults together make the plan the server uses."""
    args = sandbox_args("--faults", "503=1", "--seed", "9")
    out = io.StringIO()
    statuses: list[int] = []

    def visit() -> None:
        started = json.loads(out.getvalue())
        response = http.get(f"{started['baseUrl']}/v3/export-jobs/{NO_SUCH_ID}", headers=BEARER)
        statuses.append(response.status_code)

    args.run(args, out, wait=visit)
    assert json.loads(out.getvalue())["seed"] == 9
    assert statuses == [503]
