"""The checks a connector runs on an export item before it touches the accounting system.

Pleo's "Update Export Items" page lists three validation failures (Missing Journal, Missing
Account, Missing Expense GL Account) worded "Journal X missing: provide journal X in the
configurations" and "Account X missing: provide account X in the configurations". A check
here finds the X and returns the envelope the rules in ``rules/validation.yaml`` turn into
that wording, so the words stay in templates and rule authors can change them.

What counts as configured is the connector's to say (``ExportConfiguration``): the journals and
accounts it needs by name, with their values (None or blank: not set), and how a line's
expense account in Pleo maps onto the accounting system.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from failreason._run_types import ExportItem

Envelope = dict[str, Any]


def is_set(value: object) -> bool:
    """The default meaning of "configured": a value that is not None and not blank."""
    return value is not None and str(value).strip() != ""


@dataclass(frozen=True)
class ExportConfiguration:
    """What the connector was configured with, as the pre-checks read it.

    ``journals`` and ``accounts``: what every entry needs, by the name the bookkeeper sees in
    the configuration, with the value set there. ``needs(item)``, when given, says which of
    those names one item needs (say, the purchase journal for card purchases only).
    ``expense_accounts``: Pleo's account code to the accounting system's account, when the
    connector maps them; without it a line's own code (or identifier) is posted as it is.
    ``default_expense_account`` takes the lines without any account.
    """

    journals: Mapping[str, str | None] = field(default_factory=dict)
    accounts: Mapping[str, str | None] = field(default_factory=dict)
    expense_accounts: Mapping[str, str | None] | None = None
    default_expense_account: str | None = None
    default_expense_account_name: str = "Default expense"
    needs: Callable[[ExportItem], Iterable[str]] | None = None
    is_configured: Callable[[object], bool] = is_set


def precheck(item: ExportItem, configuration: ExportConfiguration) -> Envelope | None:
    """The envelope of the item's first validation failure, or None when it may be posted."""
    configured = configuration.is_configured
    needed = set(configuration.needs(item)) if configuration.needs else None
    for name, value in configuration.journals.items():
        if (needed is None or name in needed) and not configured(value):
            return _missing("missing_journal", journal=name)
    for name, value in configuration.accounts.items():
        if (needed is None or name in needed) and not configured(value):
            return _missing("missing_account", account=name)
    contra = _unmapped(item.get("contraAccount"), None, configured)
    if contra is not None:
        return _missing("missing_account", account=contra)
    for line in _lines(item):
        missing = _line_account(line, configuration)
        if missing is not None:
            return _missing("missing_expense_gl_account", account=missing)
    return None


def _missing(code: str, **params: str) -> Envelope:
    return {"stage": "validation", "code": code, "params": params}


def _lines(item: ExportItem) -> list[Mapping[str, Any]]:
    lines = item.get("accountingEntryLines")
    if not isinstance(lines, list):
        return []
    return [line for line in lines if isinstance(line, Mapping)]


def _line_account(line: Mapping[str, Any], configuration: ExportConfiguration) -> str | None:
    """The name of the line's expense account the configuration lacks, or None."""
    account = line.get("account")
    if not isinstance(account, Mapping):
        if configuration.is_configured(configuration.default_expense_account):
            return None
        return configuration.default_expense_account_name
    return _unmapped(account, configuration.expense_accounts, configuration.is_configured)


def _unmapped(
    account: object,
    mapping: Mapping[str, str | None] | None,
    configured: Callable[[object], bool],
) -> str | None:
    """An account of Pleo's (``AccountV3``/``ContraAccount``) that cannot be posted: it has
    no code, or its code is not mapped; named by its code, else its name. None when fine or
    when there is no account object at all (a contra account Pleo left out)."""
    if not isinstance(account, Mapping):
        return None
    code = next((str(account[k]) for k in ("code", "identifier") if is_set(account.get(k))), None)
    name = str(account.get("name") or "").strip() or None
    if code is None:
        return name or "without a code"
    if mapping is not None and not configured(mapping.get(code)):
        return code
    return None
