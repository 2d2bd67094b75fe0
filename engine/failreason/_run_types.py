"""What a connector hands the export runner and what it gets back.

The connector writes one function, ``post_entry(item)``, that posts one of Pleo's export
items (``ExportItemV3``, a dict as Pleo sends it) into the accounting system. It returns what
the accounting system made (``Posted``, or just the external id as a string), and either
raises the accounting system's error or returns ``Failed(error)``; the runner classifies the
error with the rules. ``StopRunError`` stops the whole run without reporting anything for the item
(a broken connector, not a refused entry): the job stays ``in_progress`` and running again
with ``recover=True`` finishes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from failreason._errors import FailreasonError

ExportItem = Mapping[str, Any]  # Pleo's ExportItemV3, as ``GET /v3/export-items`` returns it


@dataclass(frozen=True)
class Posted:
    """The entry the accounting system made for one export item."""

    external_id: str | None = None
    external_url: str | None = None
    exported_at: datetime | None = None  # default: when the runner saw the answer


@dataclass(frozen=True)
class Failed:
    """The accounting system refused the item: ``error`` is what it said, in any form
    ``Engine.classify`` takes (an envelope mapping, an ``httpx.Response``, an exception)."""

    error: object


class StopRunError(FailreasonError):
    """Stop the run now, reporting nothing for the item at hand; run again to finish."""


PostResult = Posted | Failed | str | None  # None: posted, with nothing to refer to
PostEntry = Callable[[ExportItem], PostResult]
AsyncPostEntry = Callable[[ExportItem], Awaitable[PostResult]]
# Pre-export validation, given the job: raise the accounting system's error (or return
# ``Failed(error)``) to fail the job; return None to go on.
Validate = Callable[[Mapping[str, Any]], Failed | None]
AsyncValidate = Callable[[Mapping[str, Any]], Awaitable[Failed | None]]
