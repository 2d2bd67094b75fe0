"""How much of a raw error failreason examines: every bound in one place.

Work and memory grow with what is examined, never with what was sent, so a 50 MB body costs
what a 1 MiB one does. Past each bound the input is cut, never refused, and the reason is
built from what was read. The README's "Bounds" section lists these values.
"""

from __future__ import annotations

MAX_BODY_BYTES = 1 << 20
"""Bytes of a bytes body (or an httpx response's content) decoded; the rest is not read."""

MAX_BODY_CHARS = 1 << 20
"""Characters of a text body parsed; also the budget for all strings (keys included) of a
JSON value passed as body or params."""

MAX_DEPTH = 64
"""Nesting levels of a JSON value, parsed document or XML tree; deeper values are dropped."""

MAX_NODES = 20_000
"""Objects, arrays and values read from a JSON body (parsed, or passed in as a value) or
params, in document order; later members are dropped. Error bodies hold hundreds."""

MAX_FIELD_CHARS = 10_000
"""Characters kept of ``message``, ``code``, ``system``, ``stage`` and header values."""

MAX_HEADERS = 200
"""Headers kept; later ones are dropped."""

MAX_MESSAGE_CHARS = 10_000
"""Characters of each message read before it is cleaned."""

MAX_MESSAGES = 20
"""Distinct messages kept per error, in document order."""

MAX_CODES = 32
"""Distinct error codes kept per error, in document order."""

MAX_NUMBER_BITS = 1024
"""Integers wider than this (about 308 digits) in a JSON value passed in are dropped."""
