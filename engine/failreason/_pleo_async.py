"""The asynchronous Pleo client: the same flows as the sync one (``_protocol``), awaited."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from failreason import _protocol as flows
from failreason import _report_flow as report_flows
from failreason._engine import Engine
from failreason._joblock import JobLocks
from failreason._pleo_http import PleoSettings
from failreason._policy import JobEvent
from failreason._reports import AsyncReport
from failreason._wire import ExportJob, ExportJobItem


class AsyncPleoClient:
    """Pleo's Export API over ``httpx.AsyncClient``, with retries; ``async with`` it."""

    def __init__(
        self,
        *,
        token: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        settings: PleoSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = PleoSettings.given(settings, token, api_key, base_url)
        self._http = httpx.AsyncClient(transport=transport, **self.settings.httpx_options())
        self._sleep = sleep
        locks = JobLocks(self.settings.base_url)
        self._ctx = flows.Context(self.settings, locks, rng or random.Random(), clock)  # noqa: S311

    def __repr__(self) -> str:
        return f"AsyncPleoClient(settings={self.settings!r})"

    async def __aenter__(self) -> AsyncPleoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections and release every job lock this client holds."""
        self._ctx.locks.release_all()
        await self._http.aclose()

    async def _run(self, flow: flows.Flow[flows.T]) -> flows.T:
        """Drive ``flow``: make the requests it asks for, await the waits it asks for."""
        try:
            effect = next(flow)
            while True:
                if isinstance(effect, flows.Sleep):
                    await self._sleep(effect.seconds)
                    effect = flow.send(None)
                    continue
                try:
                    reply = flows.Reply(await self._http.request(**effect.request_args()))
                except (httpx.TransportError, httpx.InvalidURL) as error:
                    reply = flows.Reply(error=error)
                effect = flow.send(reply)
        except StopIteration as done:
            result: flows.T = done.value
            return result

    async def job(self, job_id: str) -> ExportJob:
        """The export job as Pleo holds it."""
        return await self._run(flows.job(self._ctx, job_id))

    async def items(self, job_id: str) -> AsyncIterator[ExportJobItem]:
        """Every item of the job, across all pages."""
        for item in await self.all_items(job_id):
            yield item

    async def all_items(self, job_id: str) -> list[ExportJobItem]:
        return await self._run(flows.items(self._ctx, job_id))

    async def start(self, job_id: str) -> None:
        """Post the ``started`` event (step 1 of the workflow)."""
        await self._run(flows.post_event(self._ctx, job_id, JobEvent("started")))

    async def report(self, job_id: str, engine: Engine | None = None) -> AsyncReport:
        """Begin reporting a started job's items; reads what Pleo already holds."""
        state = await self._run(report_flows.open_report(self._ctx, job_id, engine))
        return AsyncReport(self, state)


__all__ = ["AsyncPleoClient", "AsyncReport"]
