"""Redaction: secret-bearing names first (trees, markup), then secret shapes in free text."""

from __future__ import annotations

import json
import re
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import failreason
from failreason import _body, _engine
from failreason._body import parse_body
from failreason._redact import REDACTED, is_secret_key, redact, redact_markup, redact_tree
from tests.corpus import corpus

URL_SAFE_LETTERS = string.ascii_letters + string.digits + "-._~"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
    "Vb3mQ+u0ZxTt1q\n-----END PRIVATE KEY-----"
)

# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        *("client_secret", "clientSecret", "Client-Secret", "CLIENT_SECRET", "consumer_secret"),
        *("refresh_token", "refreshToken", "access_token", "id_token", "token", "XSRF-TOKEN"),
        *("oauth_token_secret", "token_secret", "X-AppSecretToken", "employeeToken"),
        *("assertion", "client_assertion", "code_verifier", "device_code", "SAMLResponse"),
        *("password", "userPassword", "new_password", "password_confirmation", "passwd"),
        *("pwd", "pin", "user_pin", "passphrase", "api_key", "apiKey", "X-Api-Key", "x-apikey"),
        *("Ocp-Apim-Subscription-Key", "private_key", "aws_secret_access_key", "secret"),
        *("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "JSESSIONID"),
        *("PHPSESSID", "ASP.NET_SessionId", "connect.sid", "sessionid", "laravel_session"),
        *("signature", "oauth_signature", "sig", "@password", "wsse:Password"),
        "{http://schemas.xmlsoap.org/ws/2002/07/secext}Password",
    ],
)
def test_secret_bearing_names(name: str) -> None:
    """Every spelling of a credential-holding name is recognised."""
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name",
    [
        *("code", "error_code", "ErrorCode", "token_type", "tokenType", "expires_in"),
        *("tokenUrl", "token_endpoint", "tokenExpired", "TokenExpired", "SyncToken"),
        *("nextPageToken", "$skiptoken", "$deltatoken", "continuationToken", "password_policy"),
        *("passwordExpired", "key", "Key", "idempotency_key", "primary_key", "client_id"),
        *("consumer_key", "username", "user", "session_timeout", "message", "description"),
        *("X-Rate-Limit-Problem", "Retry-After", "Content-Type", "WWW-Authenticate", "spin"),
        *("oauth_signature_method", "api_key_id", "secret_name", "tokens", "max_tokens"),
        *("OAuth", "oauth2", "oauth_problem", "userPinned"),
        "x" * 200 + "password",
    ],
)
def test_names_that_only_mention_a_secret(name: str) -> None:
    """Names that describe a credential, or page through results, hold none."""
    assert not is_secret_key(name)


# --- trees ------------------------------------------------------------------------------


def test_tree_hides_values_under_secret_names_at_any_depth() -> None:
    """Scalars and containers under secret names go; other members stay."""
    tree = {
        "error": "invalid_client",
        "request": {"clientSecret": "abc", "client_id": "pleo", "token": {"v": 1}},
        "errors": [{"refresh_token": "r1", "message": "Token expired"}],
    }
    assert redact_tree(tree) == {
        "error": "invalid_client",
        "request": {"clientSecret": REDACTED, "client_id": "pleo", "token": REDACTED},
        "errors": [{"refresh_token": REDACTED, "message": "Token expired"}],
    }


def test_tree_keeps_empty_and_boolean_values() -> None:
    """An empty password or a flag named after a secret holds nothing to hide."""
    tree = {"password": "", "token": None, "hasSecret": True, "pin": 0}
    assert redact_tree(tree) == {"password": "", "token": None, "hasSecret": True, "pin": REDACTED}


def test_code_is_hidden_only_in_a_token_request() -> None:
    """``code`` beside grant_type/redirect_uri is an authorization code, else an error code."""
    request = {"grant_type": "authorization_code", "code": "Splx10BeZQQY", "redirect_uri": "x"}
    assert redact_tree(request)["code"] == REDACTED
    assert redact_tree({"code": "E401", "message": "Denied"})["code"] == "E401"
    assert redact_tree({"code": 6000, "state": "open"})["code"] == 6000


def test_value_named_by_a_sibling_is_hidden() -> None:
    """{"name": "Authorization", "value": ...} pairs hide the value, not the name or message."""
    headers = [{"name": "Authorization", "value": "Bearer abc"}, {"name": "Accept", "value": "*"}]
    assert redact_tree(headers) == [
        {"name": "Authorization", "value": REDACTED},
        {"name": "Accept", "value": "*"},
    ]
    error = {"field": "password", "message": "Too short", "value": "hunter2"}
    assert redact_tree(error) == {"field": "password", "message": "Too short", "value": REDACTED}


def test_tree_strings_are_redacted_by_shape() -> None:
    """A secret in an ordinary member's text is found by its shape."""
    assert redact_tree({"detail": f"bad token {JWT}"}) == {"detail": f"bad token {REDACTED}"}


def test_tree_depth_is_bounded() -> None:
    """A tree nested beyond the cap is cut rather than recursed into."""
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]
    flat: Any = redact_tree(deep)
    depth = 0
    while isinstance(flat, list):
        flat, depth = flat[0], depth + 1
    assert flat is None
    assert depth < 300


# --- markup -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        pytest.param(
            "<login><userid>pleo</userid><password>p4ss.W0rd</password></login>",
            f"<login><userid>pleo</userid><password>{REDACTED}</password></login>",
            id="element",
        ),
        pytest.param(
            '<wsse:Password Type="#PasswordText">s3cr3t</wsse:Password>',
            f'<wsse:Password Type="#PasswordText">{REDACTED}</wsse:Password>',
            id="prefixed-with-attributes",
        ),
        pytest.param(
            "<client_secret><![CDATA[abc]]></client_secret>",
            f"<client_secret>{REDACTED}</client_secret>",
            id="cdata",
        ),
        pytest.param("<token>abc12", f"<token>{REDACTED}", id="cut-off"),
        pytest.param(
            "<grant_type>authorization_code</grant_type><code>Splx10B</code>",
            f"<grant_type>authorization_code</grant_type><code>{REDACTED}</code>",
            id="oauth-code",
        ),
        pytest.param("<Error><Code>E4</Code></Error>", "<Error><Code>E4</Code></Error>", id="code"),
        pytest.param('<token a="1"/>text</b>', '<token a="1"/>text</b>', id="self-closing"),
        pytest.param("<SyncToken>3</SyncToken>", "<SyncToken>3</SyncToken>", id="sync-token"),
    ],
)
def test_redact_markup(markup: str, expected: str) -> None:
    """The text of secret-bearing elements is hidden before markup is flattened."""
    assert redact_markup(markup) == expected


def test_markup_in_a_message_loses_secret_elements_before_its_tags(
    engine: failreason.Engine,
) -> None:
    """A message quoting XML does not keep a secret element's text when tags are stripped."""
    message = "Fault: <login><userid>pleo</userid><password>Xy7pQ2zW</password></login>"
    reason = engine.classify({"status": 401, "message": message}).failure_reason
    assert "Xy7pQ2zW" not in reason


def test_xml_text_is_read_after_hiding_secret_elements() -> None:
    """An XML body without a message element is read as text, its secrets hidden first."""
    parsed = parse_body("<login><userid>pleo</userid><password>x9</password></login>")
    assert parsed.text == f"pleo {REDACTED}"


# --- free text: hidden ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "Authorization: Bearer abc123DEF456ghi",
            "Authorization: Bearer [redacted]",
            id="bearer-header",
        ),
        pytest.param("authorization=abc123DEF456ghi", "authorization=[redacted]", id="bare-header"),
        pytest.param("Authorization: Bearer abc12", "Authorization: Bearer [redacted]", id="short"),
        pytest.param("sent Bearer abc123DEF456ghi.", "sent Bearer [redacted].", id="bearer-inline"),
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", "Basic [redacted]", id="basic"),
        pytest.param(f"token {JWT} expired", "token [redacted] expired", id="jwt"),
        pytest.param("api_key=sk_live_1234&x=1", "api_key=[redacted]&x=1", id="form-value"),
        pytest.param('{"password": "hunter2"}', '{"password": "[redacted]"}', id="json-value"),
        pytest.param("client_secret: 'abc'", "client_secret: '[redacted]'", id="single-quoted"),
        pytest.param(
            '"access_token":"x","refresh_token":"y"',
            '"access_token":"[redacted]","refresh_token":"[redacted]"',
            id="several",
        ),
        pytest.param(
            "HostId: NeotMePfdnUN5teVounG21CxQ8V5e2dfFP/GTolPv4I+TZFeQo2Ab+utM3cah93/wkDS1ZnWlD4=",
            "HostId: [redacted]",
            id="long-random-token",
        ),
        pytest.param("refresh_token=abc12&x=1", "refresh_token=[redacted]&x=1", id="short-token"),
        pytest.param("clientSecret=k9", "clientSecret=[redacted]", id="camel-name"),
        pytest.param("X-Api-Key: 3f9a", "X-Api-Key: [redacted]", id="header-name"),
        pytest.param("pwd%3DAb3.k9z", "pwd%3D[redacted]", id="url-encoded"),
        pytest.param(
            'body: {\\"client_secret\\":\\"abc\\"}',
            'body: {\\"client_secret\\":\\"[redacted]\\"}',
            id="escaped-json",
        ),
        pytest.param(
            "GET https://api.example.com/v1?access_token=k2J9&page=2",
            "GET https://api.example.com/v1?access_token=[redacted]&page=2",
            id="query-parameter",
        ),
        pytest.param(
            "https://svc:Tr0ub4d~@api.example.com/ws",
            "https://svc:[redacted]@api.example.com/ws",
            id="url-password",
        ),
        pytest.param(
            "postgres://app:p@ss:w0rd@db:5432/x",
            "postgres://app:[redacted]@db:5432/x",
            id="url-password-with-at",
        ),
        pytest.param(
            "Cookie: JSESSIONID=A1B2; lang=en",
            "Cookie: JSESSIONID=[redacted]; lang=[redacted]",
            id="cookie",
        ),
        pytest.param(
            "Set-Cookie: sid=s3cr3t; Path=/; HttpOnly",
            "Set-Cookie: sid=[redacted]; Path=[redacted]; HttpOnly",
            id="set-cookie",
        ),
        pytest.param("connect.sid=s%3Aabc", "connect.sid=[redacted]", id="session-cookie-name"),
        pytest.param(
            '{"Cookie": "sid=abc; lang=en"}',
            '{"Cookie": "sid=[redacted]; lang=[redacted]"}',
            id="cookie-in-json-text",
        ),
        pytest.param(f"key: {PEM} rejected", "key: [redacted] rejected", id="pem"),
        pytest.param(
            "key: " + PEM.replace("\n", "\\n"), "key: [redacted]", id="pem-escaped-newlines"
        ),
        pytest.param("-----BEGIN RSA PRIVATE KEY-----\nMIIEow", "[redacted]", id="pem-cut-off"),
        pytest.param("key AKIAIOSFODNN7EXAMPLE denied", "key [redacted] denied", id="aws-key-id"),
        pytest.param("used sk_live_4eC39HqLyjWDarjtT1zdp7dc", "used [redacted]", id="stripe"),
        pytest.param(
            "token ghp_16C7e42F292c6912E7710c838347Ae178B4a!",
            "token [redacted]!",
            id="github",
        ),
        pytest.param(
            "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
            "[redacted]",
            id="slack",
        ),
        pytest.param("AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "[redacted]", id="google-key"),
        pytest.param("Invalid API key a1B2c3D4e5F6g7H8", "Invalid API key [redacted]", id="named"),
        pytest.param("Authorization: abcdefghij", "Authorization: [redacted]", id="header-label"),
        pytest.param(
            '{"password": "Xy7pQ2zW… (truncated)',
            '{"password": "[redacted] (truncated)',
            id="cut-off-quoted",
        ),
        pytest.param("Invalid API key: a1B2c3D4e5", "Invalid API key: [redacted]", id="two-words"),
        pytest.param("unknown key a1B2c3D4e5F6g7H8i9J0", "unknown key [redacted]", id="long-key"),
        pytest.param(f'"assertion": "{JWT} x"', '"assertion": "[redacted]"', id="jwt-and-more"),
        pytest.param(
            "sent <password>Xy7pQ2</password>",
            f"sent <password>{REDACTED}</password>",
            id="markup-as-text",
        ),
        pytest.param(
            "grant_type=authorization_code&code=Splx10BeZQQY&redirect_uri=x",
            "grant_type=authorization_code&code=[redacted]&redirect_uri=x",
            id="oauth-code",
        ),
        pytest.param(
            "https://app.example.com/cb?code=Splx10BeZQQY&state=xyz",
            "https://app.example.com/cb?code=[redacted]&state=xyz",
            id="oauth-callback",
        ),
    ],
)
def test_redact_hides_secrets(raw: str, expected: str) -> None:
    """Credentials and random-looking tokens become "[redacted]"."""
    assert redact(raw) == expected


# --- free text: kept --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Instance f4a9c0c2-ab46-462c-b70b-9999612e6aa9", id="guid"),
        pytest.param("Document Id='{DAC3AB2F-5FEA-4AD2-A663-EF832F270A7B}'", id="upper-guid"),
        pytest.param("requestId 5858a8e4e4b020f1b07a27d9ae04144172874bf4", id="hex-request-id"),
        pytest.param("account 12345678901234567890123456789012345", id="account-number"),
        pytest.param("Application_FieldValidationException_InTheLedgerTable", id="code"),
        pytest.param("/api/v1/1821313/salesentry/SalesEntries/Journal2024", id="url-path"),
        pytest.param("see https://github.com/XeroAPI/Xero-Java/issues/353", id="url-words"),
        pytest.param("Basic authentication failed.", id="basic-word"),
        pytest.param("Bearer token expired at 02/20/2025", id="bearer-word"),
        pytest.param("TokenExpired: token expired at 02/20/2025 08:32:50", id="token-word"),
        pytest.param('The field "password" is required', id="password-word"),
        pytest.param("Password: must be at least 8 characters", id="password-label"),
        pytest.param("Error validating access token: Session has expired", id="token-label"),
        pytest.param("Invalid or expired token: employeeToken", id="token-label-identifier"),
        pytest.param("token=invalid", id="token-prose-value"),
        pytest.param("token_type=bearer&expires_in=3600", id="token-type"),
        pytest.param("tokenUrl=https://login.example.com/oauth2/token", id="token-url"),
        pytest.param("SyncToken=3 is stale", id="sync-token"),
        pytest.param("GET /companies?$skiptoken=Ab12Cd34 failed", id="skip-token"),
        pytest.param("error code=6000, code: 4032", id="error-code"),
        pytest.param("https://api.example.com:8443/v2/invoices?page=2", id="url-with-port"),
        pytest.param("user@example.com: mailbox full", id="email"),
        pytest.param("password_policy: minimum length 12", id="policy"),
        pytest.param('{"password": ["is too short"]}', id="validation-list"),
        pytest.param("Cookie policy not accepted", id="cookie-word"),
        pytest.param("Invalid API key provided", id="api-key-word"),
        pytest.param("The key AccountCode is unknown", id="key-word"),
        pytest.param("Cannot insert duplicate key PK_Voucher1", id="record-key"),
        pytest.param("client id: 123456789", id="client-id"),
        pytest.param("X-Rate-Limit-Problem: minute", id="rate-limit-header"),
        pytest.param("OAuth: token_rejected", id="oauth-label"),
        pytest.param("invalid_grant: Token has been expired or revoked.", id="oauth-error"),
    ],
)
def test_redact_keeps_identifiers_and_words(text: str) -> None:
    """GUIDs, request ids, codes, words about credentials and paging cursors survive."""
    assert redact(text) == text


FRAGMENTS = [
    *("password", "client_secret", "token", "code", "Cookie", "Authorization", "grant_type"),
    *("=", ": ", ":", '"', "'", '\\"', "%3D", "&", ";", " ", "\n", "Bearer ", "Basic "),
    *("https://", "user", "@", "host", "[redacted]", "abc12", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"),
    *(JWT, "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "sk_live_", "AKIA"),
    *("<password>", "</password>", "x", "?", "is", "~"),
]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join))
def test_redact_is_idempotent_on_secret_like_text(text: str) -> None:
    """Redacting twice changes nothing more, whatever secret-like pieces are combined."""
    once = redact(text)
    assert redact(once) == once


SECRET_NAMES = (
    *("client_secret", "refresh_token", "access_token", "id_token", "api_key", "password"),
    *("client_assertion", "code_verifier", "consumer_secret", "token_secret", "session_id"),
)


def _spellings(snake: str) -> list[str]:
    words = snake.split("_")
    camel = words[0] + "".join(word.title() for word in words[1:])
    return [snake, camel, "-".join(word.title() for word in words), snake.upper(), "X-" + camel]


names = st.sampled_from(SECRET_NAMES).flatmap(lambda n: st.sampled_from(_spellings(n)))
values = st.tuples(
    st.text(alphabet=URL_SAFE_LETTERS, min_size=3, max_size=40), st.integers(0, 9)
).map(lambda pair: f"{pair[0]}{pair[1]}")
carriers = st.sampled_from(
    [
        "{name}={value}",
        "?{name}={value}&page=two",
        "{name}: {value}",
        "{name}:{value}",
        '"{name}": "{value}"',
        "'{name}': '{value}'",
        '{{\\"{name}\\":\\"{value}\\"}}',
        '"{name}":"{value}',
        "{name} = {value}, more",
    ]
)


@given(names, values, carriers, st.sampled_from(["", "failed: ", "x ", "{", "&"]))
def test_any_value_after_a_secret_name_is_hidden(
    name: str, value: str, carrier: str, before: str
) -> None:
    """Whatever the spelling of the name, the quoting and the length, the value goes."""
    text = before + carrier.format(name=name, value=value) + " end"
    assert value not in redact(text)


trees = st.recursive(
    st.builds(lambda name, value: {name: value}, names, values),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["errors", "detail", "request", "data"]), children)
    ),
    max_leaves=6,
)


@given(trees)
def test_any_secret_in_a_json_body_stays_hidden(tree: Any) -> None:
    """A secret member anywhere in a JSON body reaches neither the tree nor the text."""
    secrets = re.findall(r'": "([^"]+)"', json.dumps(tree))
    parsed = parse_body(json.dumps(tree))
    seen = json.dumps(parsed.tree) + parsed.text
    assert not [secret for secret in secrets if secret in seen]


@given(st.text())
def test_redact_is_stable(text: str) -> None:
    """Redacting twice changes nothing more."""
    once = redact(text)
    assert redact(once) == once


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join))
def test_markup_redaction_is_idempotent(text: str) -> None:
    """Hiding element text twice changes nothing more."""
    once = redact_markup(text)
    assert redact_markup(once) == once


# --- false positives on real errors ---------------------------------------------------------

# Samples whose extracted messages, codes or reason really hold a credential: none so far.
HOLD_SECRETS: frozenset[str] = frozenset()
# A made-up error that does hold one, so the comparison is seen to notice a change.
CONTROL = {"status": 400, "message": "invalid_grant: refresh_token=r7Kq2 is revoked"}


@pytest.fixture
def without_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine with every redaction step made a no-op, to compare against."""

    def same(value: Any) -> Any:
        return value

    for module, name in (
        (_body, "redact_tree"),
        (_body, "redact_markup"),
        (_engine, "redact"),
        (_engine, "redact_tree"),
    ):
        monkeypatch.setattr(module, name, same)


def _outcomes(engine: failreason.Engine) -> dict[str, tuple[object, ...]]:
    outcomes: dict[str, tuple[object, ...]] = {}
    envelopes = {key: row["input"] for key, row in corpus().items()} | {"control": CONTROL}
    for key, envelope in envelopes.items():
        signal = engine.signal(envelope)
        reason = engine.classify(envelope).failure_reason
        outcomes[key] = (signal.messages, signal.codes, reason)
    return outcomes


@pytest.fixture(scope="module")
def redacted_outcomes() -> dict[str, tuple[object, ...]]:
    return _outcomes(failreason.load())


@pytest.mark.usefixtures("without_redaction")
def test_real_errors_come_out_unchanged(redacted_outcomes: dict[str, tuple[object, ...]]) -> None:
    """Redaction changes the messages, codes and reason of no sample without a credential."""
    plain = _outcomes(failreason.load())
    changed = {key for key, outcome in plain.items() if redacted_outcomes[key] != outcome}
    assert changed == HOLD_SECRETS | {"control"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("error=invalid_grant&refresh_token=abc12", id="form"),
        pytest.param({"error": "invalid_grant", "client_secret": "hunter2hunter2"}, id="json"),
    ],
)
def test_a_redacted_value_is_left_out_of_the_reason(
    engine: failreason.Engine, body: object
) -> None:
    """The bookkeeper reads what went wrong, not a placeholder for what was hidden."""
    result = engine.classify({"status": 400, "body": body})
    assert result.failure_reason == "invalid_grant"
    assert engine.signal({"status": 400, "body": body}).tree is not None
