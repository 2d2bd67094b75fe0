"""An ASGI application served by uvicorn on a free loopback port, in a thread: what the
tests of ``failreason serve`` and ``failreason webhook`` talk to over real HTTP."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import uvicorn

from failreason._serve_cli import listen


class ServedApp:
    """``app`` answering at ``url``; ``client`` talks to it; ``stop()`` ends it."""

    def __init__(self, app: Any) -> None:
        listener = listen("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="error", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [listener]})
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.005)
        self.client = httpx.Client(base_url=self.url, timeout=10)

    def stop(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join()
