"""The sandbox's export items: valid ExportItemV3, realistic, the same per entry, shapeable."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from failreason._contract import _problems
from failreason._sandbox_export_items import SHAPES, export_item
from failreason.testing import Sandbox

COMPANY = "2a1c4f0e-6b1d-4c47-9d0e-1f8f0c6f2b11"
ITEM_SCHEMA = {"$ref": "#/$defs/ExportItemV3"}


def entry_ids(count: int) -> list[str]:
    rng = random.Random(12)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def items(count: int = 300, *, vendor_based: bool = False) -> list[dict[str, Any]]:
    return [export_item(i, COMPANY, vendor_based=vendor_based) for i in entry_ids(count)]


def lines_of(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for row in rows for line in row["accountingEntryLines"]]


@pytest.mark.parametrize("vendor_based", [False, True], ids=["journal-job", "vendor-based-job"])
def test_generated_items_satisfy_the_contract(vendor_based: bool) -> None:
    """Hundreds of items, every shape too, validate against ExportItemV3."""
    rows = items(vendor_based=vendor_based)
    rows += [
        export_item(entry, COMPANY, vendor_based=vendor_based, shape=shape)
        for entry, shape in zip(entry_ids(40), list(SHAPES) * 10, strict=True)
    ]
    assert [problem for row in rows for problem in _problems(ITEM_SCHEMA, row, "item")] == []


def test_the_contract_check_is_not_vacuous() -> None:
    """A bad uuid, date or missing field is caught, so the test above could fail."""
    row = items(1)[0]
    for broken in (
        {**row, "accountingEntryId": "not-a-uuid"},
        {**row, "date": "yesterday"},
        {key: value for key, value in row.items() if key != "amount"},
    ):
        assert _problems(ITEM_SCHEMA, broken, "item")


def test_the_same_entry_gets_the_same_data() -> None:
    """Seeded by the entry id: identical again, different for another entry."""
    first, second = entry_ids(2)
    assert export_item(first, COMPANY) == export_item(first, COMPANY)
    assert export_item(first, COMPANY) != export_item(second, COMPANY)


def test_items_cover_card_purchases_invoices_and_reimbursements() -> None:
    """All three types, with tax, tags, files, users and supplier data."""
    rows = items()
    kinds = Counter(row["type"] for row in rows)
    assert set(kinds) == {"card_purchase", "invoice", "out_of_pocket"}
    assert kinds["card_purchase"] > kinds["invoice"]
    assert all(row["supplier"]["name"] for row in rows)
    assert all("user" in row for row in rows if row["type"] != "invoice")
    assert any(len(row["accountingEntryLines"]) == 3 for row in rows)
    lines = lines_of(rows)
    assert all(line["tax"]["code"] for line in lines)
    assert {len(line["tags"]) for line in lines} >= {0, 1, 2}
    assert any(row["files"] == [] for row in rows if row["type"] == "card_purchase")
    assert all(row["files"] for row in rows if row["type"] == "invoice")
    currencies = {row["amount"]["inSupplierCurrency"]["currency"] for row in rows}
    assert len(currencies) >= 3  # bought abroad, booked in the wallet's currency


def test_some_lines_lack_a_gl_account_but_none_lack_only_its_code() -> None:
    """Unmapped expenses occur naturally, now and then; a codeless account only by shape."""
    accounts = [line["account"] for line in lines_of(items())]
    unmapped = sum(account is None for account in accounts)
    assert 0 < unmapped < len(accounts) // 5
    assert all(a["name"] and a["code"] for a in accounts if a is not None)


def test_amounts_add_up_in_both_currencies() -> None:
    """The item's amount is the sum of its lines; net plus tax is the line."""
    for row in items():
        for side in ("inSupplierCurrency", "inWalletCurrency"):
            lines = row["accountingEntryLines"]
            assert row["amount"][side]["value"] == sum(
                line["lineAmount"][side]["value"] for line in lines
            )
        for line in row["accountingEntryLines"]:
            wallet = "inWalletCurrency"
            gross, net = line["lineAmount"][wallet]["value"], line["netAmount"][wallet]["value"]
            assert net + line["tax"]["amount"][wallet]["value"] == gross


def test_vendor_based_bookkeeping_books_purchases_to_accounts_payable() -> None:
    """Invoices and card purchases carry a vendor under AP; reimbursements stay journals."""
    for row in items(vendor_based=True):
        method = row["bookkeeping"]["method"]
        if row["type"] == "out_of_pocket":
            assert (method, "vendor" in row) == ("journal", False)
        else:
            assert method == "accounts_payable"
            assert row["vendor"]["code"]
            assert row["vendor"]["name"]


def test_without_vendor_based_bookkeeping_only_invoices_have_a_vendor() -> None:
    """A card purchase in a journal job is a journal entry (or none), with no vendor."""
    rows = items()
    for row in rows:
        has_vendor = "vendor" in row
        assert has_vendor == (row["type"] == "invoice")
        assert (row["bookkeeping"]["method"] == "accounts_payable") == has_vendor
    assert {row["bookkeeping"]["method"] for row in rows} == {"journal", "none", "accounts_payable"}


def test_vendor_based_bookkeeping_changes_only_the_bookkeeping() -> None:
    """The same entry keeps its lines, amounts and supplier in either kind of job."""
    for plain, vendor_based in zip(items(50), items(50, vendor_based=True), strict=True):
        ignored = {"bookkeeping", "vendor"}
        assert {k: v for k, v in plain.items() if k not in ignored} == {
            k: v for k, v in vendor_based.items() if k not in ignored
        }


@pytest.mark.parametrize(
    ("shape", "holds"),
    [
        pytest.param(
            "no_gl_account",
            lambda row: all(line["account"] is None for line in row["accountingEntryLines"]),
            id="no-gl-account",
        ),
        pytest.param(
            "account_without_code",
            lambda row: all(
                line["account"]["name"] and line["account"]["code"] is None
                for line in row["accountingEntryLines"]
            ),
            id="account-without-code",
        ),
        pytest.param("no_receipt", lambda row: row["files"] == [], id="no-receipt"),
        pytest.param(
            "vendor_without_code",
            lambda row: "code" not in row.get("vendor", {}),
            id="vendor-no-code",
        ),
        pytest.param({"note": "Forced"}, lambda row: row["note"] == "Forced", id="mapping"),
    ],
)
def test_a_shape_forces_its_case_on_every_entry(shape: Any, holds: Any) -> None:
    """Whatever the entry would have been, the shape holds for it."""
    for entry in entry_ids(30):
        row = export_item(entry, COMPANY, vendor_based=True, shape=shape)
        assert holds(row), entry


def test_an_unknown_shape_names_the_close_one() -> None:
    """A typo in a test's shape is refused with a suggestion."""
    with pytest.raises(ValueError, match="did you mean 'no_gl_account'"):
        export_item(entry_ids(1)[0], COMPANY, shape="no_gl_acount")


def test_the_sandbox_serves_shaped_items_of_a_vendor_based_job() -> None:
    """create_job(data=..., vendor_based_bookkeeping=True) reaches GET /v3/export-items."""
    ids = entry_ids(20)
    shapes = {ids[0]: "no_gl_account", ids[1]: "account_without_code"}
    with Sandbox(token=None) as pleo:
        job_id, _ = pleo.create_job(entry_ids=ids, vendor_based_bookkeeping=True, data=shapes)
        answer = httpx.get(f"{pleo.base_url}/v3/export-items", params={"job_id": job_id})
    rows = {row["accountingEntryId"]: row for row in answer.json()["data"]}
    assert all(line["account"] is None for line in rows[ids[0]]["accountingEntryLines"])
    assert all(line["account"]["code"] is None for line in rows[ids[1]]["accountingEntryLines"])
    assert all(
        row["bookkeeping"]["method"] == "accounts_payable"
        for row in rows.values()
        if row["type"] != "out_of_pocket"
    )


def test_data_for_an_entry_outside_the_job_is_refused() -> None:
    """A shape for an id the job does not hold is a mistake in the test, said at once."""
    with Sandbox(token=None) as pleo, pytest.raises(ValueError, match="not in the job"):
        pleo.create_job(entry_ids=["a", "b"], data={"c": "no_receipt"})
