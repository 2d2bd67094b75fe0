"""The ``serve`` subcommand. Starlette and uvicorn (the ``serve`` extra) are imported only
when it runs: without them it says how to install them and exits 2."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path
from typing import IO

from failreason._cli_sources import engine_for, engine_options, settings_of, templates_for
from failreason._config import Settings
from failreason._errors import FailreasonError
from failreason._exits import OK

TOKEN_VARIABLE = "FAILREASON_SERVE_TOKEN"  # noqa: S105 (a variable name, not a token)
DEFAULT_PORT = 8087


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand; running it calls ``args.run(args, stdout)``."""
    parser = commands.add_parser(
        "serve", help="classify over HTTP (POST /classify), for connectors in any language"
    )
    engine_options(parser, strict=True)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"{DEFAULT_PORT} by default; 0 picks one"
    )
    parser.add_argument(
        "--token",
        help=f"require Authorization: Bearer TOKEN (default ${TOKEN_VARIABLE}; unset: none)",
    )
    parser.add_argument(
        "--watch-seconds",
        type=float,
        default=2.0,
        metavar="S",
        help="look for changed rule files this often and reload them (0: only on SIGHUP)",
    )
    parser.set_defaults(run=_serve)


def _serve(args: argparse.Namespace, out: IO[str]) -> int:
    try:
        import uvicorn

        from failreason._serve import Service, create_app, log
    except ImportError:
        raise FailreasonError(
            "`failreason serve` needs Starlette and uvicorn: pip install 'failreason[serve]'"
        ) from None
    settings = settings_of(args)
    engine = engine_for(settings)  # broken rule files stop here, exit 2, before listening
    token = args.token or os.environ.get(TOKEN_VARIABLE) or None
    service = Service(
        engine, watched_directories(settings), token=token, poll_seconds=args.watch_seconds
    )
    if args.watch_seconds <= 0:
        service.watched = ()
    listener = listen(args.host, args.port)
    host, port = listener.getsockname()[:2]
    log(f"listening on http://{host}:{port} ({len(engine.rules)} rules)")
    config = uvicorn.Config(create_app(service), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listener])  # SIGINT/SIGTERM: finish, then stop
    return OK


def watched_directories(settings: Settings) -> list[Path]:
    """The user's rule directories and their templates: what a reload would read again."""
    found: list[Path] = []
    for directory in settings.rules:
        templates = templates_for(directory, settings.templates)
        found.extend(Path(d) for d in (directory, templates) if d is not None)
    return list(dict.fromkeys(found))


def listen(host: str, port: int) -> socket.socket:
    """A bound socket, so the port (0: any free one) is known before the server starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off only on sockets that
    # say they are TCP, and with it on every kept-alive answer waits ~40 ms for a delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise FailreasonError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    listener.listen(2048)  # connections made once the address is printed wait, not fail
    return listener
