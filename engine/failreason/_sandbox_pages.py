"""Pagination as Pleo's Export API pages lists: by offset or by cursor, optionally sorted.

The query follows the contract's paging parameters: ``limit`` (0 or more; no maximum, and
without one a page holds ``MAX_PAGE_SIZE``), ``offset`` or one cursor (``after``/``before``,
in the contract's ``^[A-Z2-7=~]+$`` form), and ``sorting_keys`` with one ``sorting_order``
each. The answer's ``pagination`` carries ``currentRequestPagination`` with the request's
``parameters``, and leaves out what is absent instead of sending null.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from failreason._sandbox_model import _bad, _did_you_mean
from failreason._vocabulary import MAX_PAGE_SIZE

PAGE_KEYS = ("limit", "offset", "after", "before", "sorting_keys", "sorting_order")
PAGE_ORDERS = (
    "ASC",
    "ASC_NULLS_FIRST",
    "ASC_NULLS_LAST",
    "DESC",
    "DESC_NULLS_FIRST",
    "DESC_NULLS_LAST",
)
_CURSOR = re.compile(r"[A-Z2-7=~]+")


def encode_cursor(position: int) -> str:
    """An opaque cursor for the row at ``position`` (base32: the contract's alphabet)."""
    return base64.b32encode(f"row:{position}".encode()).decode()


def decode_cursor(name: str, cursor: str) -> int:
    if _CURSOR.fullmatch(cursor):
        try:
            kind, _, number = base64.b32decode(cursor).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            kind, number = "", ""
        if kind == "row" and number.isdigit():
            return int(number)
    raise _bad(f"{name}={cursor!r} is not a cursor this API gave out (use endCursor/startCursor)")


@dataclass(frozen=True)
class PageRequest:
    """The paging part of a list query, checked; ``parameters`` is the whole query."""

    limit: int = MAX_PAGE_SIZE
    offset: int | None = None
    after: str | None = None
    before: str | None = None
    sorting_keys: tuple[str, ...] = ()
    sorting_order: tuple[str, ...] = ()
    parameters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def parse(cls, query: Mapping[str, Sequence[str]], sort_keys: Sequence[str]) -> PageRequest:
        """Check the paging parameters of a ``parse_qs`` query; raise ``ApiError`` 400 if wrong."""
        for key in ("limit", "offset", "after", "before"):
            if len(query.get(key, ())) > 1:
                raise _bad(f"query parameter {key!r} given {len(query[key])} times")
        one = {key: query[key][0] for key in ("limit", "offset", "after", "before") if key in query}
        limit = _integer(one, "limit", MAX_PAGE_SIZE)
        offset = _integer(one, "offset", 0) if "offset" in one else None
        if offset is not None and ("after" in one or "before" in one):
            raise _bad("use either offset or a cursor (after/before), not both")
        if "after" in one and "before" in one:
            raise _bad("use either after or before, not both")
        for name in ("after", "before"):
            if name in one:
                decode_cursor(name, one[name])
        keys, orders = _sorting(query, sort_keys)
        parameters = tuple((key, tuple(values)) for key, values in query.items())
        return cls(limit, offset, one.get("after"), one.get("before"), keys, orders, parameters)

    def to_json(self) -> dict[str, Any]:
        """``currentRequestPagination``: what was asked, absent values left out."""
        fields: dict[str, Any] = {
            "parameters": {key: list(values) for key, values in self.parameters},
            "limit": self.limit,
            "offset": self.offset,
            "after": self.after,
            "before": self.before,
            "sortingKeys": list(self.sorting_keys) or None,
            "sortingOrder": list(self.sorting_order) or None,
        }
        return {key: value for key, value in fields.items() if value is not None}


def _sorting(
    query: Mapping[str, Sequence[str]], sort_keys: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keys = tuple(k for value in query.get("sorting_keys", ()) for k in value.split(",") if k)
    orders = tuple(o for value in query.get("sorting_order", ()) for o in value.split(",") if o)
    for key in keys:
        if key not in sort_keys:
            raise _bad(f"cannot sort by {key!r}{_did_you_mean(key, sort_keys)}")
    for order in orders:
        if order not in PAGE_ORDERS:
            raise _bad(f"sorting_order {order!r} is not one of {', '.join(PAGE_ORDERS)}")
    if orders and len(orders) != len(keys):
        raise _bad(
            f"give one sorting_order per sorting key: {len(keys)} keys, {len(orders)} orders"
        )
    return keys, orders


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    if name not in query:
        return default
    text = query[name]
    if not re.fullmatch(r"\d{1,9}", text):
        raise _bad(f"{name}={text!r} must be a whole number of at least 0")
    return int(text)


@dataclass(frozen=True)
class Page:
    """One page of rows (position in the full list, row) and Pleo's ``pagination`` block."""

    request: PageRequest
    rows: tuple[tuple[int, Any], ...]
    total: int
    has_next_page: bool
    has_previous_page: bool

    @property
    def items(self) -> tuple[Any, ...]:
        return tuple(row for _, row in self.rows)

    def to_json(self, row_json: Callable[[Any], object]) -> dict[str, Any]:
        pagination: dict[str, Any] = {
            "currentRequestPagination": self.request.to_json(),
            "hasNextPage": self.has_next_page,
            "hasPreviousPage": self.has_previous_page,
            "total": self.total,
        }
        if self.rows:
            pagination["startCursor"] = encode_cursor(self.rows[0][0])
            pagination["endCursor"] = encode_cursor(self.rows[-1][0])
        return {"data": [row_json(row) for _, row in self.rows], "pagination": pagination}


def paginate(
    rows: Sequence[tuple[int, Any]],
    request: PageRequest,
    field: Callable[[Any, str], object] = getattr,
) -> Page:
    """The page ``request`` asks for, of ``(position, row)`` already filtered, in order.

    Unsorted, a cursor is the row's position in the whole list, so it stays valid while
    rows change status; sorted, it is the row's rank in the sorted list.
    """
    ranked = list(rows)
    if request.sorting_keys:
        for key, order in reversed(list(zip(request.sorting_keys, _orders(request), strict=True))):
            ranked.sort(
                key=lambda row: _sort_value(field(row[1], key), order), reverse=_desc(order)
            )
        ranked = [(rank, row) for rank, (_, row) in enumerate(ranked)]
    limit = request.limit
    if request.after is not None:
        mark = decode_cursor("after", request.after)
        later = [row for row in ranked if row[0] > mark]
        page, has_next = later[:limit], len(later) > limit
        has_previous = len(later) < len(ranked)
    elif request.before is not None:
        mark = decode_cursor("before", request.before)
        earlier = [row for row in ranked if row[0] < mark]
        page, has_previous = earlier[len(earlier) - limit :] if limit else [], len(earlier) > limit
        has_next = len(earlier) < len(ranked)
    else:
        start = request.offset or 0
        page = ranked[start : start + limit]
        has_next, has_previous = start + limit < len(ranked), start > 0
    return Page(request, tuple(page), len(ranked), has_next, has_previous)


def _desc(order: str) -> bool:
    return order.startswith("DESC")


def _orders(request: PageRequest) -> tuple[str, ...]:
    return request.sorting_order or ("ASC",) * len(request.sorting_keys)


def _sort_value(value: object, order: str) -> tuple[bool, str]:
    """A key that puts nulls last, or first when the order says so, either way round."""
    nulls_first = order.endswith("NULLS_FIRST")
    missing = value is None
    nulls_high = nulls_first == _desc(order)  # a reversed sort puts high keys first
    return (missing == nulls_high, "" if missing else str(value))
