"""The sandbox as the spec has it, over HTTP, through ``failreason.testing``."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import failreason
import failreason.testing
from failreason import _sandbox, _sandbox_model
from failreason._sandbox_cli import register
from failreason.testing import Sandbox, contract_watch, response_problems

TOKEN = "t"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SEED_JOB_TYPE = "accounting_system_validation_failure"


@pytest.fixture
def pleo() -> Iterator[Sandbox]:
    with Sandbox(token=TOKEN, seed=3) as running:
        yield running


@pytest.fixture
def api(pleo: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pleo.base_url, headers=BEARER) as client:
        yield client


def success(entry_id: str) -> dict[str, str]:
    return {"accountingEntryId": entry_id, "status": "successful"}


def log_of(api: httpx.Client) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = api.get("/sandbox/log").json()["data"]
    return records


# -- jobs: list and create -------------------------------------------------------------------


def test_jobs_are_listed_and_filtered_by_status(pleo: Sandbox, api: httpx.Client) -> None:
    """GET /v3/export-jobs lists jobs oldest first; statuses= (repeatable) filters them."""
    pending, _ = pleo.create_job(1, start=False)
    running, _ = pleo.create_job(2)
    every = api.get("/v3/export-jobs").json()
    assert [job["id"] for job in every["data"]] == [pending, running]
    assert every["pagination"]["total"] == 2
    one = api.get("/v3/export-jobs", params={"statuses": "pending"}).json()
    assert [job["id"] for job in one["data"]] == [pending]
    assert one["pagination"]["currentRequestPagination"]["parameters"] == {"statuses": ["pending"]}
    both = api.get("/v3/export-jobs", params=[("statuses", "pending"), ("statuses", "in_progress")])
    assert len(both.json()["data"]) == 2
    other = api.get(
        "/v3/export-jobs", params={"company_id": "0f0f0f0f-0000-4000-8000-0000000000aa"}
    )
    assert other.json()["data"] == []


def test_a_job_is_created_over_the_api(pleo: Sandbox, api: httpx.Client) -> None:
    """POST /v3/export-jobs makes a pending job: 201, isInteractive true unless said."""
    _, ids = pleo.create_job(2, start=False)  # entry ids to reuse
    company = api.get("/v3/export-jobs").json()["data"][0]["companyId"]
    body = {
        "accountingEntryIds": list(ids),
        "companyId": company,
        "options": {"vendorBasedBookkeeping": True},
    }
    response = api.post("/v3/export-jobs", json=body)
    assert response.status_code == 201
    job = response.json()["data"]
    assert (job["status"], job["numberOfItems"], job["isInteractive"]) == ("pending", 2, True)
    assert job["vendorBasedBookkeeping"] is True
    assert [item.accounting_entry_id for item in pleo.items(job["id"])] == list(ids)


def test_a_second_job_while_one_is_in_progress_is_409(pleo: Sandbox, api: httpx.Client) -> None:
    """Pleo runs one job at a time per company."""
    job_id, ids = pleo.create_job(1)
    company = api.get(f"/v3/export-jobs/{job_id}").json()["data"]["companyId"]
    body = {"accountingEntryIds": list(ids), "companyId": company, "isInteractive": False}
    response = api.post("/v3/export-jobs", json=body)
    assert (response.status_code, response.json()["type"]) == (409, "EXPORT_ALREADY_IN_PROGRESS")


# -- export items ----------------------------------------------------------------------------


def test_export_items_carry_realistic_accounting_entries(pleo: Sandbox, api: httpx.Client) -> None:
    """GET /v3/export-items?job_id= gives each entry's lines, accounts, tax and contra account."""
    job_id, ids = pleo.create_job(30)
    body = api.get("/v3/export-items", params={"job_id": job_id, "limit": 50}).json()
    items = body["data"]
    assert [item["accountingEntryId"] for item in items] == list(ids)
    assert {item["type"] for item in items} >= {"card_purchase", "invoice"}
    lines = [line for item in items for line in item["accountingEntryLines"]]
    assert any(line["account"] is None for line in lines)  # an unmapped expense, now and then
    assert all(line["tax"]["code"] for line in lines)
    methods = {item["bookkeeping"]["method"] for item in items}
    assert "accounts_payable" in methods
    assert all(
        "vendor" in item for item in items if item["bookkeeping"]["method"] == "accounts_payable"
    )
    again = api.get("/v3/export-items", params={"job_id": job_id, "limit": 50}).json()
    assert again["data"] == items  # the same entry, the same data


def test_export_items_of_a_finished_job_are_422(pleo: Sandbox, api: httpx.Client) -> None:
    """Only a pending or in-progress job's export items can be read."""
    job_id, ids = pleo.create_job(1)
    api.put(f"/v3/export-jobs/{job_id}/items", json=[success(ids[0])])
    api.post("/v3/export-job-events", json={"event": "completed", "jobId": job_id})
    response = api.get("/v3/export-items", params={"job_id": job_id})
    assert (response.status_code, response.json()["type"]) == (
        422,
        "EXPORT_JOB_STATUS_UNPROCESSABLE",
    )


# -- failing a job ---------------------------------------------------------------------------


def test_an_early_failed_event_is_202(pleo: Sandbox, api: httpx.Client) -> None:
    """A job the connector cannot process at all is failed before any item is final."""
    job_id, _ = pleo.create_job(3)
    event = {
        "event": "failed",
        "jobId": job_id,
        "failureReasonType": "accounting_system_unreachable",
        "failureReason": "Failed to reach the Accounting System.",
    }
    assert api.post("/v3/export-job-events", json=event).status_code == 202
    assert pleo.job(job_id).status == "failed"
    assert {item.status for item in pleo.items(job_id)} == {"abandoned"}


@pytest.mark.contract_exempt(reason="sends the seed's job type, which Pleo's enum lacks")
def test_the_seeds_job_type_is_refused_by_default(pleo: Sandbox, api: httpx.Client) -> None:
    """The job-event enum is Pleo's: the seed's default is a 400 naming the field."""
    job_id, _ = pleo.create_job(0)
    event = {"event": "failed", "jobId": job_id, "failureReasonType": SEED_JOB_TYPE}
    response = api.post("/v3/export-job-events", json=event)
    assert (response.status_code, response.json()["type"]) == (400, "BAD_REQUEST")
    assert "failureReasonType" in response.json()["message"]
    assert pleo.job(job_id).status == "in_progress"
    event["failureReasonType"] = "validation_failure"  # the closest value Pleo has
    assert api.post("/v3/export-job-events", json=event).status_code == 202


@pytest.mark.contract_exempt(reason="sends the seed's job type, which Pleo's enum lacks")
def test_the_seeds_job_type_is_accepted_when_asked() -> None:
    """accept_seed_job_type lets accounting_system_validation_failure through."""
    with (
        Sandbox(token=TOKEN, accept_seed_job_type=True) as lenient,
        httpx.Client(headers=BEARER) as plain,
    ):
        job_id, _ = lenient.create_job(0)
        event = {"event": "failed", "jobId": job_id, "failureReasonType": SEED_JOB_TYPE}
        response = plain.post(f"{lenient.base_url}/v3/export-job-events", json=event)
        assert response.status_code == 202
        assert lenient.job(job_id).failure_reason_type == SEED_JOB_TYPE


# -- warnings --------------------------------------------------------------------------------


def test_stricter_checks_are_warnings_in_the_log() -> None:
    """With warnings=True, an unknown field and a failed item without reason are logged."""
    with (
        Sandbox(token=TOKEN, warnings=True) as pleo,
        httpx.Client(base_url="", headers=BEARER) as plain,
    ):
        job_id, ids = pleo.create_job(2)
        updates = [
            {**success(ids[0]), "memo": "x"},
            {"accountingEntryId": ids[1], "status": "failed"},
        ]
        response = plain.put(f"{pleo.base_url}/v3/export-jobs/{job_id}/items", json=updates)
        log = plain.get(f"{pleo.base_url}/sandbox/log").json()["data"]
    assert response.json()["errors"] == []
    (record,) = log
    assert len(record["warnings"]) == 2
    assert "unknown field 'memo'" in record["warnings"][0]
    assert "without failureReasonType and failureReason" in record["warnings"][1]


def test_warnings_are_off_by_default(pleo: Sandbox, api: httpx.Client) -> None:
    job_id, ids = pleo.create_job(1)
    api.put(
        f"/v3/export-jobs/{job_id}/items", json=[{"accountingEntryId": ids[0], "status": "failed"}]
    )
    assert log_of(api)[0]["warnings"] == []


# -- the contract, checked both ways ----------------------------------------------------------


@pytest.mark.contract_exempt(reason="drifts on purpose to see the sandbox catch it")
@pytest.mark.parametrize(
    ("update", "words"),
    [
        pytest.param({"accountingEntryId": ...}, "'accountingEntryId' is missing", id="missing"),
        pytest.param({"status": "done"}, 'status: "done" is not one of', id="enum"),
        pytest.param({"status": "successful", "externalId": None}, "externalId: null", id="null"),
    ],
)
def test_a_drifting_request_is_caught(update: dict[str, Any], words: str) -> None:
    """Each kind of drift in what a client sends is named in contract_violations."""
    with (
        contract_watch() as watch,
        Sandbox(token=TOKEN) as pleo,
        httpx.Client(headers=BEARER) as plain,
    ):
        job_id, ids = pleo.create_job(1)
        item = {"accountingEntryId": ids[0], "status": "successful", **update}
        body = [{key: value for key, value in item.items() if value is not ...}]
        plain.put(f"{pleo.base_url}/v3/export-jobs/{job_id}/items", json=body)
    assert len(pleo.contract_violations) == 1
    (problem,) = watch.violations
    assert problem.startswith("request PUT /v3/export-jobs/{jobId}/items: body[0]")
    assert words in problem


@pytest.mark.contract_exempt(reason="breaks the sandbox's answers on purpose to see them caught")
@pytest.mark.parametrize(
    ("drift", "words"),
    [
        pytest.param({"isInteractive": ...}, "'isInteractive' is missing", id="missing"),
        pytest.param({"status": "running"}, 'status: "running" is not one of', id="enum"),
        pytest.param({"expiresIn": None}, "expiresIn: null where", id="null"),
    ],
)
def test_a_drifting_answer_is_caught(
    monkeypatch: pytest.MonkeyPatch, drift: dict[str, Any], words: str
) -> None:
    """Each kind of drift in what the sandbox answers is named in contract_violations."""
    original = _sandbox_model.Job.to_json

    def drifted(job: _sandbox_model.Job, now: float, expiry: float) -> dict[str, Any]:
        body = {**original(job, now, expiry), **drift}
        return {key: value for key, value in body.items() if value is not ...}

    monkeypatch.setattr(_sandbox_model.Job, "to_json", drifted)
    with Sandbox(token=TOKEN, contract=True) as pleo, httpx.Client(headers=BEARER) as plain:
        job_id, _ = pleo.create_job(1)
        plain.get(f"{pleo.base_url}/v3/export-jobs/{job_id}")
    (problem,) = pleo.contract_violations
    assert problem.startswith("response GET /v3/export-jobs/{jobId} answered 200: body.data")
    assert words in problem


def test_every_answer_of_a_whole_export_follows_the_contract(
    pleo: Sandbox, api: httpx.Client
) -> None:
    """A job from pending to completed_with_errors, every list read on the way: no drift."""
    job_id, ids = pleo.create_job(3, start=False)
    api.get("/v3/export-jobs", params={"statuses": "pending", "limit": 0})
    api.post("/v3/export-job-events", json={"event": "started", "jobId": job_id})
    api.get("/v3/export-items", params={"job_id": job_id})
    failed = {
        "accountingEntryId": ids[2],
        "status": "failed",
        "failureReasonType": "tax_code_unknown",
        "failureReason": "Tax Code S25 does not exist in the Accounting System",
    }
    api.put(f"/v3/export-jobs/{job_id}/items", json=[success(ids[0]), success(ids[1]), failed])
    page = api.get(f"/v3/export-jobs/{job_id}/items", params={"limit": 2}).json()
    after = page["pagination"]["endCursor"]
    api.get(f"/v3/export-jobs/{job_id}/items", params={"limit": 2, "after": after})
    api.post("/v3/export-job-events", json={"event": "completed_with_errors", "jobId": job_id})
    job = api.get(f"/v3/export-jobs/{job_id}").json()
    assert response_problems("GET", f"/v3/export-jobs/{job_id}", 200, job) == []
    assert job["data"]["expiresIn"] == 0
    assert pleo.contract_violations == ()
    assert all(record["contract"] == [] for record in log_of(api))


# -- the command -----------------------------------------------------------------------------


@pytest.mark.contract_exempt(reason="sends the seed's job type and an unknown field on purpose")
def test_the_command_takes_the_sandbox_options() -> None:
    """--contract, --warnings and --accept-seed-job-type reach the served sandbox."""
    parser = argparse.ArgumentParser(prog="failreason")
    register(parser.add_subparsers())
    flags = ["--items", "1", "--token", TOKEN, "--contract", "--warnings"]
    args = parser.parse_args(["sandbox", *flags, "--accept-seed-job-type"])
    out = io.StringIO()
    answers: list[int] = []
    log: list[dict[str, Any]] = []

    def visit() -> None:
        started = json.loads(out.getvalue())
        with httpx.Client(base_url=started["baseUrl"], headers=BEARER) as plain:
            item = {**success(started["accountingEntryIds"][0]), "memo": "x"}
            answers.append(
                plain.put(f"/v3/export-jobs/{started['jobId']}/items", json=[item]).status_code
            )
            event = {
                "event": "failed",
                "jobId": started["jobId"],
                "failureReasonType": SEED_JOB_TYPE,
            }
            answers.append(plain.post("/v3/export-job-events", json=event).status_code)
            log.extend(log_of(plain))

    assert args.run(args, out, wait=visit) == 0
    assert answers == [200, 202]
    assert "unknown field 'memo'" in log[0]["warnings"][0]
    assert log[0]["contract"] == []
    assert "failureReasonType" in log[1]["contract"][0]  # the seed's value is still drift


def test_the_test_helpers_live_in_failreason_testing() -> None:
    """failreason.testing is where Sandbox and FaultPlan are, not the top-level API."""
    assert failreason.testing.Sandbox is _sandbox.Sandbox
    assert not hasattr(failreason, "Sandbox")
    assert not hasattr(failreason, "FaultPlan")
    assert set(failreason.testing.__all__) >= {"Sandbox", "FaultPlan", "contract_watch"}
