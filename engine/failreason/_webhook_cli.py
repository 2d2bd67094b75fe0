"""The ``webhook`` subcommand: receive Pleo's ``export-job.created`` and run each job.

    failreason webhook --port 8080 -- --entry-command 'node post-entry.js'
    failreason webhook --port 8080 -- ./export-one-job.sh {job}

The words after ``--`` say how one job is run, in a child process per job (a crash there
leaves the intake serving): words that start with ``-`` are ``failreason run`` options, run
as ``failreason run --job-id JOB_ID WORDS``; otherwise they are a program and its arguments,
``{job}`` replaced by the job id. Either way ``FAILREASON_JOB_ID`` holds it. Starlette and
uvicorn (the ``webhook`` extra) are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import IO

from failreason._errors import FailreasonError
from failreason._exits import OK
from failreason._serve_cli import listen
from failreason._webhook import DEFAULT_TOLERANCE

SECRET_VARIABLE = "PLEO_WEBHOOK_SECRET"  # noqa: S105 (a variable name, not a secret)
JOB_VARIABLE = "FAILREASON_JOB_ID"
JOB_PLACEHOLDER = "{job}"
DEFAULT_PORT = 8088


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``webhook`` subcommand; running it calls ``args.run(args, stdout)``."""
    parser = commands.add_parser(
        "webhook", help="receive Pleo's export-job.created webhook and run each job, one at a time"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"{DEFAULT_PORT} by default; 0 picks one"
    )
    parser.add_argument(
        "--secret-env",
        default=SECRET_VARIABLE,
        metavar="NAME",
        help=f"the variable holding the whsec_ secret(s), space-separated ({SECRET_VARIABLE})",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        metavar="S",
        help=f"refuse deliveries signed more than S seconds away from now ({DEFAULT_TOLERANCE})",
    )
    parser.add_argument(
        "job_command",
        nargs=argparse.REMAINDER,
        metavar="-- HOW",
        help="failreason run options, or a program and its arguments ({job}: the job id)",
    )
    parser.set_defaults(run=_webhook)


def _webhook(args: argparse.Namespace, out: IO[str]) -> int:
    try:
        import uvicorn

        from failreason._webhook_server import PATH, Intake, create_app, log
    except ImportError:
        raise FailreasonError(
            "`failreason webhook` needs Starlette and uvicorn: pip install 'failreason[webhook]'"
        ) from None
    words = list(args.job_command)
    if words[:1] == ["--"]:
        words = words[1:]
    if not words:
        raise FailreasonError(
            "say how to run a job after --, e.g. failreason webhook -- --entry-command "
            "'node post-entry.js' (failreason run options) or -- ./export.sh {job}"
        )
    if words[0].startswith("-"):
        _check_run_options(words)
    run_job = job_runner(words, hidden=(args.secret_env,))
    intake = Intake(_secrets(args.secret_env), run_job, tolerance=args.tolerance)
    listener = listen(args.host, args.port)
    host, port = listener.getsockname()[:2]
    log(f"listening on http://{host}:{port}{PATH}")
    config = uvicorn.Config(create_app(intake), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listener])  # SIGINT/SIGTERM: the running job finishes
    return OK


def _secrets(variable: str) -> list[str]:
    secrets = os.environ.get(variable, "").split()
    if not secrets:
        raise FailreasonError(
            f"set {variable} to the subscription's signing secret (whsec_..., from GET "
            "/v1/subscriptions/{id}/secret); several, space-separated, while rotating"
        )
    from failreason._webhook import webhook_key

    for secret in secrets:
        webhook_key(secret)  # WebhookSecretError, a FailreasonError: exit 2, value not shown
    return secrets


def _check_run_options(words: Sequence[str]) -> None:
    """Refuse options ``failreason run`` would refuse now, not once per job (exit 2)."""
    from failreason._cli import _parser

    _parser().parse_args(["run", "--job-id", "00000000-0000-4000-8000-000000000000", *words])


def job_command(words: Sequence[str], job_id: str) -> list[str]:
    """The child process that runs ``job_id``: ``failreason run`` or the program given."""
    if words[0].startswith("-"):
        return [sys.executable, "-m", "failreason", "run", "--job-id", job_id, *words]
    return [word.replace(JOB_PLACEHOLDER, job_id) for word in words]


def job_runner(words: Sequence[str], hidden: Sequence[str] = ()) -> Callable[[str], None]:
    """``run_job(job_id)``: the job's child process, waited for; a failure raises. The
    variables named in ``hidden`` (the webhook secret's) are not passed on to it."""

    def run_job(job_id: str) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in hidden}
        environment[JOB_VARIABLE] = job_id
        finished = subprocess.run(job_command(words, job_id), env=environment, check=False)  # noqa: S603
        if finished.returncode != 0:
            code = finished.returncode
            raise FailreasonError(f"its command exited with status {code} (its output is above)")

    return run_job
