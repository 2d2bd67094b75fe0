"""Export items for ``GET /v3/export-items``: realistic accounting entries, made up.

Each entry gets the same made-up expense every time (seeded by its id): a card purchase,
an out-of-pocket expense or a supplier invoice, with one or two lines, each with a GL
account (or none, as an unmapped expense has), a tax code and tags; a contra account; a
supplier, or a vendor under accounts payable; a receipt; the shapes of Pleo's ExportItemV3.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

_ACCOUNTS = (
    ("6100", "Meals and Entertainment"),
    ("6200", "Travel"),
    ("6300", "Software subscriptions"),
    ("6400", "Office supplies"),
)
_TAXES = (("S25", 0.25, "inclusive"), ("R12", 0.12, "inclusive"), ("Z0", 0.0, "exclusive"))
_SUPPLIERS = (
    ("GOOGLE*ADS8693645259", "7311", "IE"),
    ("SAS SCANDINAVIAN AIRLINES", "3058", "DK"),
    ("STAPLES 0042", "5943", "GB"),
    ("ATLASSIAN", "5734", "AU"),
)
_TAGS = (("DEPT", "SALES"), ("DEPT", "R&D"), ("PROJECT", "P-1042"))


def export_item(entry_id: str, company_id: str, currency: str = "DKK") -> dict[str, Any]:
    """Pleo's ExportItemV3 for one accounting entry, the same for the same id."""
    rng = random.Random(entry_id)  # noqa: S311 - made-up data, reproducible per entry
    kind = rng.choice(("card_purchase", "card_purchase", "out_of_pocket", "invoice"))
    total = rng.randrange(1_500, 250_000)
    first = total if rng.random() < 0.7 else rng.randrange(500, total)
    lines = [_line(rng, first, currency)]
    if first < total:
        lines.append(_line(rng, total - first, currency))
    method = "accounts_payable" if kind == "invoice" else rng.choice(("journal", "none"))
    item: dict[str, Any] = {
        "_links": {"web": {"exportItem": f"https://app.pleo.io/export/{entry_id}"}},
        "accountingEntryId": entry_id,
        "accountingEntryLines": lines,
        "additionalInformation": {"reconciliationId": f"B{rng.randrange(10_000, 99_999)}"},
        "amount": _money(total, currency),
        "bookkeeping": {"method": method},
        "companyId": company_id,
        "contraAccount": {
            "id": _id(rng),
            "name": f"Pleo {currency} Account",
            "code": "1930",
            "identifier": "1930",
        },
        "date": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T00:00:00Z",
        "files": [
            {
                "size": rng.randrange(20_000, 900_000),
                "type": "application/pdf",
                "url": f"https://files.pleo.io/receipts/{entry_id}.pdf",
            }
        ],
        "note": rng.choice((None, "Client dinner", "Team offsite")),
        "type": kind,
    }
    name, category, country = rng.choice(_SUPPLIERS)
    item["supplier"] = {"name": name, "categoryCode": category, "country": country}
    if method == "accounts_payable":
        item["vendor"] = {
            "id": _id(rng),
            "name": name.title(),
            "code": f"V{rng.randrange(1000, 9999)}",
            "defaultCurrency": currency,
            "country": country,
        }
    return item


def _line(rng: random.Random, amount: int, currency: str) -> dict[str, Any]:
    code, name = rng.choice(_ACCOUNTS)
    tax_code, rate, tax_type = rng.choice(_TAXES)
    tax_amount = round(amount * rate / (1 + rate)) if tax_type == "inclusive" else 0
    unmapped = rng.random() < 0.1  # an expense nobody gave a GL account
    account = None if unmapped else {"id": _id(rng), "name": name, "code": code, "identifier": code}
    group, tag = rng.choice(_TAGS)
    return {
        "accountingEntryLineId": _id(rng),
        "account": account,
        "lineAmount": _money(amount, currency),
        "netAmount": _money(amount - tax_amount, currency),
        "tax": {
            "id": _id(rng),
            "code": tax_code,
            "rate": rate,
            "type": tax_type,
            "amount": _money(tax_amount, currency),
        },
        "tags": [{"id": _id(rng), "code": tag, "groupCode": group}],
    }


def _money(cents: int, currency: str) -> dict[str, Any]:
    value = {"currency": currency, "value": cents}
    return {"inSupplierCurrency": dict(value), "inWalletCurrency": dict(value)}


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
