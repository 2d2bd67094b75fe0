"""The asynchronous Pleo client: the same flows as the sync one (``_protocol``), awaited.

The flows a report spawns (its batches, page reads) run as tasks, at most ``concurrency``
per report at once: a full batch is sent while the caller goes on, and its error is raised
at the report's next call. Everything runs on the event loop's thread, so the flows' shared
state changes one step at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

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

    def __init__(  # noqa: PLR0913 - the documented constructor, every argument by name
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
        concurrency: int | None = None,
    ) -> None:
        self.settings = PleoSettings.given(settings, token, api_key, base_url)
        if concurrency is not None:  # checked by the settings, like every other value
            self.settings = replace(self.settings, concurrency=concurrency)
        self._http = httpx.AsyncClient(transport=transport, **self.settings.httpx_options())
        self._sleep = sleep
        self._tasks: set[asyncio.Task[Any]] = set()  # every spawned flow still running
        locks = JobLocks(self.settings.base_url)
        self._ctx = flows.Context(self.settings, locks, rng or random.Random(), clock)  # noqa: S311

    def __repr__(self) -> str:
        return f"AsyncPleoClient(settings={self.settings!r})"

    async def __aenter__(self) -> AsyncPleoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop updates still on their way (the next run reads what landed), close the
        connections and release every job lock this client holds."""
        for task in self._tasks:
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._ctx.locks.release_all()
        await self._http.aclose()

    async def _run(self, flow: flows.Flow[flows.T]) -> flows.T:
        """Drive ``flow``: make the requests it asks for, await the waits it asks for, run
        the flows it spawns as tasks."""
        reply: flows.Reply | None = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(reply)
            except StopIteration as done:
                result: flows.T = done.value
                return result
            reply, error = None, None
            if isinstance(effect, flows.Sleep):
                await self._sleep(effect.seconds)
            elif isinstance(effect, flows.Send):
                reply = await self._request(effect)
            elif isinstance(effect, flows.Spawn):
                await self._spawn(effect)
            else:
                error = await self._join(effect)

    async def _request(self, send: flows.Send) -> flows.Reply:
        try:
            return flows.Reply(await self._http.request(**send.request_args()))
        except (httpx.TransportError, httpx.InvalidURL) as error:
            return flows.Reply(error=error)

    async def _spawn(self, spawn: flows.Spawn) -> None:
        """Start the flow as a task once its group has fewer than ``concurrency`` running."""
        group = spawn.group
        while len(group.running) >= self.settings.concurrency:
            await asyncio.wait(group.running, return_when=asyncio.FIRST_COMPLETED)
            _reap(group)
        task = asyncio.create_task(self._run(spawn.flow))
        group.running.add(task)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _join(self, join: flows.Join) -> BaseException | None:
        if join.wait and join.group.running:
            await asyncio.wait(join.group.running)
        _reap(join.group)
        errors, join.group.errors = join.group.errors, []
        return errors[0] if errors else None

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


def _reap(group: flows.Background) -> None:
    """Drop the group's finished tasks, keeping the errors they ended with."""
    done: list[asyncio.Task[Any]] = [task for task in group.running if task.done()]
    for task in done:
        group.running.discard(task)
        failed = None if task.cancelled() else task.exception()
        if failed is not None:
            group.errors.append(failed)


__all__ = ["AsyncPleoClient", "AsyncReport"]
