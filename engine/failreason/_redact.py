"""Keep credentials out of everything failreason says: by structure first, then by shape.

Secrets are recognised first by the name that holds them (a JSON member, a form parameter,
an XML element or attribute, a header, a param) while the body still has its structure, so
a bare value such as a five-character refresh token is hidden although nothing about it
looks secret. Names are compared squashed (``client_secret``, ``clientSecret`` and
``Client-Secret`` are one name). Free text is then searched for secret shapes: ``name=value``
pairs with a secret-bearing name, credentials in URLs, cookies, bearer and basic
credentials, JWTs, PEM private keys, vendor-prefixed tokens and long random runs.

Every pattern runs in linear time on untrusted text: no nested quantifiers, bounded repeats,
and patterns that can only start at a token boundary. ``redact`` is idempotent.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping
from typing import Any

from failreason._lazy_re import lazy_compile

REDACTED = "[redacted]"
_MAX_DEPTH = 256  # deeper trees are cut: parsers stop far earlier

# --- secret-bearing names -------------------------------------------------------------
# Sources: RFC 6749 (client_secret, code, refresh_token, access_token, password, assertion,
# client_assertion from RFC 7521), RFC 6750 (Authorization: Bearer, access_token), RFC 7636
# (code_verifier), RFC 8628 (device_code), RFC 5849 (oauth_signature, oauth_token_secret),
# RFC 7235 (Authorization, Proxy-Authorization), RFC 6265 (Cookie, Set-Cookie), and the
# headers of the systems failreason knows (Client-Secret, Access-Token, X-AppSecretToken,
# employeeToken, Ocp-Apim-Subscription-Key).

# A squashed name ending in one of these holds a credential ...
_SECRET_ENDINGS = (
    *("password", "passwd", "passphrase", "passcode", "secret", "token", "assertion"),
    *("apikey", "privatekey", "secretkey", "accesskey", "subscriptionkey", "signingkey"),
    *("encryptionkey", "masterkey", "licensekey", "functionskey", "sharedkey", "accountkey"),
    *("sessionkey", "sessionid", "sessid", "session", "signature", "cookie", "credentials"),
    *("codeverifier", "devicecode", "authcode", "authorizationcode", "samlresponse"),
)
# ... unless it ends in one of these: cursors, versions and handles that only look so.
_PUBLIC_ENDINGS = (
    *("synctoken", "pagetoken", "nexttoken", "skiptoken", "deltatoken", "resumetoken"),
    *("continuationtoken", "paginationtoken", "cancellationtoken"),
)
# Whole names (or the last word of a name: ``connect.sid``, ``userPin``) that hold one.
_SECRET_WORDS = frozenset(
    {
        *("authorization", "proxyauthorization", "auth", "pass", "pwd", "pin", "otp", "totp"),
        *("sid", "sig", "hmac", "cookies", "credential", "passwordconfirmation"),
        "passwordconfirm",
    }
)
# `code` is an ordinary error-code key; it holds an authorization code (RFC 6749 4.1.3)
# only beside the other members of a token request.
_OAUTH_CODE = "code"
_OAUTH_REQUEST_NAMES = frozenset({"granttype", "redirecturi", "codeverifier"})
# Members that name another member, e.g. {"name": "Authorization", "value": "Bearer ..."}.
_NAMING_MEMBERS = frozenset({"name", "key", "field", "header", "param", "parameter"})
_VALUE_MEMBERS = frozenset({"value", "val", "values", "inputvalue", "content"})
_MAX_NAME = 128
_WORDS = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")  # snake, kebab, camel, UPPER
_PUBLIC_NAMES = frozenset({"oauth", "oauth1", "oauth2"})  # not "O" + "Auth"


def _squash(name: str) -> str:
    local = name.rpartition("}")[2].rpartition(":")[2].lower()  # XML namespace and prefix
    if local.isascii():  # ASCII letters and digits, without a loop in Python
        return local.encode("ascii").translate(None, _NOT_ALNUM).decode("ascii")
    return "".join(char for char in local if char.isalnum())


_NOT_ALNUM = bytes(byte for byte in range(128) if not chr(byte).isalnum())


def is_secret_key(name: str) -> bool:
    """Whether a member, parameter, element or header named ``name`` holds a credential."""
    return len(name) <= _MAX_NAME and _is_secret_name(str.__str__(name))


@functools.lru_cache(maxsize=4096)  # the same few member names come again and again
def _is_secret_name(name: str) -> bool:
    squashed = _squash(name)
    if not squashed or squashed in _PUBLIC_NAMES:
        return False
    if squashed in _SECRET_WORDS or _last_word(name) in _SECRET_WORDS:
        return True
    return squashed.endswith(_SECRET_ENDINGS) and not squashed.endswith(_PUBLIC_ENDINGS)


def _last_word(name: str) -> str:
    words = _WORDS.findall(name)
    return words[-1].lower() if words else ""


# --- trees ------------------------------------------------------------------------------


def redact_tree(value: Any, depth: int = 0) -> Any:
    """A copy of a parsed body: values under secret-bearing names hidden, text redacted."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        secret = _secret_members(value)
        return {
            key: _hidden(item) if key in secret else redact_tree(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_tree(item, depth + 1) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value


def _hidden(value: Any) -> Any:
    if value is None or value == "" or isinstance(value, bool):
        return value  # nothing there, or a flag: no secret
    return REDACTED


def _secret_members(mapping: Mapping[Any, Any]) -> set[Any]:
    squashed = {key: _squash(str(key)) for key in mapping if len(str(key)) <= _MAX_NAME}
    secret = {key for key in squashed if is_secret_key(str(key))}
    names = set(squashed.values())
    if _OAUTH_REQUEST_NAMES & names:
        secret.update(key for key, name in squashed.items() if name == _OAUTH_CODE)
    if any(
        name in _NAMING_MEMBERS and isinstance(mapping[key], str) and is_secret_key(mapping[key])
        for key, name in squashed.items()
    ):
        secret.update(key for key, name in squashed.items() if name in _VALUE_MEMBERS)
    return secret


# --- markup -----------------------------------------------------------------------------

_ELEMENT = lazy_compile(
    r"<([A-Za-z_][\w.:-]{0,127})(?:\s[^<>]{0,4096})?(?<!/)>"
    r"(<!\[CDATA\[[^\]]{0,4096}\]\]>|[^<]{1,8192})(?=</|\Z)"
)


def redact_markup(text: str) -> str:
    """XML or HTML with the text of secret-bearing elements (``<password>``) hidden."""
    if "<" not in text:
        return text  # no element
    oauth = bool(_OAUTH_TEXT.search(text))

    def element(match: re.Match[str]) -> str:
        name, content = match.groups()
        secret = is_secret_key(name) or (oauth and _squash(name) == _OAUTH_CODE)
        if not secret or content.strip() in ("", REDACTED):
            return match.group(0)
        return match.group(0)[: match.start(2) - match.start(0)] + REDACTED

    return _ELEMENT.sub(element, text)


# --- free text --------------------------------------------------------------------------


def redact(text: str) -> str:
    """Replace credentials and secret-looking tokens with "[redacted]"."""
    return redact_every_shape(text) if _may_hold_secret(text) else text  # mostly: one scan


def redact_every_shape(text: str) -> str:
    """``redact`` without the quick refusal: every pattern tried (the reference for tests)."""
    text = _redact_pem(text)
    text = redact_markup(text)  # markup shown as text, e.g. unescaped from "&lt;password&gt;"
    text = _URL_CREDENTIALS.sub(rf"\1\2:{REDACTED}@", text)
    text = _SCHEME.sub(_redact_scheme, text)
    text = _JWT.sub(REDACTED, text)
    text = _PREFIXED.sub(REDACTED, text)
    text = _redact_pairs(text)
    text = _NAMED.sub(_redact_named, text)
    return _LONG_TOKEN.sub(_redact_long_token, text)


# PEM private keys (RFC 7468), also with their line breaks escaped as in JSON or a log line.
_PEM_BEGIN = lazy_compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----")
_PEM_END = lazy_compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----")
_PEM_BODY = lazy_compile(r"[A-Za-z0-9+/=\s\\:,-]{0,16384}")
_PEM_MAX = 16384


def _redact_pem(text: str) -> str:
    if "PRIVATE KEY-----" not in text:
        return text
    out: list[str] = []
    position = 0
    for begin in _PEM_BEGIN.finditer(text):
        if begin.start() < position:
            continue  # inside a block already hidden
        end = _PEM_END.search(text, begin.end(), begin.end() + _PEM_MAX)
        stop = end.end() if end else _body_end(text, begin.end())
        out.extend((text[position : begin.start()], REDACTED))
        position = stop
    out.append(text[position:])
    return "".join(out)


def _body_end(text: str, start: int) -> int:
    """Where a block cut off before its END line stops: after its base64 run."""
    body = _PEM_BODY.match(text, start)
    return body.end() if body else start


# scheme://user:password@host: the password goes, the user stays (RFC 3986 userinfo).
_URL_CREDENTIALS = lazy_compile(
    r"(?i)\b([a-z][a-z0-9+.-]{0,31}://)([^\s:/?#@\"'<>\[\]]{0,256}):"
    r"(?!\[redacted\]@)([^\s/?#\"'<>]{1,256})@"
)
_SCHEME = lazy_compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,2048})")
_JWT = lazy_compile(r"(?<![\w-])eyJ[\w-]{1,4096}\.[\w-]{1,8192}\.[\w-]{0,4096}")
# Tokens whose issuer marks them with a prefix (as documented by Stripe, GitHub, Slack,
# GitLab, Google, SendGrid, Shopify, npm, PyPI, Hugging Face and AWS).
_PREFIXED = lazy_compile(
    r"(?<![\w-])(?:"
    r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,256}|whsec_[A-Za-z0-9+/=]{16,256}"
    r"|gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,255}|xapp-[A-Za-z0-9-]{10,255}|glpat-[\w-]{20,64}"
    r"|AIza[\w-]{35}|ya29\.[\w.-]{20,2048}|1//0[\w.-]{20,512}"
    r"|SG\.[\w-]{16,64}\.[\w-]{16,64}|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"
    r"|npm_[A-Za-z0-9]{36}|pypi-[\w-]{50,512}|hf_[A-Za-z0-9]{30,64}"
    r"|(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"
    r")(?![\w-])"
)


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


# name=value, name: value, "name": "value", name%3Dvalue; also \"name\":\"value\" (JSON
# logged inside a JSON string). The name is checked in code, the value matched only then.
_PAIR_NAME = lazy_compile(
    r"(?<![\w.$-])(\\?[\"']?)([A-Za-z_$][\w.$-]{0,127}(?: (?i:key|secret|token|password))?)\1"
    r"(\s{0,4}(?:[:=]|%3[Dd])\s{0,4})"
)
_PAIR_VALUE = lazy_compile(
    r"\\\"(?P<escaped>[^\"\\\n]{0,8192})\\\""
    r"|\"(?P<double>[^\"\n]{0,8192})\"|'(?P<single>[^'\n]{0,8192})'"
    r"|\\?[\"'](?P<unclosed>[^\s\"'\\]{1,4096})"  # a quoted value the log line cut off
    r"|(?P<bare>(?:(?:bearer|basic|token|digest|bot)\s{1,4})?"
    r"(?:\[redacted\]|[^\s\"'`,;&<>{}\[\]\\])[^\s\"'`,;&<>}\]\\]{0,4095})",
    re.IGNORECASE,
)
_QUOTED = ("escaped", "double", "single", "unclosed")
_COOKIE_NAMES = frozenset({"cookie", "setcookie", "cookies"})
_COOKIE_LINE = lazy_compile(r"(\\?[\"']?)([^\r\n\"'<>\\]{1,4096})")
_COOKIE_PAIR = lazy_compile(r"([^\s=;,]{1,256}=)([^\s;,]{1,4096})")
_HEADER_WORDS = frozenset({"authorization", "cookie", "cookies"})  # header names, not prose
# The authorization response (RFC 6749 4.1.2) carries `state`, the token request the others.
_OAUTH_TEXT = lazy_compile(r"(?i)grant_type|redirect_uri|code_verifier|[?&]state=")
# Words that follow "Password:" or "token=" in prose rather than a credential.
_PROSE = frozenset(
    {
        *("is", "was", "are", "were", "must", "should", "has", "have", "had", "not", "no"),
        *("invalid", "expired", "missing", "required", "incorrect", "wrong", "empty"),
        *("null", "none", "undefined", "true", "false", "too", "cannot", "can", "does"),
        *("did", "the", "a", "an", "and", "or", "for", "of", "to", "in", "on", "with"),
        *("been", "revoked", "rejected", "denied", "unknown", "malformed", "provided"),
        *("supplied", "given", "field", "value", "expires", "needed", "blank"),
    }
)


def _redact_pairs(text: str) -> str:
    oauth = bool(_OAUTH_TEXT.search(text))
    out: list[str] = []
    position = 0
    search_from = 0
    while (pair := _PAIR_NAME.search(text, search_from)) is not None:
        name, separator = pair.group(2), pair.group(3)
        squashed = _squash(name)
        secret = is_secret_key(name) or (oauth and squashed == _OAUTH_CODE)
        replaced = _redacted_value(text, pair.end(), name, separator) if secret else None
        if replaced is None:
            search_from = pair.end(3)
            continue
        value, end = replaced
        out.extend((text[position : pair.end()], value))
        position = search_from = end
    out.append(text[position:])
    return "".join(out)


def _redacted_value(text: str, start: int, name: str, separator: str) -> tuple[str, int] | None:
    """The redacted value starting at ``start`` and where it ends; None to leave it."""
    if _squash(name) in _COOKIE_NAMES:
        line = _COOKIE_LINE.match(text, start)
        if line is None:
            return None
        quote, value = line.groups()
        hidden = _COOKIE_PAIR.sub(_redact_cookie_pair, value) if "=" in value else REDACTED
        return quote + hidden, line.end()
    match = _PAIR_VALUE.match(text, start)
    if match is None:
        return None
    if match.group("bare") is not None:
        return _redacted_bare(match.group("bare"), _is_prose_label(name, separator), match.end())
    group = next(name for name in _QUOTED if match.group(name) is not None)
    if not match.group(group).strip() or match.group(group) == REDACTED:
        return None
    opening = text[match.start() : match.start(group)]
    closing = text[match.end(group) : match.end()]
    return f"{opening}{REDACTED}{closing}", match.end()


def _is_prose_label(name: str, separator: str) -> bool:
    """A plain word and ": " ("Token: ...") may start a sentence; client_secret= may not."""
    return (
        name.replace(" ", "").isalpha()
        and name.lower() not in _HEADER_WORDS
        and separator.lstrip().startswith(": ")
    )


def _redacted_bare(bare: str, prose_label: bool, end: int) -> tuple[str, int] | None:
    words = bare.split()
    credential = words[-1]
    if credential == REDACTED or credential.casefold() in _PROSE:
        return None  # already hidden, or prose ("Password: must be 8 characters")
    if prose_label and credential.isalpha():
        return None  # "token: Session has expired", "token: employeeToken": words, no credential
    scheme = f"{words[0]} " if len(words) > 1 else ""
    return f"{scheme}{REDACTED}", end


def _redact_cookie_pair(match: re.Match[str]) -> str:
    name, value = match.groups()
    return match.group(0) if value.startswith(REDACTED) else f"{name}{REDACTED}"


# A credential after a secret-naming word without a separator: "API key a1B2c3D4e5F6g7H8".
_NAMED = lazy_compile(
    r"(?i)(?<![A-Za-z0-9])(api[ _-]?key|key|token|password|passwd|passcode|secret)"
    r"(\s{1,4}[\"'\u2018\u201c]?)([A-Za-z0-9._~+/=!@#$%^*-]{8,512})"
)


def _redact_named(match: re.Match[str]) -> str:
    name, gap, credential = match.groups()
    has_digit = any(char.isdigit() for char in credential)
    has_letter = any(char.isalpha() for char in credential)
    # a bare "key" is often a record's key ("duplicate key PK_Voucher1"): only long ones
    if not (has_digit and has_letter) or (name.lower() == "key" and len(credential) < 16):
        return match.group(0)
    return f"{name}{gap}{REDACTED}"


_RUN_CHARS = "A-Za-z0-9_+/-"  # characters of a long random run
_LONG_TOKEN = lazy_compile(rf"(?<![{_RUN_CHARS}])[{_RUN_CHARS}]{{32,}}={{0,2}}")


def _redact_long_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return REDACTED if _looks_random(token) else token


def _looks_random(token: str) -> bool:
    """A piece of 12+ characters between separators that looks random: a URL path such as
    ``com/XeroAPI/Xero-Java/issues/353`` is a run of words, base64 has long random pieces."""
    return any(len(piece) >= 12 and _random_piece(piece) for piece in _SEPARATORS.split(token))


_SEPARATORS = lazy_compile(r"[/+_-]")


def _random_piece(token: str) -> bool:
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


# --- the quick refusal ----------------------------------------------------------------------
# What each step of `redact` needs before it can change a text, in lower case: a "<" (markup),
# "@" (URL credentials), a scheme word, "eyj" (JWT), an issuer's prefix, a secret-naming word
# (`_NAMED`), an OAuth request's names, a run of 32 token characters (`_LONG_TOKEN`). When a
# text has none, no step changes it, so none changes what the next one sees: `redact` may
# return it as it is. Only ASCII text is judged so, where lower-casing and \w are plain.
# A new pattern in `redact` needs its trigger here (tests/test_lean_pipeline.py compares).
_TRIGGERS = lazy_compile(
    r"<|@|private key|eyj|bearer|basic|key|token|passw|passc|secret|grant_type|redirect_uri"
    r"|code_verifier|state=|(?:sk|pk|rk)_|whsec_|gh[pousr]_|github_pat_|xox|xapp-|glpat-"
    r"|aiza|ya29\.|1//0|sg\.|shp|npm_|pypi-|hf_|akia|asia|abia|acca|[a-z0-9_+/-]{32}"
)
# `_redact_pairs` changes a text only at a pair whose squashed name holds one of these.
_NAME_FRAGMENTS = lazy_compile("|".join(sorted({*_SECRET_ENDINGS, *_SECRET_WORDS}, key=len)))


def _may_hold_secret(text: str) -> bool:
    if not text.isascii():
        return True
    lowered = text.lower()
    if _TRIGGERS.search(lowered):
        return True
    if ":" not in text and "=" not in text and "%3" not in text:
        return False  # no name-value pair
    squashed = lowered.encode("ascii").translate(None, _NOT_ALNUM).decode("ascii")
    return _NAME_FRAGMENTS.search(squashed) is not None
