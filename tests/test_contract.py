"""The Export API contract as data: each kind of drift is caught, in words, both ways."""

from __future__ import annotations

from typing import Any

import pytest

from failreason._contract import enum, operations, request_problems, response_problems

JOB = "59540ed2-7c8f-4f3e-9c1e-0a8d5f6b1c2d"
ENTRY = "6678bcee-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
ITEMS = f"/v3/export-jobs/{JOB}/items"


def job_body(**changes: Any) -> dict[str, Any]:
    job = {
        "id": JOB,
        "companyId": ENTRY,
        "createdAt": "2026-04-22T10:08:56Z",
        "expiresIn": 3600,
        "isInteractive": True,
        "numberOfItems": 1,
        "status": "in_progress",
        "vendorBasedBookkeeping": False,
    }
    job.update(changes)
    return {"data": {k: v for k, v in job.items() if v is not ...}}


def test_the_contract_covers_the_operations_the_project_uses() -> None:
    names = {(op.method, op.path) for op in operations()}
    assert names == {
        ("GET", "/v3/export-jobs"),
        ("POST", "/v3/export-jobs"),
        ("GET", "/v3/export-jobs/{jobId}"),
        ("GET", "/v3/export-jobs/{jobId}/items"),
        ("PUT", "/v3/export-jobs/{jobId}/items"),
        ("POST", "/v3/export-job-events"),
        ("GET", "/v3/export-items"),
    }


def test_the_enums_are_pleos() -> None:
    job_types = enum("ExportJobFailureReasonType")
    assert len(job_types) == 15
    assert "accounting_system_validation_failure" not in job_types
    assert len(enum("ExportJobItemFailureReasonType")) == 18
    assert enum("ExportJobItemUpdateErrorType") == (
        "ACCOUNTING_ENTRY_DOES_NOT_EXIST",
        "EXPORT_ENTRY_STATUS_UPDATE_FAILED",
        "ACCOUNTING_ENTRY_UPDATE_FAILED",
    )
    assert enum("ExportJobEventType") == ("started", "failed", "completed", "completed_with_errors")


def test_a_valid_item_update_passes_with_fractions_offsets_and_unknown_fields() -> None:
    update = {
        "accountingEntryId": ENTRY,
        "status": "in_progress",
        "exportedAt": "2026-04-22T12:08:56.250+02:00",
        "externalUrl": "JE-10452",
        "note": "not in the spec, not forbidden by it",
    }
    assert request_problems("PUT", ITEMS, "", [update]) == []


@pytest.mark.parametrize(
    ("update", "words"),
    [
        pytest.param({"status": "successful"}, "'accountingEntryId' is missing", id="missing"),
        pytest.param(
            {"accountingEntryId": ENTRY, "status": "done"},
            'body[0].status: "done" is not one of',
            id="enum",
        ),
        pytest.param(
            {"accountingEntryId": ENTRY, "status": "successful", "externalId": None},
            "body[0].externalId: null where the contract allows string",
            id="null",
        ),
    ],
)
def test_request_drift_is_caught(update: dict[str, Any], words: str) -> None:
    problems = request_problems("PUT", ITEMS, "", [update])
    assert len(problems) == 1
    assert problems[0].startswith("PUT /v3/export-jobs/{jobId}/items: ")
    assert words in problems[0]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(job_body(isInteractive=...), "'isInteractive' is missing", id="missing"),
        pytest.param(job_body(status="running"), 'status: "running" is not one of', id="enum"),
        pytest.param(job_body(expiresIn=None), "expiresIn: null where", id="null"),
    ],
)
def test_response_drift_is_caught(body: dict[str, Any], words: str) -> None:
    problems = response_problems("GET", f"/v3/export-jobs/{JOB}", 200, body)
    assert len(problems) == 1
    assert words in problems[0]


def test_a_valid_job_passes() -> None:
    assert response_problems("GET", f"/v3/export-jobs/{JOB}", 200, job_body()) == []


def test_the_job_event_enum_refuses_the_seeds_default() -> None:
    body = {
        "event": "failed",
        "jobId": JOB,
        "failureReasonType": "accounting_system_validation_failure",
    }
    (problem,) = request_problems("POST", "/v3/export-job-events", "", body)
    assert "failureReasonType" in problem
    assert "validation_failure" in problem


def test_query_parameters_are_read_as_the_contract_types_them() -> None:
    good = "limit=0&offset=5&sorting_keys=status&sorting_order=DESC&status=failed"
    assert request_problems("GET", ITEMS, good) == []
    problems = request_problems("GET", ITEMS, "limit=-1&after=abc&colour=red")
    assert len(problems) == 3
    assert any("after" in p and "^[A-Z2-7=~]+$" in p for p in problems)
    assert any("unknown query parameter 'colour'" in p for p in problems)


def test_unknown_paths_methods_and_statuses_are_named() -> None:
    assert "no operation" in request_problems("GET", "/v3/exports", "")[0]
    assert "only POST" in request_problems("GET", "/v3/export-job-events", "")[0]
    assert "documents 202" in response_problems("POST", "/v3/export-job-events", 200, {})[0]
    assert response_problems("DELETE", ITEMS, 405, {"type": "METHOD_NOT_ALLOWED"}) == []
    assert "expects a JSON body" in response_problems("GET", ITEMS, 404)[0]
    assert "needs a JSON body" in response_problems("GET", ITEMS, 401)[0]
