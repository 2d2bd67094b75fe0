"""Export items for ``GET /v3/export-items``: realistic accounting entries, made up.

Each entry gets the same made-up expense every time (seeded by its id), in the shapes of
Pleo's ``ExportItemV3``: a card purchase (half of them, some abroad in another currency), an
out-of-pocket expense an employee paid and is reimbursed for, or a supplier invoice. Each has
one to three lines with a GL account, a tax code and tags; a contra account; the supplier as
the card network or invoice names it; the employee; receipts. Now and then a line has no GL
account (an expense nobody categorised, about 1 line in 14; a connector's default expense
account takes it) and a card purchase has no receipt. An account with a name but no code
never occurs by chance (no configuration could post it): a test asks for it by shape.

Bookkeeping method: an invoice is booked to accounts payable and carries a ``vendor``; a job
created with ``vendorBasedBookkeeping`` books card purchases the same way; everything else is
a ``journal`` entry (a few card purchases ``none``). Amounts are whole minor units, as Pleo's
own example sends them (``"value": 6366`` for GBP 63.66), in the supplier's currency and the
wallet's (DKK).

A test that needs a given case asks for it per entry id (``Sandbox.create_job(...,
data={entry_id: shape})``): a shape named in ``SHAPES`` (``"no_gl_account"``,
``"account_without_code"``, ``"no_receipt"``, ``"vendor_without_code"``), or a mapping whose
keys replace the item's top-level fields.
"""

from __future__ import annotations

import copy
import difflib
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any

WALLET_CURRENCY = "DKK"
_TO_WALLET = {"DKK": 1.0, "EUR": 7.46, "GBP": 8.70, "USD": 6.85, "SEK": 0.65}  # fixed, made up
_EXPENSE_ACCOUNTS = (
    ("6100", "Meals and Entertainment"),
    ("6200", "Travel"),
    ("6300", "Software subscriptions"),
    ("6400", "Office supplies"),
    ("6500", "Telephone and internet"),
    ("6600", "Training and courses"),
)
_DOMESTIC_TAXES = (("S25", 0.25, "inclusive"), ("R12", 0.12, "inclusive"))
_FOREIGN_TAX = ("Z0", 0.0, "exclusive")  # bought abroad: no Danish VAT on the receipt
# Card purchases: the merchant as the card network names it, the legal entity behind it (the
# vendor, when booked to accounts payable), its MCC, country and currency.
_MERCHANTS = (
    ("GOOGLE*ADS8693645259", "Google Ireland Ltd", "7311", "IE", "EUR"),
    ("SAS SCANDINAVIAN AIRLINES", "SAS Danmark A/S", "3058", "DK", "DKK"),
    ("STAPLES 0042", "Staples UK Ltd", "5943", "GB", "GBP"),
    ("ATLASSIAN", "Atlassian Pty Ltd", "5734", "AU", "USD"),
    ("7-ELEVEN 2143", "7-Eleven Danmark A/S", "5499", "DK", "DKK"),
    ("UBER *TRIP", "Uber B.V.", "4121", "NL", "EUR"),
    ("CAFE NORDLYS APS", "Cafe Nordlys ApS", "5812", "DK", "DKK"),
)
# Invoices (and vendor-based card purchases): the supplier as a legal entity.
_VENDORS = (
    ("Kontorland A/S", "DK", "DKK"),
    ("Nordic Cloud Hosting ApS", "DK", "DKK"),
    ("Brightside Consulting Ltd", "GB", "GBP"),
    ("Växjö Event AB", "SE", "SEK"),
    ("Studio Amsel GmbH", "DE", "EUR"),
)
_EMPLOYEES = (
    ("Maja Holm", "E104"),
    ("Jonas Berg", None),
    ("Sofie Lund", "E221"),
    ("Ali Demir", "E087"),
    ("Freja Nygaard", None),
)
_TAGS = {
    "DEPT": ("SALES", "R&D", "OPS"),
    "PROJECT": ("P-1042", "P-1077"),
    "COSTCENTER": ("CC-200",),
}
_NOTES = (None, None, "Client dinner", "Team offsite", "Printer ink", "Conference ticket")
_CONTRA = {
    "card_purchase": ("Pleo DKK Account", "1930"),
    "invoice": ("Pleo DKK Account", "1930"),  # paid from the Pleo wallet
    "out_of_pocket": ("Employee reimbursements", "2890"),
}


def export_item(
    entry_id: str,
    company_id: str,
    *,
    vendor_based: bool = False,
    shape: str | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Pleo's ExportItemV3 for one accounting entry: the same for the same id and arguments."""
    rng = random.Random(entry_id)  # noqa: S311 - made-up data, reproducible per entry
    kind = rng.choice(("card_purchase", "card_purchase", "out_of_pocket", "invoice"))
    card_method = rng.choice(("journal",) * 9 + ("none",))  # drawn always: same data either way
    if kind == "invoice" or (kind == "card_purchase" and vendor_based):
        method = "accounts_payable"
    else:
        method = card_method if kind == "card_purchase" else "journal"
    party = _party(rng, kind)
    total = rng.randrange(2_000, 400_000 if kind == "invoice" else 150_000)
    item: dict[str, Any] = {
        "_links": {
            "web": {"exportItem": f"https://app.pleo.io/export/{entry_id}"},
            "api": {"exportItem": f"https://external.pleo.io/v3/export-items/{entry_id}"},
        },
        "accountingEntryId": entry_id,
        "accountingEntryLines": _lines(rng, total, party["currency"], party["country"]),
        "additionalInformation": {"reconciliationId": f"B{rng.randrange(10_000, 99_999)}"},
        "bookkeeping": {"method": method},
        "companyId": company_id,
        "contraAccount": _contra(rng, kind),
        "date": _date(rng),
        "files": _files(rng, entry_id, kind),
        "note": rng.choice(_NOTES),
        "supplier": party["supplier"],
        "type": kind,
    }
    item["amount"] = _sum_of_lines(item["accountingEntryLines"])
    if kind != "invoice":
        name, code = rng.choice(_EMPLOYEES)
        item["user"] = {"id": _id(rng), "name": name, "code": code}
    if method == "accounts_payable":
        item["vendor"] = party["vendor"]
    return _shaped(item, shape)


def _party(rng: random.Random, kind: str) -> dict[str, Any]:
    """Who was paid: the supplier as Pleo saw it, and the vendor record for accounts payable."""
    if kind == "invoice":
        name, country, currency = rng.choice(_VENDORS)
        legal_name, category = name, None
    else:
        name, legal_name, category, country, currency = rng.choice(_MERCHANTS)
    if kind == "out_of_pocket":
        currency = WALLET_CURRENCY if rng.random() < 0.8 else currency  # mostly bought at home
    tax_id = f"{country}{rng.randrange(10_000_000, 99_999_999)}" if kind == "invoice" else None
    supplier = {
        "name": name,
        "categoryCode": category,
        "country": country,
        "code": str(rng.randrange(1_000_000_000, 9_999_999_999)),
        "account": None,
        "taxIdentifier": tax_id,
    }
    vendor = {
        "id": _id(rng),
        "name": legal_name,
        "code": f"V{rng.randrange(1000, 9999)}",
        "defaultCurrency": currency,
        "country": country,
        "taxRegistrationNumber": tax_id or f"{country}{rng.randrange(10_000_000, 99_999_999)}",
    }
    return {"supplier": supplier, "vendor": vendor, "currency": currency, "country": country}


def _lines(rng: random.Random, total: int, currency: str, country: str) -> list[dict[str, Any]]:
    count = rng.choices((1, 2, 3), weights=(7, 2, 1))[0]
    cuts = sorted(rng.sample(range(100, total - 100), count - 1)) if count > 1 else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    return [_line(rng, part, currency, country) for part in parts]


def _line(rng: random.Random, wallet: int, currency: str, country: str) -> dict[str, Any]:
    tax_code, rate, tax_type = rng.choice(_DOMESTIC_TAXES) if country == "DK" else _FOREIGN_TAX
    tax = round(wallet * rate / (1 + rate)) if tax_type == "inclusive" else 0
    return {
        "accountingEntryLineId": _id(rng),
        "account": _account(rng),
        "lineAmount": _money(wallet, currency),
        "netAmount": _money(wallet - tax, currency),
        "tax": {
            "id": _id(rng),
            "code": tax_code,
            "rate": rate,
            "type": tax_type,
            "amount": _money(tax, currency),
            "ingoingTaxAccount": "6910",
        },
        "tags": _tags(rng),
    }


def _account(rng: random.Random) -> dict[str, Any] | None:
    code, name = rng.choice(_EXPENSE_ACCOUNTS)
    if rng.random() < 0.07:
        return None  # an expense nobody gave a GL account
    return {"id": _id(rng), "name": name, "code": code, "identifier": code}


def _tags(rng: random.Random) -> list[dict[str, Any]]:
    groups = rng.sample(sorted(_TAGS), rng.choice((0, 1, 1, 2)))
    return [{"id": _id(rng), "code": rng.choice(_TAGS[g]), "groupCode": g} for g in groups]


def _files(rng: random.Random, entry_id: str, kind: str) -> list[dict[str, Any]]:
    kinds: tuple[str, ...] = ("application/pdf",)
    count = 1
    if kind != "invoice":
        count = rng.choices((0, 1, 2), weights=(1, 10, 1))[0]  # a lost receipt, now and then
        kinds = ("image/jpeg", "image/jpeg", "image/png", "application/pdf")
    files = []
    for page in range(count):
        media = rng.choice(kinds)
        suffix = {"image/jpeg": "jpg", "image/png": "png"}.get(media, "pdf")
        url = f"https://files.pleo.io/receipts/{entry_id}/{page + 1}.{suffix}"
        files.append({"size": rng.randrange(12_000, 2_500_000), "type": media, "url": url})
    return files


def _contra(rng: random.Random, kind: str) -> dict[str, Any]:
    name, code = _CONTRA[kind]
    return {"id": _id(rng), "name": name, "code": code, "identifier": code}


def _date(rng: random.Random) -> str:
    month, day = rng.randrange(1, 13), rng.randrange(1, 29)
    hour, minute, second = rng.randrange(24), rng.randrange(60), rng.randrange(60)
    return f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


def _money(wallet: int, currency: str) -> dict[str, Any]:
    supplier = round(wallet / _TO_WALLET[currency])
    return {
        "inSupplierCurrency": {"currency": currency, "value": supplier},
        "inWalletCurrency": {"currency": WALLET_CURRENCY, "value": wallet},
    }


def _sum_of_lines(lines: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = copy.deepcopy(lines[0]["lineAmount"])
    for side in ("inSupplierCurrency", "inWalletCurrency"):
        total[side]["value"] = sum(line["lineAmount"][side]["value"] for line in lines)
    return total


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# -- shapes a test asks for ------------------------------------------------------------------


def _no_gl_account(item: dict[str, Any]) -> None:
    for line in item["accountingEntryLines"]:
        line["account"] = None


def _account_without_code(item: dict[str, Any]) -> None:
    for index, line in enumerate(item["accountingEntryLines"]):
        name = _EXPENSE_ACCOUNTS[index % len(_EXPENSE_ACCOUNTS)][1]
        account = line["account"] or {"id": line["accountingEntryLineId"], "name": name}
        line["account"] = {**account, "code": None, "identifier": None}


def _no_receipt(item: dict[str, Any]) -> None:
    item["files"] = []


def _vendor_without_code(item: dict[str, Any]) -> None:
    if "vendor" in item:
        item["vendor"].pop("code", None)


SHAPES: Mapping[str, Callable[[dict[str, Any]], None]] = {
    "no_gl_account": _no_gl_account,  # no line has a GL account
    "account_without_code": _account_without_code,  # every line's account has only a name
    "no_receipt": _no_receipt,  # no files
    "vendor_without_code": _vendor_without_code,  # a vendor known by name and tax id only
}


def check_shape(shape: str | Mapping[str, Any]) -> None:
    """Refuse a shape ``export_item`` cannot make, naming the close one (a test's typo)."""
    if isinstance(shape, str) and shape not in SHAPES:
        close = difflib.get_close_matches(shape, SHAPES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"no export-item shape {shape!r}{hint} (known: {', '.join(SHAPES)})")
    if not isinstance(shape, str | Mapping):
        raise TypeError(f"a shape is a name from SHAPES or a mapping, not {type(shape).__name__}")


def _shaped(item: dict[str, Any], shape: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if shape is None:
        return item
    check_shape(shape)
    if isinstance(shape, str):
        SHAPES[shape](item)
        return item
    return {**item, **copy.deepcopy(dict(shape))}
