"""Real-looking secrets of many kinds, in every position of a raw error, never come out.

Each kind is a credential as a connector may meet it (OAuth parameters from RFC 6749/6750,
OAuth 1.0a and NetSuite token-based authentication, HTTP authentication and cookies, API
keys, vendor-prefixed tokens, passwords in URLs, PEM keys). Each is placed in the envelope's
``message``, in JSON bodies (flat, nested, in an errors array, double-encoded, embedded in a
log line), in form and XML bodies (element and attribute), in an HTML page, in ``headers``,
``params`` and ``code``. Whatever rule decides, no distinctive piece of the secret may reach
the reason, the captures, the item payload or anything ``explain`` returns.

Secrets are generated from a fixed seed per kind, so every run tries the same ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

import httpx
import pytest

import failreason

ALNUM = string.ascii_letters + string.digits
URL_SAFE = ALNUM + "-._~"
HEX = "0123456789abcdef"
WINDOW = 6  # a leak of this many consecutive characters of a secret counts


@dataclass(frozen=True)
class Kind:
    """One kind of secret and the names and text it travels under."""

    name: str
    key: str | None  # member, parameter or element name; None: only its shape tells
    value: str  # what the structured positions carry under ``key``
    text: str  # how the secret shows in free text (message, HTML, code)
    header: str  # the header it travels in
    header_value: str
    secrets: tuple[str, ...]  # what must never come out
    siblings: dict[str, str] = field(default_factory=dict)  # members sent alongside it


def _rng(name: str) -> random.Random:
    return random.Random(f"secrets-corpus/{name}")


def _run(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(rng: random.Random) -> str:
    header = _b64url(json.dumps({"alg": "RS256", "kid": _run(rng, 12), "typ": "JWT"}).encode())
    claims = {
        "sub": _run(rng, 24),
        "aud": "https://api.example-erp.com",
        "iat": 1_732_000_000 + rng.randrange(100_000),
        "jti": _run(rng, 20),
    }
    payload = _b64url(json.dumps(claims).encode())
    signature = _b64url(rng.randbytes(256))
    return f"{header}.{payload}.{signature}"


def _password(rng: random.Random, length: int = 8) -> str:
    # one of each class, as password policies demand, then shuffled
    chars = [
        rng.choice(string.ascii_uppercase),
        rng.choice(string.ascii_lowercase),
        rng.choice(string.digits),
        rng.choice("-._~"),
    ]
    chars += [rng.choice(URL_SAFE) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def _pem(rng: random.Random) -> str:
    body = base64.b64encode(rng.randbytes(600)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----"])


def _plain(name: str, key: str, value: str, *, header: str | None = None) -> Kind:
    """A secret under a secret-bearing name, shown as ``key=value`` in text."""
    return Kind(
        name,
        key,
        value,
        f"{key}={value}",
        header or "X-" + key.replace("_", "-").title(),
        value,
        (value,),
    )


def _shaped(name: str, value: str, text: str, header: str, header_value: str) -> Kind:
    """A secret recognisable by its shape alone, carried in an ordinary field."""
    return Kind(name, None, text, text, header, header_value, (value,))


KindFactory = Callable[[random.Random], Kind]


def _oauth_code(rng: random.Random) -> Kind:
    code = _run(rng, 22, URL_SAFE)
    siblings = {
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.example.com/callback",
        "client_id": "pleo-" + _run(rng, 8, HEX),
    }
    text = f"grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example.com"
    return Kind(
        "oauth-authorization-code", "code", code, text, "X-Auth-Code", code, (code,), siblings
    )


def _oauth_callback(rng: random.Random) -> Kind:
    code = _run(rng, 40, URL_SAFE)
    url = f"https://app.example.com/callback?code={code}&state={_run(rng, 16)}"
    return _shaped("oauth-callback-url", code, f"redirected to {url}", "Location", url)


def _bearer_jwt(rng: random.Random) -> Kind:
    token = _jwt(rng)
    header_value = f"Bearer {token}"
    return Kind(
        "bearer-jwt",
        "Authorization",
        header_value,
        f"Authorization: {header_value}",
        "Authorization",
        header_value,
        (token,),
    )


def _bearer_opaque(rng: random.Random) -> Kind:
    token = _run(rng, 24)
    value = f"Bearer {token}"
    return Kind(
        "bearer-opaque",
        "Authorization",
        value,
        f"Authorization: {value}",
        "Authorization",
        value,
        (token,),
    )


def _basic(rng: random.Random) -> Kind:
    credential = base64.b64encode(f"api-user:{_password(rng, 12)}".encode()).decode()
    value = f"Basic {credential}"
    return Kind(
        "basic-auth",
        "Authorization",
        value,
        f"Authorization: {value}",
        "Proxy-Authorization",
        value,
        (credential,),
    )


def _url_password(rng: random.Random) -> Kind:
    password = _password(rng)
    url = f"https://svc-export:{password}@api.example-erp.com/ws/2.0"
    return _shaped("password-in-url", password, f"could not reach {url}", "Content-Location", url)


def _dsn_password(rng: random.Random) -> Kind:
    password = _password(rng, 16)
    dsn = f"postgres://ledger:{password}@db.internal:5432/ledger"
    return _shaped("password-in-dsn", password, f"connect failed: {dsn}", "X-Upstream", dsn)


def _cookie(rng: random.Random) -> Kind:
    session, xsrf = _run(rng, 32, "0123456789ABCDEF"), _run(rng, 36, URL_SAFE)
    value = f"JSESSIONID={session}; XSRF-TOKEN={xsrf}; lang=en"
    return Kind(
        "session-cookie", "Cookie", value, f"Cookie: {value}", "Cookie", value, (session, xsrf)
    )


def _set_cookie(rng: random.Random) -> Kind:
    session = _run(rng, 24, string.ascii_lowercase + string.digits)
    value = f"ASP.NET_SessionId={session}; path=/; HttpOnly; SameSite=Lax"
    return Kind(
        "set-cookie", "Set-Cookie", value, f"Set-Cookie: {value}", "Set-Cookie", value, (session,)
    )


def _pem_key(rng: random.Random) -> Kind:
    pem = _pem(rng)
    body = pem.splitlines()[3]
    return Kind(
        "pem-private-key",
        "private_key",
        pem,
        f"key:\n{pem}\n",
        "X-Private-Key",
        pem.replace("\n", "\\n"),
        (body,),
    )


def _aws_access_key(rng: random.Random) -> Kind:
    key_id = "AKIA" + _run(rng, 16, string.ascii_uppercase + string.digits)
    text = f"The AWS Access Key Id {key_id} you provided does not exist in our records."
    return _shaped("aws-access-key-id", key_id, text, "X-Amz-Credential", f"{key_id}/20241129")


def _prefixed(name: str, prefix: str, length: int, alphabet: str = ALNUM) -> KindFactory:
    def make(rng: random.Random) -> Kind:
        token = prefix + _run(rng, length, alphabet)
        return _shaped(name, token, f"Invalid API key provided: {token}", "X-Debug", token)

    return make


def _oauth1_signature(rng: random.Random) -> Kind:
    digest = hmac.new(rng.randbytes(32), rng.randbytes(32), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    text = f'OAuth realm="123456_SB1",oauth_signature="{quote(signature, safe="")}"'
    return Kind(
        "oauth1-signature",
        "oauth_signature",
        signature,
        text,
        "X-Oauth-Signature",
        signature,
        (signature[:-2].replace("+", "").replace("/", "")[:20],),
    )


def _sas(rng: random.Random) -> Kind:
    sig = base64.b64encode(rng.randbytes(32)).decode()
    url = (
        "https://pleoreceipts.blob.core.windows.net/r/1.pdf?sv=2021-08-06&se=2024-11-30"
        f"&sr=b&sp=r&sig={quote(sig, safe='')}"
    )
    secret = sig[:20].replace("+", "").replace("/", "")
    return _shaped("azure-sas-signature", secret, f"download failed: {url}", "Location", url)


def _json_text(rng: random.Random) -> Kind:
    value = _run(rng, 32)
    return Kind(
        "client-secret-camel",
        "clientSecret",
        value,
        f'{{"clientSecret": "{value}"}}',
        "Client-Secret",
        value,
        (value,),
    )


def _escaped_json_text(rng: random.Random) -> Kind:
    value = _run(rng, 40)
    text = f'payload: {{\\"refresh_token\\":\\"{value}\\",\\"grant_type\\":\\"refresh_token\\"}}'
    return Kind(
        "refresh-token-escaped-json",
        "refresh_token",
        value,
        text,
        "X-Refresh-Token",
        value,
        (value,),
    )


def _header_style(name: str, key: str, value: str) -> Kind:
    return Kind(name, key, value, f"{key}: {value}", key, value, (value,))


FACTORIES: dict[str, KindFactory] = {
    "refresh-token-intuit": lambda r: _plain(
        "refresh-token-intuit", "refresh_token", "AB11" + _run(r, 46)
    ),
    "refresh-token-short": lambda r: _plain("refresh-token-short", "refresh_token", _run(r, 5)),
    "refresh-token-google": lambda r: _plain(
        "refresh-token-google", "refresh_token", "1//0" + _run(r, 99, ALNUM + "-_")
    ),
    "refresh-token-escaped-json": _escaped_json_text,
    "access-token-opaque": lambda r: _plain("access-token-opaque", "access_token", _run(r, 40)),
    "access-token-query": lambda r: Kind(
        "access-token-query",
        "access_token",
        v := _run(r, 32),
        f"GET https://api.example-erp.com/v1/vouchers?access_token={v}&page=2 failed",
        "X-Access-Token",
        v,
        (v,),
    ),
    "id-token": lambda r: _plain("id-token", "id_token", _jwt(r)),
    "client-secret": lambda r: _plain("client-secret", "client_secret", _run(r, 32)),
    "client-secret-camel": _json_text,
    "client-secret-header": lambda r: _header_style(
        "client-secret-header", "Client-Secret", _run(r, 10)
    ),
    "client-assertion": lambda r: _plain("client-assertion", "client_assertion", _jwt(r)),
    "oauth-authorization-code": _oauth_code,
    "oauth-callback-url": _oauth_callback,
    "code-verifier": lambda r: _plain("code-verifier", "code_verifier", _run(r, 64, URL_SAFE)),
    "bearer-jwt": _bearer_jwt,
    "bearer-opaque": _bearer_opaque,
    "basic-auth": _basic,
    "password": lambda r: _plain("password", "password", _password(r)),
    "password-camel": lambda r: _plain("password-camel", "userPassword", _password(r, 10)),
    "pwd": lambda r: _plain("pwd", "pwd", _password(r)),
    "password-in-url": _url_password,
    "password-in-dsn": _dsn_password,
    "api-key-20": lambda r: _plain("api-key-20", "api_key", _run(r, 20)),
    "api-key-camel": lambda r: _plain("api-key-camel", "apiKey", _run(r, 20)),
    "x-api-key": lambda r: _header_style("x-api-key", "X-Api-Key", _run(r, 32, HEX)),
    "subscription-key": lambda r: _header_style(
        "subscription-key", "Ocp-Apim-Subscription-Key", _run(r, 32, HEX)
    ),
    "access-token-header-guid": lambda r: _header_style(
        "access-token-header-guid",
        "Access-Token",
        "-".join(_run(r, n, HEX) for n in (8, 4, 4, 4, 12)),
    ),
    "app-secret-token": lambda r: _header_style(
        "app-secret-token", "X-AppSecretToken", _run(r, 42)
    ),
    "employee-token": lambda r: _plain("employee-token", "employeeToken", _b64url(r.randbytes(45))),
    "session-cookie": _cookie,
    "set-cookie": _set_cookie,
    "session-id": lambda r: _plain("session-id", "sessionid", _run(r, 28) + ".."),
    "consumer-secret-tba": lambda r: _plain(
        "consumer-secret-tba", "consumer_secret", _run(r, 64, HEX)
    ),
    "token-secret-tba": lambda r: _plain("token-secret-tba", "token_secret", _run(r, 64, HEX)),
    "oauth1-signature": _oauth1_signature,
    "azure-sas-signature": _sas,
    "pem-private-key": _pem_key,
    "aws-access-key-id": _aws_access_key,
    "aws-secret-access-key": lambda r: _plain(
        "aws-secret-access-key", "aws_secret_access_key", _run(r, 40, ALNUM + "+/")
    ),
    "stripe-live-key": _prefixed("stripe-live-key", "sk_live_", 24),
    "github-token": _prefixed("github-token", "ghp_", 36),
    "slack-bot-token": _prefixed(
        "slack-bot-token", "xoxb-", 50, string.digits + string.ascii_letters
    ),
    "google-api-key": _prefixed("google-api-key", "AIza", 35, URL_SAFE.replace(".", "")),
    "pin": lambda r: _plain("pin", "pin", _run(r, 6, string.digits)),
}
KINDS = {name: make(_rng(name)) for name, make in FACTORIES.items()}


# --- positions ---------------------------------------------------------------------------


def _members(kind: Kind) -> dict[str, str]:
    if kind.key is None:
        return {"detail": kind.value}
    return {**kind.siblings, kind.key: kind.value}


def _xml_name(name: str) -> str:
    return name if name[0].isalpha() else "x" + name


def _xml_elements(kind: Kind) -> str:
    return "".join(
        f"<{_xml_name(k)}>{escape(v)}</{_xml_name(k)}>" for k, v in _members(kind).items()
    )


def _xml_attributes(kind: Kind) -> str:
    return " ".join(f"{_xml_name(k)}={quoteattr(v)}" for k, v in _members(kind).items())


def _response(kind: Kind) -> httpx.Response:
    """What a connector holding the accounting system's response passes as it is."""
    request = httpx.Request("POST", "https://api.example-erp.com/oauth/token")
    body = json.dumps({"error": "invalid_client", **_members(kind)}).encode()
    headers = {kind.header: kind.header_value, "Content-Type": "application/json"}
    return httpx.Response(401, headers=headers, content=body, request=request)


def _status_error(kind: Kind) -> httpx.HTTPStatusError:
    response = _response(kind)
    message = f"Client error '401 Unauthorized' for url '{response.request.url}': {kind.text}"
    return httpx.HTTPStatusError(message, request=response.request, response=response)


POSITIONS: dict[str, Callable[[Kind], Any]] = {
    "message": lambda k: {"status": 400, "message": f"Token request failed: {k.text}"},
    "json-flat": lambda k: {
        "status": 400,
        "body": {"error": "invalid_request", **_members(k)},
    },
    "json-nested": lambda k: {
        "status": 401,
        "body": {"error": {"message": "Request was rejected", "request": _members(k)}},
    },
    "json-errors-array": lambda k: {
        "status": 400,
        "body": {"errors": [{"code": "E1001", "message": "Bad credentials", "meta": _members(k)}]},
    },
    "json-double-encoded": lambda k: {
        "status": 400,
        "body": json.dumps({"error": "invalid_grant", "request": json.dumps(_members(k))}),
    },
    "json-in-text": lambda k: {
        "status": 400,
        "message": "Client error: `POST https://api.example-erp.com/oauth/token` resulted in a "
        f"`400 Bad Request` response: {json.dumps({'error': 'invalid_client', **_members(k)})}",
    },
    "json-string-body": lambda k: {
        "status": 400,
        "body": json.dumps(json.dumps({"error": "invalid_grant", **_members(k)})),
    },
    "form": lambda k: {
        "status": 400,
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "body": urlencode({"error": "invalid_client", **_members(k)}),
    },
    "xml-element": lambda k: {
        "status": 401,
        "body": "<Response><Error><Message>Authentication failed</Message>"
        f"{_xml_elements(k)}</Error></Response>",
    },
    "xml-without-message": lambda k: {"status": 401, "body": f"<Fault>{_xml_elements(k)}</Fault>"},
    "xml-attribute": lambda k: {
        "status": 401,
        "body": f"<Response><Error {_xml_attributes(k)}>Authentication failed</Error></Response>",
    },
    "html": lambda k: {
        "status": 400,
        "headers": {"Content-Type": "text/html"},
        "body": "<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1>"
        f"<p>The request was rejected: {escape(k.text)}</p></body></html>",
    },
    "headers": lambda k: {
        "status": 401,
        "headers": {k.header: k.header_value, "Content-Type": "application/json"},
        "body": {"error": "invalid_token"},
    },
    "params": lambda k: {"stage": "validation", "code": "missing_account", "params": _members(k)},
    "code": lambda k: {"status": 400, "code": k.text, "message": "The request was rejected."},
    "httpx-response": _response,
    "httpx-status-error": _status_error,
    "exception": lambda k: ConnectionError(f"token refresh failed: {k.text}"),
}


def _pieces(secret: str) -> set[str]:
    """Every run of WINDOW characters of the secret (the whole of a shorter one), folded."""
    folded = secret.casefold()
    if len(folded) <= WINDOW:
        return {folded}
    return {folded[i : i + WINDOW] for i in range(len(folded) - WINDOW + 1)}


def leaks(engine: failreason.Engine, kind: Kind, envelope: Any) -> list[str]:
    """Where a piece of the kind's secrets comes out; empty when nothing does."""
    result = engine.classify(envelope)
    outputs = {
        "failure_reason": result.failure_reason,
        "captures": json.dumps(dict(result.captures)),
        "item_payload": json.dumps(result.item_payload("entry-1"), ensure_ascii=False),
        "explain": repr(engine.explain(envelope)),
    }
    found = []
    for where, text in outputs.items():
        folded = text.casefold()
        for secret in kind.secrets:
            hits = sorted(piece for piece in _pieces(secret) if piece in folded)
            if hits:
                found.append(f"{where}: {hits[0]!r}")
    return found


CASES = [
    pytest.param(kind, position, id=f"{name}-{position}")
    for name, kind in KINDS.items()
    for position in POSITIONS
]


def test_the_corpus_is_broad() -> None:
    """At least 30 kinds of secret, each in every position the issue names."""
    assert len(KINDS) >= 30
    assert len(CASES) == len(KINDS) * len(POSITIONS)


@pytest.mark.parametrize(("kind", "position"), CASES)
def test_secret_never_comes_out(engine: failreason.Engine, kind: Kind, position: str) -> None:
    """No piece of the secret is in the reason, captures, item payload or explanation."""
    envelope = POSITIONS[position](kind)
    assert leaks(engine, kind, envelope) == []


def test_leak_detection_notices_a_secret(engine: failreason.Engine) -> None:
    """The detector itself finds a secret that does come out (guards against a blind test)."""
    kind = KINDS["client-secret"]
    # an ordinary field carries the bare value: nothing says it is secret, so it shows
    envelope = {"status": 400, "body": {"message": f"rejected {kind.value[:8]} value"}}
    assert leaks(engine, kind, envelope)
