"""The fake accounting system, over real loopback HTTP: entries, idempotency, scripted errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import failreason
from failreason._fake_accounting_outcomes import (
    SYSTEM_HEADER,
    Answer,
    Outcome,
    RateLimit,
    Slow,
    real_errors,
)
from failreason._run_types import ExportItem, Failed, Posted
from failreason.testing import FakeAccountingSystem, Sandbox


@pytest.fixture
def books() -> Iterator[FakeAccountingSystem]:
    with FakeAccountingSystem() as fake:
        yield fake


def item(entry_id: str, **fields: Any) -> dict[str, Any]:
    return {"accountingEntryId": entry_id, "type": "card_purchase", **fields}


def test_a_posted_item_becomes_an_entry_with_an_id_and_url(books: FakeAccountingSystem) -> None:
    """201 with JE-10001 and a url that reads the entry back."""
    posted = books.post_entry()(item("e-1"))
    assert posted == Posted("JE-10001", f"{books.base_url}/entries/JE-10001")
    assert posted.external_url is not None
    read = httpx.get(posted.external_url).json()
    assert read["id"] == "JE-10001"
    assert read["item"]["accountingEntryId"] == "e-1"
    assert [entry.accounting_entry_id for entry in books.entries] == ["e-1"]


def test_posting_an_entry_again_answers_the_same_id(books: FakeAccountingSystem) -> None:
    """Idempotent by accountingEntryId: no second entry, the replay says so."""
    post = books.post_entry()
    first, second = post(item("e-1")), post(item("e-1"))
    other = post(item("e-2"))
    assert first == second
    assert other != first
    assert books.created_count("e-1") == 1
    assert books.post_count("e-1") == 2
    again = httpx.post(f"{books.base_url}/entries", json=item("e-1"))
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"


def test_every_real_error_classifies_as_its_rule_example(
    books: FakeAccountingSystem, engine: failreason.Engine
) -> None:
    """Each example answered over HTTP is classified exactly as the example itself."""
    errors = real_errors(engine)
    assert len({error.system for error in errors}) >= 10
    post = books.post_entry()
    for index, error in enumerate(errors):
        books.script(f"e-{index}", error)
        with pytest.raises(httpx.HTTPStatusError) as raised:
            post(item(f"e-{index}"))
        assert raised.value.response.status_code == error.status
        got = engine.classify(raised.value, system=error.system)
        want = engine.classify(error.envelope())
        assert (got.rule_id, got.failure_reason) == (want.rule_id, want.failure_reason), error.rule
    assert books.entries == ()


def test_real_errors_keep_only_the_types_asked_for(engine: failreason.Engine) -> None:
    """types= narrows the examples to those rules' failure types."""
    errors = real_errors(engine, types=["vendor_unknown"])
    assert errors
    assert {engine.classify(error.envelope()).failure_reason_type for error in errors} == {
        "vendor_unknown"
    }


def test_a_refusal_sticks_on_every_later_post(books: FakeAccountingSystem) -> None:
    """A real system refuses the same entry again; nothing is made."""
    books.script("e-1", Answer(400, {"message": "Account 6100 is locked"}))
    post = books.post_entry()
    for _ in range(3):
        with pytest.raises(httpx.HTTPStatusError):
            post(item("e-1"))
    assert books.created_count("e-1") == 0
    assert books.post_count("e-1") == 3


def test_a_rate_limit_once_then_success(books: FakeAccountingSystem) -> None:
    """429 with Retry-After, then the entry is made."""
    books.script("e-1", RateLimit(retry_after=2))
    post = books.post_entry()
    with pytest.raises(httpx.HTTPStatusError) as raised:
        post(item("e-1"))
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "2"
    assert isinstance(post(item("e-1")), Posted)
    assert books.created_count("e-1") == 1
    assert [(x.entry_id, x.status) for x in books.log] == [("e-1", 429), ("e-1", 201)]
    assert "Too many requests" in books.log[0].body


def test_a_late_answer_times_out_and_the_retry_gets_the_same_entry(
    books: FakeAccountingSystem,
) -> None:
    """The entry is made, the answer is late: the client's retry finds it, not a double."""
    books.script("e-1", Slow(seconds=30))
    with pytest.raises(httpx.ReadTimeout):
        books.post_entry(timeout=0.2)(item("e-1"))
    posted = books.post_entry()(item("e-1"))
    assert posted == Posted("JE-10001", f"{books.base_url}/entries/JE-10001")
    assert books.created_count("e-1") == 1


def test_a_rule_scripts_entries_from_their_item(books: FakeAccountingSystem) -> None:
    """script_by decides per item at its first post; scripted ids win over the rule."""

    def refuse_invoices(export_item: ExportItem) -> list[Outcome]:
        return [Answer(422, {"message": "No vendor"})] if export_item["type"] == "invoice" else []

    books.script_by(refuse_invoices)
    books.script("e-3", RateLimit(0))
    post = books.post_entry()
    assert isinstance(post(item("e-1")), Posted)
    with pytest.raises(httpx.HTTPStatusError):
        post(item("e-2", type="invoice"))
    with pytest.raises(httpx.HTTPStatusError):
        post(item("e-3", type="invoice"))
    assert isinstance(post(item("e-3", type="invoice")), Posted)


def test_with_system_an_error_comes_back_as_failed_naming_it(
    books: FakeAccountingSystem, engine: failreason.Engine
) -> None:
    """system="answer" names the system the fake imitated, so its pack's rules apply."""
    error = real_errors(engine, types=["vendor_unknown"])[0]
    books.script("e-1", error)
    failed = books.post_entry(system="answer")(item("e-1"))
    assert isinstance(failed, Failed)
    assert isinstance(failed.error, dict)
    assert failed.error["system"] == error.system
    assert SYSTEM_HEADER.lower() not in failed.error["headers"]
    got = engine.classify(failed.error)
    assert got.rule_id == engine.classify(error.envelope()).rule_id
    named = books.post_entry(system="xero")(item("e-1"))
    assert isinstance(named, Failed)
    assert isinstance(named.error, dict)
    assert named.error["system"] == "xero"


def test_health_answers_ok_until_scripted(books: FakeAccountingSystem) -> None:
    """validate() passes on 200 and raises the scripted 401, 403 and 503."""
    validate = books.validate()
    validate({"id": "job"})
    for status in (401, 403, 503):
        books.set_health(status)
        with pytest.raises(httpx.HTTPStatusError) as raised:
            validate({"id": "job"})
        assert raised.value.response.status_code == status
        assert raised.value.response.json()["message"]
    books.set_health(200)
    validate({"id": "job"})


def test_a_closed_fake_refuses_the_connection() -> None:
    """After close, validation and posting meet a refused connection."""
    with FakeAccountingSystem() as fake:
        validate, post = fake.validate(), fake.post_entry()
    with pytest.raises(httpx.ConnectError):
        validate({"id": "job"})
    with pytest.raises(httpx.ConnectError):
        post(item("e-1"))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[]", id="not-an-object"),
        pytest.param(b'{"accountingEntryId": 7}', id="id-not-text"),
    ],
)
def test_a_body_without_an_entry_id_is_refused(books: FakeAccountingSystem, body: bytes) -> None:
    """400, and nothing is made."""
    response = httpx.post(f"{books.base_url}/entries", content=body)
    assert response.status_code == 400
    assert books.entries == ()


def test_unknown_paths_answer_404(books: FakeAccountingSystem) -> None:
    """An entry that does not exist, or a path the fake does not have."""
    assert httpx.get(f"{books.base_url}/entries/JE-1").status_code == 404
    assert httpx.delete(f"{books.base_url}/entries").status_code == 404


def test_the_async_functions_answer_as_the_sync_ones(books: FakeAccountingSystem) -> None:
    """post_entry_async and validate_async: Posted, the same id again, errors raised."""
    books.script("e-2", Answer(400, {"message": "Account 6100 is locked"}))
    books.script("e-3", Slow(seconds=30))

    async def run() -> list[object]:
        post, validate = books.post_entry_async(), books.validate_async()
        await validate({"id": "job"})
        seen: list[object] = [await post(item("e-1")), await post(item("e-1"))]
        for failing, timeout in (("e-2", 5.0), ("e-3", 0.2)):
            try:
                await books.post_entry_async(timeout=timeout)(item(failing))
            except httpx.HTTPError as error:
                seen.append(type(error))
        books.set_health(503)
        try:
            await validate({"id": "job"})
        except httpx.HTTPStatusError as error:
            seen.append(error.response.status_code)
        return seen

    first, again, refused, late, health = asyncio.run(run())
    assert first == again == Posted("JE-10001", f"{books.base_url}/entries/JE-10001")
    assert (refused, late, health) == (httpx.HTTPStatusError, httpx.ReadTimeout, 503)
    assert books.created_count("e-1") == 1


def test_the_async_runner_exports_through_the_fake(engine: failreason.Engine) -> None:
    """run_export_async with the fake's functions: every item final, each entry made once."""
    refusal = real_errors(engine, types=["vendor_unknown"])[0]

    async def run(pleo_url: str, books: FakeAccountingSystem) -> failreason.RunSummary:
        settings = failreason.PleoSettings(token="t", base_url=pleo_url)
        async with failreason.AsyncPleoClient(settings=settings) as pleo:
            return await failreason.run_export_async(
                pleo,
                books.post_entry_async(system="answer"),
                validate=books.validate_async(),
                engine=engine,
                configuration=failreason.ExportConfiguration(default_expense_account="6999"),
            )

    with Sandbox(token="t") as sandbox, FakeAccountingSystem() as books:
        job_id, entries = sandbox.create_job(12, start=False)
        books.script(entries[2], refusal)
        books.script(entries[5], RateLimit(retry_after=0))
        summary = asyncio.run(run(sandbox.base_url, books))
        held = {i.accounting_entry_id: i for i in sandbox.items(job_id)}
    assert (summary.result, summary.successful, summary.failed) == ("completed_with_errors", 11, 1)
    assert held[entries[2]].failure_reason == engine.classify(refusal.envelope()).failure_reason
    assert all(books.created_count(entry) == 1 for entry in entries if entry != entries[2])
