"""Limits on what a template render may produce, shared by the Jinja sandbox and the plain path.

Kept apart from ``_template_limits`` (which needs Jinja) so the plain render path, and a
process that only classifies, never imports Jinja.
"""

MAX_VALUE = 65_536  # characters, items, or both, in any one value, shared parts counted each time
MAX_OUTPUT = 65_536  # characters a render may produce (a reason is cut to 500 anyway)
