"""The sandbox under malformed requests, over raw sockets: a JSON 4xx, nothing on stderr."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from failreason._sandbox import MAX_BODY_BYTES, MAX_JOB_ITEMS, Sandbox

pytestmark = pytest.mark.contract_exempt(
    reason="sends malformed requests on purpose, to see each refused with a JSON 4xx"
)

TOKEN = "t"
AUTH = f"Authorization: Bearer {TOKEN}\r\n".encode()
JSON = b"Content-Type: application/json\r\n"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A serving sandbox taking bearer token ``t``."""
    with Sandbox(token=TOKEN, connection_timeout=5.0) as running:
        yield running


def port_of(sandbox: Sandbox) -> int:
    return int(sandbox.base_url.rsplit(":", 1)[1])


def exchange(sandbox: Sandbox, request: bytes) -> tuple[http.client.HTTPResponse, Any]:
    """Send ``request`` as given on a new connection; the response and its JSON body."""
    with socket.create_connection(("127.0.0.1", port_of(sandbox)), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response, json.loads(response.read())


def with_body(head: bytes, body: bytes, length: bytes | None = None) -> bytes:
    size = str(len(body)).encode() if length is None else length
    return head + AUTH + JSON + b"Content-Length: " + size + b"\r\n\r\n" + body


def put_items(job: str) -> bytes:
    return f"PUT /v3/export-jobs/{job}/items HTTP/1.1\r\nHost: x\r\n".encode()


EVENT = b"POST /v3/export-job-events HTTP/1.1\r\nHost: x\r\n"
CONTROL = b"POST /sandbox/jobs HTTP/1.1\r\nHost: x\r\n"
Request = Callable[[str], bytes]

MALFORMED: list[Any] = [
    pytest.param(
        lambda job: with_body(EVENT, b"1" * 5000), 400, "longer than 4300 digits", id="huge-number"
    ),
    pytest.param(
        lambda job: with_body(put_items(job), b"[" * 5000 + b"]" * 5000),
        400,
        "nested too deeply",
        id="deep-items",
    ),
    pytest.param(
        lambda job: with_body(EVENT, b"[" * 5000 + b"]" * 5000), 400, "nested", id="deep-event"
    ),
    pytest.param(lambda job: with_body(EVENT, b'"\xff"'), 400, "not UTF-8", id="invalid-utf8"),
    pytest.param(
        lambda job: with_body(put_items(job), b'[{"accountingEntryId": 5}]'),
        400,
        "accountingEntryId",
        id="id-not-a-string",
    ),
    pytest.param(
        lambda job: with_body(EVENT, b'{"event": 5, "jobId": []}'),
        400,
        "where the contract allows string",
        id="event-types",
    ),
    pytest.param(
        lambda job: with_body(CONTROL, b'{"items": "3"}'), 400, "count", id="items-string"
    ),
    pytest.param(
        lambda job: with_body(CONTROL, b'{"items": 1000000}'),
        400,
        f"at most {MAX_JOB_ITEMS} items",
        id="million-items",
    ),
    pytest.param(
        lambda job: with_body(
            CONTROL, json.dumps({"accountingEntryIds": [str(i) for i in range(100_001)]}).encode()
        ),
        400,
        f"at most {MAX_JOB_ITEMS} items",
        id="too-many-ids",
    ),
    pytest.param(
        lambda job: with_body(EVENT, b"{}", b"99999999999999999999"),
        413,
        "over the sandbox's",
        id="huge-content-length",
    ),
    pytest.param(
        lambda job: with_body(EVENT, b"{}", str(MAX_BODY_BYTES + 1).encode()),
        413,
        "over the sandbox's",
        id="body-over-the-cap",
    ),
    pytest.param(
        lambda job: with_body(EVENT, b"{}", b"-2"), 400, "Content-Length", id="negative-length"
    ),
    pytest.param(
        lambda job: with_body(EVENT, b"{}", b"two"), 400, "Content-Length", id="word-length"
    ),
    pytest.param(
        lambda job: with_body(EVENT, b"{}", b"2\r\nContent-Length: 3"),
        400,
        "Content-Length",
        id="two-lengths",
    ),
    pytest.param(
        lambda job: EVENT + AUTH + JSON + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        411,
        "Content-Length",
        id="chunked",
    ),
    pytest.param(
        lambda job: "GET /v3/export-jobs/é HTTP/1.1\r\nHost: x\r\n".encode() + AUTH + b"\r\n",
        404,
        "'é'",
        id="utf8-path",
    ),
    pytest.param(
        lambda job: b"GET /v3/export-jobs/%ff\xfe HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n",
        404,
        "no export job",
        id="binary-path",
    ),
    pytest.param(lambda job: b"\x00\x01\x02 what\r\n\r\n", 400, "", id="garbage"),
    pytest.param(lambda job: b"GET /\r\n\r\n", 400, "HTTP/1.1 request line", id="http-0.9"),
    pytest.param(lambda job: b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400, "version", id="http-2"),
    pytest.param(lambda job: b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 405, "BREW", id="method"),
    pytest.param(
        lambda job: b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "",
        id="long-target",
    ),
    pytest.param(
        lambda job: (
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(101)) + b"\r\n"
        ),
        431,
        "headers",
        id="many-headers",
    ),
    pytest.param(
        lambda job: CONTROL + b"Content-Length: 12\r\n\r\n" + b'{"items": 1}',
        401,
        "Authorization",
        id="control-without-credentials",
    ),
    pytest.param(
        lambda job: b"GET /sandbox/log HTTP/1.1\r\nAuthorization: Bearer nope\r\n\r\n",
        401,
        "not valid",
        id="log-with-a-wrong-token",
    ),
]


@pytest.mark.parametrize(("request_of", "status", "said"), MALFORMED)
def test_a_malformed_request_gets_a_json_4xx_and_nothing_on_stderr(
    sandbox: Sandbox,
    capfd: pytest.CaptureFixture[str],
    request_of: Request,
    status: int,
    said: str,
) -> None:
    """Pleo's error shape, a status that says what is wrong, no traceback; nothing applied."""
    job_id, _ = sandbox.create_job(1)
    response, body = exchange(sandbox, request_of(job_id))
    assert response.status == status
    assert response.getheader("Content-Type") == "application/json"
    assert set(body) == {"type", "message"}
    assert said in body["message"]
    assert capfd.readouterr().err == ""
    assert [item.status for item in sandbox.items(job_id)] == ["in_progress"]
    assert len(sandbox.events(job_id)) == 0


def test_the_connection_stays_usable_after_a_refused_body(sandbox: Sandbox) -> None:
    """A body refused after it was read does not spoil the kept-alive connection."""
    job_id, _ = sandbox.create_job(1)
    get = f"GET /v3/export-jobs/{job_id} HTTP/1.1\r\nHost: x\r\n".encode() + AUTH + b"\r\n"
    with socket.create_connection(("127.0.0.1", port_of(sandbox)), timeout=10) as sock:
        statuses = []
        for request in (with_body(EVENT, b"{oops"), get):
            sock.sendall(request)
            response = http.client.HTTPResponse(sock)
            response.begin()
            response.read()
            statuses.append(response.status)
    assert statuses == [400, 200]


def test_a_body_that_cannot_be_read_closes_the_connection(sandbox: Sandbox) -> None:
    """After a 413 the unread body would be taken for the next request: the server closes."""
    with socket.create_connection(("127.0.0.1", port_of(sandbox)), timeout=10) as sock:
        sock.sendall(with_body(EVENT, b"", str(MAX_BODY_BYTES + 1).encode()))
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        assert (response.status, response.getheader("Connection")) == (413, "close")
        assert sock.recv(1) == b""


def test_an_idle_connection_is_closed_after_the_timeout() -> None:
    """A client that connects and sends nothing cannot hold a server thread for ever."""
    with (
        Sandbox(token=TOKEN, connection_timeout=0.2) as sandbox,
        socket.create_connection(("127.0.0.1", port_of(sandbox)), timeout=30) as sock,
    ):
        assert sock.recv(1) == b""  # closed by the server, long before our own timeout


def test_control_routes_take_the_api_key_too() -> None:
    """The sandbox's own routes accept whatever credentials its API accepts."""
    with Sandbox(token=None, api_key="k") as sandbox:
        request = b"GET /sandbox/stats HTTP/1.1\r\nAuthorization: Basic azo=\r\n\r\n"
        response, body = exchange(sandbox, request)
    assert (response.status, body["data"]["requests"]) == (200, 0)


def test_a_bug_in_the_sandbox_is_answered_500_and_shown(
    sandbox: Sandbox, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception still answers the client, and its traceback is on stderr."""

    def broken(*args: object) -> None:
        raise ZeroDivisionError("sandbox bug")

    monkeypatch.setattr(sandbox, "_handle", broken)
    response, body = exchange(sandbox, b"GET /v3/export-jobs/x HTTP/1.1\r\n" + AUTH + b"\r\n")
    assert (response.status, body["type"]) == (500, "INTERNAL_SERVER_ERROR")
    assert "ZeroDivisionError: sandbox bug" in capfd.readouterr().err
