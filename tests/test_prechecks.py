"""The pre-checks on one export item, and the runner's pure decisions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import failreason
from failreason._prechecks import ExportConfiguration, precheck
from failreason._run_plan import RunOptions, posted_of, retry_after, work_to_do


def item(*accounts: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    lines = [{"accountingEntryLineId": f"l{n}", "account": a} for n, a in enumerate(accounts)]
    return {"accountingEntryId": "e1", "accountingEntryLines": lines, **fields}


TRAVEL = {"id": "a1", "name": "Travel", "code": "6200", "identifier": "6200"}
UNCODED = {"id": "a2", "name": "Meals", "code": None, "identifier": None}


@pytest.mark.parametrize(
    ("configuration", "data", "reason"),
    [
        (
            ExportConfiguration(journals={"Purchases": None}),
            item(TRAVEL),
            "Journal Purchases missing: provide journal Purchases in the configurations",
        ),
        (
            ExportConfiguration(journals={"Purchases": "  "}),
            item(TRAVEL),
            "Journal Purchases missing: provide journal Purchases in the configurations",
        ),
        (
            ExportConfiguration(accounts={"2820": ""}),
            item(TRAVEL),
            "Account 2820 missing: provide account 2820 in the configurations",
        ),
        (
            ExportConfiguration(expense_accounts={"6100": "AS-6100"}),
            item(TRAVEL),
            "Account 6200 missing: provide account 6200 in the configurations",
        ),
        (
            ExportConfiguration(),
            item(TRAVEL, UNCODED),
            "Account Meals missing: provide account Meals in the configurations",
        ),
        (
            ExportConfiguration(),
            item(TRAVEL, None),
            "Account Default expense missing: provide account Default expense in the "
            "configurations",
        ),
        (
            ExportConfiguration(),
            item(TRAVEL, contraAccount={"id": "c", "name": "Pleo DKK Account", "code": None}),
            "Account Pleo DKK Account missing: provide account Pleo DKK Account in the "
            "configurations",
        ),
    ],
)
def test_each_missing_setting_fails_the_item_with_the_seeds_words(
    engine: failreason.Engine, configuration: ExportConfiguration, data: Any, reason: str
) -> None:
    envelope = precheck(data, configuration)
    assert envelope is not None
    result = engine.classify(envelope)
    assert (result.failure_reason_type, result.failure_reason) == ("missing_configuration", reason)


@pytest.mark.parametrize(
    ("configuration", "data"),
    [
        (ExportConfiguration(), item(TRAVEL)),
        (ExportConfiguration(default_expense_account="6999"), item(None)),
        (ExportConfiguration(expense_accounts={"6200": "AS-6200"}), item(TRAVEL)),
        (ExportConfiguration(journals={"Purchases": "PJ"}, accounts={"2820": "2820"}), item()),
        (ExportConfiguration(), {"accountingEntryId": "e1", "accountingEntryLines": None}),
    ],
)
def test_a_configured_item_passes(configuration: ExportConfiguration, data: Any) -> None:
    assert precheck(data, configuration) is None


def test_needs_limits_the_check_to_what_the_item_uses() -> None:
    configuration = ExportConfiguration(
        journals={"Purchases": "PJ", "Reimbursements": None},
        needs=lambda data: ["Reimbursements"] if data.get("type") == "out_of_pocket" else [],
    )
    assert precheck(item(TRAVEL, type="card_purchase"), configuration) is None
    missing = precheck(item(TRAVEL, type="out_of_pocket"), configuration)
    assert missing == {
        "stage": "validation",
        "code": "missing_journal",
        "params": {"journal": "Reimbursements"},
    }


def test_what_counts_as_configured_is_the_connectors_to_say() -> None:
    configuration = ExportConfiguration(
        journals={"Purchases": "UNSET"}, is_configured=lambda value: value not in (None, "UNSET")
    )
    assert precheck(item(TRAVEL), configuration) is not None


def test_the_connectors_return_value_is_read_strictly() -> None:
    assert posted_of("JE-1") == failreason.Posted(external_id="JE-1")
    assert posted_of(None) == failreason.Posted()
    refused = failreason.Failed({"status": 400})
    assert posted_of(refused) is refused
    with pytest.raises(failreason.StopRunError, match="returned dict"):
        posted_of({"externalId": "JE-1"})


def test_retry_after_is_read_from_an_httpx_error_or_an_envelope() -> None:
    response = httpx.Response(
        429, headers={"Retry-After": "12"}, request=httpx.Request("GET", "https://x.test")
    )
    error = httpx.HTTPStatusError("429", request=response.request, response=response)
    assert retry_after(error) == 12
    assert retry_after({"status": 429, "headers": {"retry-after": "3"}}) == 3
    assert retry_after({"status": 429, "headers": {"retry-after": "Wed, 21 Oct 2015"}}) is None
    assert retry_after(httpx.ConnectError("refused")) is None
    assert retry_after(ValueError("no headers")) is None


def test_items_final_in_pleo_are_not_worked_again() -> None:
    data = [{"accountingEntryId": e} for e in ("a", "b", "c", "b")]
    held = {"a": {"status": "successful"}, "c": {"status": "in_progress"}}
    todo, final = work_to_do(data, held)
    assert ([i["accountingEntryId"] for i in todo], final) == (["b", "c"], 1)


@pytest.mark.parametrize(
    "options",
    [
        {"concurrency": 0},
        {"concurrency": True},
        {"attempts": 0},
        {"keep_alive_every": 0},
        {"keep_alive_every": float("nan")},
        {"poll_interval": -1},
    ],
)
def test_bad_options_are_refused_by_name(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        RunOptions(**options)
