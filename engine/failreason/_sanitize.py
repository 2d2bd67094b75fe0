"""Text as it crosses the boundary: decoded, valid Unicode, nothing a bookkeeper cannot see.

Everything failreason reads from outside (envelope strings, bodies, files, lines on stdin)
may hold lone surrogates (JavaScript cuts strings inside an emoji), control characters
(terminal escapes, NUL, C1 codes) or invisible format characters (bidi overrides, zero-width
spaces). ``valid`` makes a string encodable; ``visible`` also drops what no reader should get.
"""

from __future__ import annotations

import re

_UNPAIRED = re.compile(r"[\ud800-\udfff]")
# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and other invisible
# format characters. Tabs and line breaks become spaces rather than vanish.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]"
)
_BREAKS = re.compile("[\t\n\r\x85\u2028\u2029]")
REPLACEMENT = "\ufffd"


def valid(text: str) -> str:
    """``text`` with unpaired surrogates replaced, so it can be encoded and matched."""
    if not _UNPAIRED.search(text):
        return text
    # Through UTF-16 a pair that was split into two code points joins up again.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def visible(text: str) -> str:
    """Valid text without control or invisible format characters; line breaks as spaces."""
    return _INVISIBLE.sub("", _BREAKS.sub(" ", valid(text)))
