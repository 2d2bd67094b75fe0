"""``failreason serve`` over real HTTP on loopback: uvicorn in a thread, httpx as the client."""

from __future__ import annotations

import builtins
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import failreason
from failreason._cli import main
from failreason._serve import Service, create_app
from failreason._serve_cli import listen
from tests.asgi_support import ServedApp

TOKEN = "test-token-1"
ENGINE = Path(failreason.__file__).resolve().parent.parent
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XERO = {"system": "xero", "status": 400, "body": {"Message": "Account code 123 is not valid"}}


def pack(version: int) -> str:
    """A one-rule pack for system acme whose rule id carries ``version``."""
    return f"""\
system: acme
rules:
  - id: acme.v{version}
    match: {{status: 400}}
    type: invalid_configuration
    message: "version {version}"
"""


ACME = {"system": "acme", "status": 400, "body": {"message": "no"}}


class Running(ServedApp):
    """A uvicorn server answering for ``service`` on a free loopback port, in a thread."""

    def __init__(self, service: Service) -> None:
        self.service = service
        super().__init__(create_app(service))


def serving(service: Service) -> Iterator[Running]:
    running = Running(service)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def server(engine: failreason.Engine) -> Iterator[Running]:
    """One server with the built-in rules and a token, shared by the module's tests."""
    yield from serving(Service(engine, token=TOKEN, max_body=64 * 1024))


@pytest.fixture
def acme(tmp_path: Path) -> Iterator[Running]:
    """A server of a rules directory it watches every few milliseconds, with no token."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(pack(1), encoding="utf-8")
    engine = failreason.load(rules)
    yield from serving(Service(engine, [rules], poll_seconds=0.02))


def test_one_envelope_is_answered_as_classify_prints_it(
    server: Running, engine: failreason.Engine
) -> None:
    response = server.client.post("/classify", json=XERO, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == engine.classify(XERO).to_json()


def test_an_array_is_answered_in_order_with_each_bad_item_in_its_place(
    server: Running, engine: failreason.Engine
) -> None:
    envelopes: list[Any] = [XERO, 7, {"status": 429}]
    response = server.client.post("/classify", json=envelopes, headers=AUTH)
    answers = response.json()
    assert response.status_code == 200
    assert answers[0] == engine.classify(XERO).to_json()
    assert answers[1] == {"index": 1, "error": "expected a JSON object (a raw-error envelope)"}
    assert answers[2]["failureReasonType"] == engine.classify({"status": 429}).failure_reason_type


def test_json_lines_are_answered_line_by_line_with_bad_lines_numbered(server: Running) -> None:
    body = json.dumps(XERO) + "\n\n{not json\n" + json.dumps({"status": 429}) + "\n"
    headers = {**AUTH, "Content-Type": "application/x-ndjson"}
    response = server.client.post("/classify", content=body, headers=headers)
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 3
    assert lines[0]["rule"] == failreason.load().classify(XERO).rule_id
    assert lines[1]["line"] == 3
    assert lines[1]["error"].startswith("invalid JSON")
    assert "failureReasonType" in lines[2]


def test_a_large_batch_is_classified_like_a_small_one(server: Running) -> None:
    """Past the inline limit the batch goes to a worker thread; the answers are the same."""
    response = server.client.post("/classify", json=[XERO] * 40, headers=AUTH)
    answers = response.json()
    assert len(answers) == 40
    assert all(answer == answers[0] for answer in answers)


def test_explain_names_the_signal_and_the_result(server: Running) -> None:
    response = server.client.post("/explain", json=XERO, headers=AUTH)
    record = response.json()
    assert response.status_code == 200
    assert record["system"] == "xero"
    assert record["status"] == 400
    assert record["result"]["failureReasonType"]
    assert "line" not in record


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "the body is not JSON"),
        (b'"just a string"', "send a JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (json.dumps({"system": 5}).encode(), ""),
    ],
)
def test_a_bad_body_is_a_400_problem_never_a_traceback(
    server: Running, body: bytes, detail: str
) -> None:
    response = server.client.post("/classify", content=body, headers=AUTH)
    problem = response.json()
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 400
    assert detail in problem["detail"]
    assert "Traceback" not in response.text


def test_a_body_over_the_limit_is_a_413(server: Running) -> None:
    big = {"status": 400, "body": {"message": "x" * (70 * 1024)}}
    response = server.client.post("/classify", json=big, headers=AUTH)
    assert response.status_code == 413
    assert str(64 * 1024) in response.json()["detail"]


def test_a_streamed_body_over_the_limit_is_a_413(server: Running) -> None:
    """No Content-Length to refuse it by: the limit holds while the body is read."""
    chunks = iter([b"[" + b" " * 40_000, b" " * 40_000 + b"]"])
    response = server.client.post("/classify", content=chunks, headers=AUTH)
    assert response.status_code == 413


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_without_the_token_classify_and_metrics_are_refused(
    server: Running, headers: dict[str, str]
) -> None:
    for response in (
        server.client.post("/classify", json=XERO, headers=headers),
        server.client.get("/metrics", headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_healthz_answers_without_the_token(server: Running, engine: failreason.Engine) -> None:
    state = server.client.get("/healthz").json()
    assert state == {
        "status": "ok",
        "rules": len(engine.rules),
        "reloads": 0,
        "reload_error": None,
    }


def metric(page: str, name: str) -> float:
    """The value of the sample ``name`` (with its labels, as written) on a metrics page."""
    values = [line.rsplit(" ", 1)[1] for line in page.splitlines() if line.startswith(name + " ")]
    assert len(values) == 1, name
    return float(values[0])


def test_metrics_count_classifications_by_rule_system_type_and_the_cache(
    server: Running, engine: failreason.Engine
) -> None:
    before = server.client.get("/metrics", headers=AUTH).text
    for _ in range(3):
        server.client.post("/classify", json=XERO, headers=AUTH)
    server.client.post("/classify", json={"system": "nowhere-known", "status": 400}, headers=AUTH)
    page = server.client.get("/metrics", headers=AUTH).text
    rule = engine.classify(XERO).rule_id

    def grew(name: str) -> float:
        return metric(page, name) - (metric(before, name) if name in before else 0)

    assert grew("failreason_classifications_total") == 4
    assert grew(f'failreason_classifications_by_rule_total{{rule="{rule}"}}') == 3
    assert grew('failreason_classifications_by_system_total{system="xero"}') == 3
    assert grew('failreason_classifications_by_system_total{system="unknown"}') == 1
    assert "nowhere-known" not in page
    assert grew("failreason_cache_hits_total") >= 2
    assert grew("failreason_request_duration_seconds_count") == 4
    assert metric(page, 'failreason_request_duration_seconds_bucket{le="+Inf"}') == metric(
        page, "failreason_request_duration_seconds_count"
    )
    assert 0 <= metric(page, "failreason_fallback_ratio") <= 1


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the server did not reload"
        time.sleep(0.01)


def test_a_changed_rule_file_is_reloaded(acme: Running, tmp_path: Path) -> None:
    assert acme.client.post("/classify", json=ACME).json()["rule"] == "acme.v1"
    (tmp_path / "rules" / "acme.yaml").write_text(pack(2) + "\n", encoding="utf-8")
    wait_for(lambda: acme.client.get("/healthz").json()["reloads"] == 1)
    assert acme.client.post("/classify", json=ACME).json()["rule"] == "acme.v2"


def test_a_broken_rule_file_keeps_the_rules_in_force_and_is_reported(
    acme: Running, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules" / "acme.yaml").write_text("rules: [\n", encoding="utf-8")
    wait_for(lambda: acme.client.get("/healthz").json()["reload_error"] is not None)
    assert acme.client.post("/classify", json=ACME).json()["rule"] == "acme.v1"
    assert "acme.yaml" in acme.client.get("/healthz").json()["reload_error"]
    assert metric(acme.client.get("/metrics").text, "failreason_rules_ok") == 0
    assert "the rules were not reloaded" in capsys.readouterr().err


def test_without_the_extra_serve_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_import = builtins.__import__

    def no_uvicorn(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".", maxsplit=1)[0] in {"uvicorn", "starlette"}:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvicorn)
    assert main(["serve", "--port", "0"]) == 2
    assert "pip install 'failreason[serve]'" in capsys.readouterr().err


def test_the_listener_says_it_is_tcp_so_answers_are_not_held_back() -> None:
    """asyncio turns Nagle's algorithm off only on sockets that name TCP; with it on, every
    kept-alive answer waits for the client's delayed ACK (~40 ms)."""
    listener = listen("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP
    finally:
        listener.close()


def test_a_port_in_use_stops_serve_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    taken = listen("127.0.0.1", 0)
    try:
        assert main(["serve", "--isolated", "--port", str(taken.getsockname()[1])]) == 2
    finally:
        taken.close()
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err


def test_the_command_reloads_on_sighup_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The real ``failreason serve`` process: token from the environment, SIGHUP, SIGTERM."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(pack(1), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "FAILREASON_SERVE_TOKEN": TOKEN}
    command = [sys.executable, "-m", "failreason", "serve", "--port", "0", "--rules", str(rules)]
    child = subprocess.Popen(
        [*command, "--watch-seconds", "0"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stderr is not None
        url = child.stderr.readline().split("listening on ")[1].split()[0]
        with httpx.Client(base_url=url, headers=AUTH) as client:
            assert client.post("/classify", json=ACME).json()["rule"] == "acme.v1"
            assert client.post("/classify", json=ACME, headers={"Authorization": ""}).is_error
            (rules / "acme.yaml").write_text(pack(2), encoding="utf-8")
            child.send_signal(signal.SIGHUP)
            wait_for(lambda: client.get("/healthz").json()["reloads"] == 1)
            assert client.post("/classify", json=ACME).json()["rule"] == "acme.v2"
        child.send_signal(signal.SIGTERM)
        # uvicorn finishes the requests in flight, then ends by the signal it was sent
        assert child.wait(timeout=30) == -signal.SIGTERM
        told = child.stderr.read()
        assert "SIGHUP: rules reloaded" in told
        assert "Traceback" not in told
    finally:
        child.kill()  # a no-op when it has ended
        child.wait()
        if child.stderr is not None:
            child.stderr.close()
