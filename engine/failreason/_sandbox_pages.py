"""Pagination of job items, by offset or by cursor, as Pleo's Export API pages them."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from failreason._sandbox_model import (
    ITEM_STATUSES,
    Item,
    _bad,
    _did_you_mean,
)
from failreason._vocabulary import MAX_PAGE_SIZE

_QUERY_KEYS = ("limit", "offset", "after", "before", "status")


def encode_cursor(position: int) -> str:
    """An opaque cursor for the item at ``position`` in its job (stable: items never move)."""
    return base64.urlsafe_b64encode(f"item:{position}".encode()).decode().rstrip("=")


def decode_cursor(name: str, cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "item" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise _bad(f"{name}={cursor!r} is not a cursor this API gave out (use endCursor/startCursor)")


@dataclass(frozen=True)
class PageRequest:
    """The query of ``GET .../items``, checked."""

    limit: int = MAX_PAGE_SIZE
    offset: int | None = None
    after: str | None = None
    before: str | None = None
    statuses: tuple[str, ...] = ()

    @classmethod
    def parse(cls, query: Mapping[str, Sequence[str]]) -> PageRequest:
        """Check a parsed query string (``parse_qs`` shape); raise ``ApiError`` 400 if wrong."""
        for key, values in query.items():
            if key not in _QUERY_KEYS:
                raise _bad(f"unknown query parameter {key!r}{_did_you_mean(key, _QUERY_KEYS)}")
            if key != "status" and len(values) > 1:
                raise _bad(f"query parameter {key!r} given {len(values)} times")
        one = {key: values[0] for key, values in query.items() if key != "status"}
        limit = _integer(one, "limit", MAX_PAGE_SIZE, minimum=1)
        if limit > MAX_PAGE_SIZE:
            raise _bad(f"limit={limit} is over the maximum of {MAX_PAGE_SIZE}")
        offset = _integer(one, "offset", 0, minimum=0) if "offset" in one else None
        if offset is not None and ("after" in one or "before" in one):
            raise _bad("use either offset or a cursor (after/before), not both")
        if "after" in one and "before" in one:
            raise _bad("use either after or before, not both")
        for name in ("after", "before"):
            if name in one:
                decode_cursor(name, one[name])
        statuses = tuple(s for v in query.get("status", ()) for s in v.split(",") if s)
        for status in statuses:
            if status not in ITEM_STATUSES:
                raise _bad(f"unknown status {status!r}{_did_you_mean(status, ITEM_STATUSES)}")
        return cls(limit, offset, one.get("after"), one.get("before"), statuses)


def _integer(query: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    if name not in query:
        return default
    text = query[name]
    if not re.fullmatch(r"-?\d{1,9}", text) or int(text) < minimum:
        raise _bad(f"{name}={text!r} must be a whole number of at least {minimum}")
    return int(text)


@dataclass(frozen=True)
class Page:
    """One page of a job's items and Pleo's ``pagination`` block."""

    request: PageRequest
    rows: tuple[tuple[int, Item], ...]  # (position in the job, item)
    total: int
    has_next_page: bool
    has_previous_page: bool

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for _, item in self.rows)

    def to_json(self) -> dict[str, Any]:
        request = self.request
        return {
            "data": [item.to_json() for item in self.items],
            "pagination": {
                "hasNextPage": self.has_next_page,
                "hasPreviousPage": self.has_previous_page,
                "startCursor": encode_cursor(self.rows[0][0]) if self.rows else None,
                "endCursor": encode_cursor(self.rows[-1][0]) if self.rows else None,
                "total": self.total,
                "currentRequestPagination": {
                    "limit": request.limit,
                    "offset": request.offset,
                    "after": request.after,
                    "before": request.before,
                },
            },
        }


def paginate(items: Sequence[Item], request: PageRequest) -> Page:
    """The page ``request`` asks for, by offset or by cursor, after the status filter."""
    rows = [
        (n, item)
        for n, item in enumerate(items)
        if item.status in (request.statuses or ITEM_STATUSES)
    ]
    limit = request.limit
    if request.after is not None:
        mark = decode_cursor("after", request.after)
        later = [row for row in rows if row[0] > mark]
        page, has_next = later[:limit], len(later) > limit
        has_previous = len(later) < len(rows)
    elif request.before is not None:
        mark = decode_cursor("before", request.before)
        earlier = [row for row in rows if row[0] < mark]
        page, has_previous = earlier[-limit:], len(earlier) > limit
        has_next = len(earlier) < len(rows)
    else:
        start = request.offset or 0
        page = rows[start : start + limit]
        has_next, has_previous = start + limit < len(rows), start > 0
    return Page(request, tuple(page), len(rows), has_next, has_previous)
