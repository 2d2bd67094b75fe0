"""Keep credentials out of everything failreason says: by structure first, then by shape.

Secrets are recognised first by the key that holds them (a JSON member, a form parameter,
an XML element, a header, a param) while the body still has its structure, so a bare value
such as a short refresh token is hidden although nothing about it looks secret. Free text
is then searched for secret shapes (bearer credentials, JWTs, ``key=value`` pairs, long
random runs). Every pattern here runs in linear time on untrusted text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

_RUN_CHARS = "A-Za-z0-9_+/-"  # characters of a long random run
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,2048})")
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]{1,4096}\.[\w-]{1,8192}\.[\w-]{0,4096}")
_SENSITIVE_KEYS = (
    r"api[_-]?key|x-api-key|client[_-]?secret|access[_-]?token|refresh[_-]?token"
    r"|auth[_-]?token|id[_-]?token|password|passwd|secret|token|authorization"
)
_KEY_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9])([\"']?)(" + _SENSITIVE_KEYS + r")\1(\s*[:=]\s*)"
    r"(?:\"([^\"\n]{0,1024})\"|'([^'\n]{0,1024})'"
    r"|((?:(?:bearer|basic)\s+)?[^\s\"',;&<>}\]]{1,1024}))"
)
_LONG_TOKEN = re.compile(rf"(?<![{_RUN_CHARS}])[{_RUN_CHARS}]{{32,}}={{0,2}}")


def redact(text: str) -> str:
    """Replace credentials and secret-looking tokens with "[redacted]"."""
    text = _SCHEME.sub(_redact_scheme, text)
    text = _JWT.sub(REDACTED, text)
    text = _KEY_VALUE.sub(_redact_key_value, text)
    return _LONG_TOKEN.sub(_redact_long_token, text)


def _redact_scheme(match: re.Match[str]) -> str:
    scheme, space, credential = match.groups()
    bare = credential.rstrip(".")  # a full stop ending the sentence
    if not _looks_secret(bare):
        return match.group(0)
    return f"{scheme}{space}{REDACTED}{credential[len(bare) :]}"


def _looks_secret(credential: str) -> bool:
    # "Bearer token" or "Basic authentication" are words, not credentials.
    has_digit_or_symbol = any(not char.isalpha() for char in credential)
    has_inner_upper = any(char.isupper() for char in credential[1:])
    return len(credential) >= 8 and (has_digit_or_symbol or has_inner_upper)


def _redact_key_value(match: re.Match[str]) -> str:
    quote, key, separator, double, single, bare = match.groups()
    if double is not None:
        value, wrap = double, '"'
    elif single is not None:
        value, wrap = single, "'"
    else:
        value, wrap = bare, ""
    credential = value.split()[-1] if value.strip() else ""
    if not credential or credential.startswith(REDACTED[:-1]):
        return match.group(0)  # nothing there, or a scheme already redacted
    return f"{quote}{key}{quote}{separator}{wrap}{REDACTED}{wrap}"


def _redact_long_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return REDACTED if _looks_random(token) else token


def _looks_random(token: str) -> bool:
    """Mixed upper, lower and digits that switch class often, unlike words and paths."""
    classes = [_char_class(char) for char in token if char.isalnum()]
    if not {"upper", "lower", "digit"} <= set(classes):
        return False
    switches = sum(1 for left, right in itertools.pairwise(classes) if left != right)
    return switches * 4 >= len(classes)


def _char_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    return "upper" if char.isupper() else "lower"


_SECRET_KEY = re.compile(r"(?i)(?:^|[^a-z0-9])?(?:" + _SENSITIVE_KEYS + r")$")


def is_secret_key(name: str) -> bool:
    """Whether a member, parameter, element or header named ``name`` holds a credential."""
    return bool(_SECRET_KEY.search(name.strip().rpartition("}")[2].lstrip("@")))


def redact_tree(value: Any, depth: int = 0) -> Any:
    """A copy of a parsed body with every value under a secret-bearing key redacted."""
    if depth > 256:
        return None
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if is_secret_key(str(key)) and item not in (None, "")
            else redact_tree(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_tree(item, depth + 1) for item in value]
    return value
