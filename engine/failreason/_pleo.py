"""The synchronous Pleo client: a short loop over the flows in ``_protocol``.

With ``concurrency`` above 1 the flows a report spawns (its batches, page reads) run on a
small thread pool over the one ``httpx.Client``, which is thread-safe. Flow steps take a
lock, so the flows' shared state (the ledger, the job lock, a 429's pause) changes one step
at a time and the requests are what overlaps. With 1, a spawned flow runs in place, as it
always did.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace

import httpx

from failreason import _protocol as flows
from failreason import _report_flow as report_flows
from failreason._engine import Engine
from failreason._joblock import JobLocks
from failreason._pleo_http import PleoSettings
from failreason._policy import JobEvent
from failreason._reports import Report
from failreason._wire import ExportJob, ExportJobItem


class PleoClient:
    """Pleo's Export API over httpx, with retries; use as a context manager."""

    def __init__(  # noqa: PLR0913 - the documented constructor, every argument by name
        self,
        *,
        token: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        settings: PleoSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        concurrency: int | None = None,
    ) -> None:
        self.settings = PleoSettings.given(settings, token, api_key, base_url)
        if concurrency is not None:  # checked by the settings, like every other value
            self.settings = replace(self.settings, concurrency=concurrency)
        self._http = httpx.Client(transport=transport, **self.settings.httpx_options())
        self._sleep = sleep
        self._steps = threading.Lock()  # one flow step at a time, whichever thread drives it
        self._pool: ThreadPoolExecutor | None = None
        locks = JobLocks(self.settings.base_url)
        self._ctx = flows.Context(self.settings, locks, rng or random.Random(), clock)  # noqa: S311

    def __repr__(self) -> str:
        return f"PleoClient(settings={self.settings!r})"

    def __enter__(self) -> PleoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Wait for updates on their way, close the connections, release the job locks."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # batches handed over are sent, as before
            self._pool = None
        self._ctx.locks.release_all()
        self._http.close()

    def _run(self, flow: flows.Flow[flows.T]) -> flows.T:
        """Drive ``flow``: make the requests it asks for, sleep the waits it asks for, run
        the flows it spawns."""
        reply: flows.Reply | None = None
        error: BaseException | None = None
        while True:
            try:
                with self._steps:
                    effect = flow.throw(error) if error is not None else flow.send(reply)
            except StopIteration as done:
                result: flows.T = done.value
                return result
            reply, error = None, None
            if isinstance(effect, flows.Sleep):
                self._sleep(effect.seconds)
            elif isinstance(effect, flows.Send):
                reply = self._request(effect)
            elif isinstance(effect, flows.Spawn):
                error = self._spawn(effect)
            else:
                error = self._join(effect)

    def _request(self, send: flows.Send) -> flows.Reply:
        try:
            return flows.Reply(self._http.request(**send.request_args()))
        except (httpx.TransportError, httpx.InvalidURL) as error:
            return flows.Reply(error=error)

    def _spawn(self, spawn: flows.Spawn) -> Exception | None:
        """Start the flow on the pool once the group has room; in place at concurrency 1,
        where its error is the spawner's at once."""
        limit, group = self.settings.concurrency, spawn.group
        if limit == 1:
            try:
                self._run(spawn.flow)
            except Exception as failed:  # raised in the spawning flow instead
                return failed
            return None
        while len(group.running) >= limit:
            wait(group.running, return_when=FIRST_COMPLETED)
            _reap(group)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(limit, thread_name_prefix="failreason-pleo")
        group.running.add(self._pool.submit(self._run, spawn.flow))
        return None

    def _join(self, join: flows.Join) -> BaseException | None:
        if join.wait and join.group.running:
            wait(join.group.running)
        _reap(join.group)
        errors, join.group.errors = join.group.errors, []
        return errors[0] if errors else None

    def job(self, job_id: str) -> ExportJob:
        """The export job as Pleo holds it."""
        return self._run(flows.job(self._ctx, job_id))

    def items(self, job_id: str) -> Iterator[ExportJobItem]:
        """Every item of the job, across all pages."""
        return iter(self._run(flows.items(self._ctx, job_id)))

    def start(self, job_id: str) -> None:
        """Post the ``started`` event (step 1 of the workflow)."""
        self._run(flows.post_event(self._ctx, job_id, JobEvent("started")))

    def report(self, job_id: str, engine: Engine | None = None) -> Report:
        """Begin reporting a started job's items; reads what Pleo already holds."""
        return Report(self, self._run(report_flows.open_report(self._ctx, job_id, engine)))


def _reap(group: flows.Background) -> None:
    """Drop the group's finished futures, keeping the errors they ended with."""
    done: list[Future[object]] = [future for future in group.running if future.done()]
    for future in done:
        group.running.discard(future)
        failed = future.exception()
        if failed is not None:
            group.errors.append(failed)


__all__ = ["PleoClient", "Report"]
