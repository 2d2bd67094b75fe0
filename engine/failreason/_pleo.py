"""The synchronous Pleo client: a short loop over the flows in ``_protocol``."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

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

    def __init__(
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
    ) -> None:
        self.settings = PleoSettings.given(settings, token, api_key, base_url)
        self._http = httpx.Client(transport=transport, **self.settings.httpx_options())
        self._sleep = sleep
        locks = JobLocks(self.settings.base_url)
        self._ctx = flows.Context(self.settings, locks, rng or random.Random(), clock)  # noqa: S311

    def __repr__(self) -> str:
        return f"PleoClient(settings={self.settings!r})"

    def __enter__(self) -> PleoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and release every job lock this client holds."""
        self._ctx.locks.release_all()
        self._http.close()

    def _run(self, flow: flows.Flow[flows.T]) -> flows.T:
        """Drive ``flow``: make the requests it asks for, sleep the waits it asks for."""
        try:
            effect = next(flow)
            while True:
                if isinstance(effect, flows.Sleep):
                    self._sleep(effect.seconds)
                    effect = flow.send(None)
                    continue
                try:
                    reply = flows.Reply(self._http.request(**effect.request_args()))
                except (httpx.TransportError, httpx.InvalidURL) as error:
                    reply = flows.Reply(error=error)
                effect = flow.send(reply)
        except StopIteration as done:
            result: flows.T = done.value
            return result

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


__all__ = ["PleoClient", "Report"]
