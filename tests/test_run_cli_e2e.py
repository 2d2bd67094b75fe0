"""`failreason run --entry-command` end to end: a real process, a connector in sh (and Node,
where it is on PATH), the sandbox over loopback HTTP. How a run stops: test_run_cli_stops.py."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from failreason.testing import FaultPlan, Sandbox
from tests.connectors import CONNECTORS
from tests.connectors.run import CONFIGURED, Connector, Run, connector, error, events, language

__all__ = ["connector", "language"]  # fixtures

JOURNAL_MISSING = "Journal Purchases missing: provide journal Purchases in the configurations"
ACCOUNT_MISSING = "Account 2820 missing: provide account 2820 in the configurations"

_ARCHIVED = (
    "Account code '6100' has been archived, or has been deleted. Each line item must "
    "reference a valid account."
)
_NO_DEBTOR = (
    "Ruconomic::Fault { :code => 'soap:Client', :reason => 'Economic.Api.Exceptions."
    "IntegrityException(E06000): The debtor does not exist. (id=1)', :details => '' }"
)
_MAINTENANCE = "CompanyUnderMaintenance: Company is undergoing maintenance, statusCode: 400"
NOW = {"Retry-After": "0"}  # retryable errors are tried again at once
REFUSALS: tuple[dict[str, Any], ...] = (
    {
        "system": "xero",
        "status": 400,
        "body": {
            "Type": "ValidationException",
            "Elements": [{"ValidationErrors": [{"Message": _ARCHIVED}]}],
        },
    },
    {
        "system": "fortnox",
        "status": 400,
        "body": {
            "ErrorInformation": {"error": 1, "message": "Ogiltig inloggning", "code": 2000310}
        },
    },
    {"system": "economic", "body": _NO_DEBTOR},
    {  # no system: --system quickbooks_online names it
        "status": 400,
        "headers": NOW,
        "body": {
            "Fault": {
                "type": "SystemFault",
                "Error": [
                    {"Message": "Company Under Maintenance", "code": "150", "Detail": _MAINTENANCE}
                ],
            }
        },
    },
    {"system": "xero", "status": 429, "headers": NOW},
)


def test_a_job_is_exported_through_the_program(connector: Connector) -> None:
    """Every item posted by the program, reported with its external id; the job completed."""
    sandbox = connector.sandbox
    job_id, entries = sandbox.create_job(5, start=False)
    run = connector.run("--config", connector.config(CONFIGURED), "--workers", "2")
    assert run.status == 0, run.err
    assert run.summary["result"] == "completed"
    assert run.summary["successful"] == 5
    assert {item.external_id for item in sandbox.items(job_id)} == {f"AS-{e}" for e in entries}
    assert sandbox.job(job_id).status == "completed"
    assert events(sandbox, job_id, "started") == 1
    assert "started" in run.err  # progress on stderr
    assert "ready" in run.err  # the program's own stderr, passed through


def test_the_text_summary_names_each_failed_item(connector: Connector) -> None:
    """--format text: one headline, then each failed item with its reason and rule."""
    job_id, entries = connector.sandbox.create_job(2, start=False)
    refused = {"system": "xero", "status": 400, "body": {"Message": "Invalid account code"}}
    argv = connector.argv("--config", connector.config(CONFIGURED))
    argv[argv.index("json")] = "text"
    done = subprocess.run(
        argv, env=connector.env({entries[0]: error(refused)}), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    headline, failure = done.stdout.splitlines()
    assert headline.startswith(f"export job {job_id} completed_with_errors: 2 items: 1 posted")
    assert failure.startswith(f"  {entries[0]}  ")


def test_nothing_waiting_is_not_an_error(connector: Connector) -> None:
    """No pending job: exit 0, saying so."""
    run = connector.run()
    assert (run.status, run.summary["result"]) == (0, "no_job")


def test_items_failing_the_pre_checks_get_the_seeds_wording(connector: Connector) -> None:
    """A journal or account left unset fails every item with the seed's exact reason, and
    the program is never called for them."""
    sandbox = connector.sandbox
    cases: list[tuple[dict[str, Any], str]] = [
        ({"journals": {"Purchases": None}}, JOURNAL_MISSING),
        ({**CONFIGURED, "accounts": {"2820": ""}}, ACCOUNT_MISSING),
    ]
    for configuration, reason in cases:
        job_id, entries = sandbox.create_job(3, start=False)
        plan = dict.fromkeys(entries, "!exit 9")  # a call to the program would break the run
        run = connector.run("--config", connector.config(configuration), plan=plan)
        assert run.status == 1, run.err
        assert run.summary["prechecked"] == 3
        items = sandbox.items(job_id)
        assert {(item.failure_reason_type, item.failure_reason) for item in items} == {
            ("missing_configuration", reason)
        }
        assert sandbox.job(job_id).status == "failed"  # no item was posted: Pleo's rule


def test_errors_from_several_systems_are_classified_by_the_rules(connector: Connector) -> None:
    """Envelopes from Xero, Fortnox, e-conomic and (by --system) QuickBooks, each given the
    reason its system's rule writes; the retryable ones are tried again."""
    sandbox = connector.sandbox
    job_id, entries = sandbox.create_job(6, start=False)
    plan = {entry: error(envelope) for entry, envelope in zip(entries, REFUSALS, strict=False)}
    args = ("--config", connector.config(CONFIGURED), "--system", "quickbooks_online")
    run = connector.run(*args, "--attempts", "2", plan=plan)
    assert run.status == 1, run.err
    rules = {failure["accountingEntryId"]: failure["rule"] for failure in run.summary["failures"]}
    assert rules == {
        entries[0]: "xero.account-code-invalid",
        entries[1]: "fortnox.authentication",
        entries[2]: "economic.customer-not-found",
        entries[3]: "quickbooks_online.company-under-maintenance",
        entries[4]: "xero.rate-limit",
    }
    assert run.summary["retries"] == 2  # the maintenance and the rate limit, once each
    assert run.summary["successful"] == 1
    types = {item.accounting_entry_id: item.failure_reason_type for item in sandbox.items(job_id)}
    assert types[entries[1]] == "accounting_system_authentication_failure"
    assert types[entries[4]] == "accounting_system_rate_limit"
    assert types[entries[5]] is None


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        pytest.param(
            {"code": "ECONNREFUSED", "message": "connect ECONNREFUSED 10.0.0.7:443"},
            "accounting_system_unreachable",
            id="unreachable",
        ),
        pytest.param(
            {"system": "xero", "stage": "auth", "status": 401, "body": {"Detail": "TokenExpired"}},
            "accounting_system_authentication_failure",
            id="credentials",
        ),
    ],
)
def test_validate_failing_fails_the_job(
    connector: Connector, envelope: dict[str, Any], expected: str
) -> None:
    """--validate: the program's envelope fails the job, classified; no item is posted."""
    sandbox = connector.sandbox
    job_id, entries = sandbox.create_job(3, start=False)
    plan = {"validate": error(envelope), **dict.fromkeys(entries, "!exit 9")}
    run = connector.run("--validate", plan=plan)
    assert run.status == 1, run.err
    job = sandbox.job(job_id)
    assert (job.status, job.failure_reason_type) == ("failed", expected)
    assert run.summary["result"] == "failed"


def test_two_runs_racing_for_one_job_leave_it_to_one(connector: Connector) -> None:
    """Both runs see the job pending; one starts and completes it, the other stops cleanly."""
    # The sandbox holds the runs' first requests (the listings) until both have come, then
    # their second ones (the started events) likewise: each run lists the job before either
    # can start it, and both try to, whatever the machine's load.
    barrier = threading.Barrier(2, timeout=60)  # it resets itself after each meeting

    def meet(_: float) -> None:
        barrier.wait()

    plan_of_faults = FaultPlan.scripted(["slow"] * 4)
    with Sandbox(faults=plan_of_faults, sleep=meet) as sandbox:
        racing = Connector(connector.command, sandbox, connector.folder)
        job_id, _ = sandbox.create_job(4, start=False)
        config = racing.config(CONFIGURED)
        runs = [racing.start("--config", config) for _ in range(2)]
        finished = [Run(p.wait(timeout=120), *p.communicate()) for p in runs]
        results = sorted(run.summary["result"] for run in finished)
        assert results == ["completed", "taken"], [run.err for run in finished]
        assert [run.status for run in finished] == [0, 0]
        loser = next(run for run in finished if run.summary["result"] == "taken")
        assert "another worker" in loser.summary["message"]
        assert [r.path for r in sandbox.log[:2]] == ["/v3/export-jobs"] * 2
        claims = sandbox.log[2:4]  # both sent started; the second was refused
        assert {r.path for r in claims} == {"/v3/export-job-events"}
        assert sorted(r.status or 0 for r in claims) == [202, 422]
        assert events(sandbox, job_id, "started") == 1
        assert sandbox.job(job_id).status == "completed"


def test_a_run_killed_at_random_points_is_finished_by_the_next(connector: Connector) -> None:
    """SIGKILL `failreason run` at random requests; --recover finishes the job: every item
    reported once, `started` sent once."""
    sandbox = connector.sandbox
    job_id, entries = sandbox.create_job(12, start=False)
    config = connector.config(CONFIGURED)
    plan = {entries[3]: error({"system": "xero", "status": 400, "body": {"Message": "no"}})}
    rng = random.Random(12)  # where to kill, reproducibly
    kills = 0
    for _ in range(4):
        process = connector.start("--config", config, "--recover", plan=plan,
                                  CONNECTOR_DELAY="0.02")  # fmt: skip
        kill_at = len(sandbox.log) + rng.randrange(1, 8)
        while len(sandbox.log) < kill_at and process.poll() is None:
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate()
    assert kills >= 2
    final = connector.run("--config", config, "--recover", plan=plan)
    assert final.status in (0, 1), final.err
    items = {item.accounting_entry_id: item for item in sandbox.items(job_id)}
    assert [items[e].status for e in entries] == ["successful"] * 3 + ["failed"] + [
        "successful"
    ] * 8
    assert all(items[e].external_id == f"AS-{e}" for e in entries if e != entries[3])
    assert sandbox.duplicate_item_updates == 0
    assert events(sandbox, job_id, "started") == 1
    assert events(sandbox, job_id, "completed_with_errors") == 1


class StartsOnFirstRequest:
    """The sandbox's clock: still until the run's first request, then real time. The run's
    own start-up (seconds on a busy machine) is not counted against the expiry window."""

    def __init__(self) -> None:
        self._base = time.time()
        self._started: float | None = None

    def start(self, _: float = 0.0) -> None:
        if self._started is None:
            self._started = time.monotonic()

    def __call__(self) -> float:
        if self._started is None:
            return self._base
        return self._base + time.monotonic() - self._started


def test_a_job_longer_than_the_expiry_window_is_kept_alive(language: str, tmp_path: Path) -> None:
    """The sandbox expires a job 2 s after its last update; the run takes longer than that,
    keeps the job alive, and completes it."""
    clock = StartsOnFirstRequest()
    expiry = 2.0
    faults = FaultPlan.scripted(["slow"])  # the first request starts the clock
    with Sandbox(expiry_seconds=expiry, clock=clock, faults=faults, sleep=clock.start) as sandbox:
        connector = Connector(CONNECTORS[language], sandbox, tmp_path)
        job_id, _ = sandbox.create_job(6, start=False)
        args = ("--config", connector.config(CONFIGURED), "--keep-alive-every", "0.4")
        run = connector.run(*args, CONNECTOR_DELAY="0.45")
        assert run.status == 0, run.err
        job = sandbox.job(job_id)
        assert (job.status, job.expired_at) == ("completed", None)
        moments = {event.event: event.at for event in sandbox.events(job_id)}
        assert moments["completed"] - moments["started"] > expiry  # by the sandbox's clock
        assert "kept alive" in run.err
