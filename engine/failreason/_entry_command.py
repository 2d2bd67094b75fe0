"""A connector's posting step as a program in any language, spoken to over JSON Lines.

    with EntryCommand("node post-entry.js", workers=4) as entry:
        run_export(client, entry.post_entry, validate=entry.validator, concurrency=4)

``EntryCommand`` starts ``workers`` copies of the program (split as a shell would, run
without one), each serving one caller at a time; ``_entry_protocol`` has the lines they trade.
The program's stderr goes to ours, each line prefixed with the program's name, and its last
lines are kept for the messages below.

A program that breaks the protocol (exits, closes its output, answers with something else, or
not within ``timeout`` seconds) is killed, and that call and every later one raise
``StopRunError``: the item is left unreported, and the job is finished by running again.
Closing sends the programs end of input, then SIGTERM, then SIGKILL, a grace period apart.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NoReturn, TypeVar

from failreason._entry_protocol import (
    ProtocolError,
    item_line,
    posted_answer,
    validate_line,
    validated_answer,
)
from failreason._redact import redact
from failreason._run_types import ExportItem, Failed, Posted, StopRunError, Validate
from failreason._terminal import escaped

__all__ = ["EntryCommand"]

T = TypeVar("T")

MAX_ANSWER_BYTES = 1 << 20  # one answer line; a program that writes more is not answering
STDERR_TAIL = 5  # lines of the program's stderr a message shows
_TAIL_CHARS = 200  # of each of them
_NAME_CHARS = 60
_CLOSED = b""  # what the reader hands over when the program's output ends


class EntryCommand:
    """``workers`` running copies of a connector's program; ``post_entry`` is thread-safe."""

    def __init__(
        self,
        command: str,
        *,
        workers: int = 1,
        timeout: float = 300.0,
        validate: bool = False,
        env: Mapping[str, str] | None = None,
        stderr: IO[str] | None = None,
        grace: float = 2.0,
    ) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise StopRunError(f"cannot read the entry command {command!r}: {exc}") from None
        if not self.argv:
            raise StopRunError("the entry command is empty: give the program to run")
        if workers < 1:
            raise ValueError("workers must be 1 or more")
        self.name = _cut(" ".join(Path(word).name for word in self.argv), _NAME_CHARS)
        self.timeout, self.grace, self._validates = timeout, grace, validate
        self._env = None if env is None else dict(env)
        self._stderr = stderr
        self._workers = workers
        self._programs: list[_Program] = []
        self._idle: queue.Queue[_Program | None] = queue.Queue()
        self._broken: str | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> EntryCommand:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> EntryCommand:
        """Start every copy; one that cannot start is a ``StopRunError`` naming it."""
        if self._programs:
            return self  # started already (``start()`` then ``with``)
        sink = self._stderr if self._stderr is not None else sys.stderr
        for number in range(1, self._workers + 1):
            label = self.name if self._workers == 1 else f"{self.name} [{number}]"
            try:
                program = _Program(self.argv, label, self._env, sink)
            except OSError as exc:
                self.close()
                reason = exc.strerror or type(exc).__name__
                raise StopRunError(f"cannot start {self.name}: {reason}") from None
            self._programs.append(program)
            self._idle.put(program)
        return self

    def close(self) -> None:
        """End every copy: end of input, then SIGTERM, then SIGKILL, ``grace`` apart."""
        programs, self._programs = self._programs, []
        for program in programs:
            program.stop(self.grace)
        with self._lock:
            self._broken = self._broken or f"{self.name} was closed"
        self._idle.put(None)

    def post_entry(self, item: ExportItem) -> Posted | Failed:
        """Hand one export item to a free copy; its answer as ``Posted`` or ``Failed``."""
        return self._exchange(item_line(item), "an answer to an export item", posted_answer)

    def validate(self, job: Mapping[str, Any]) -> Failed | None:
        """Ask whether the accounting system can take ``job``: None if so, else ``Failed``
        with the program's envelope, which the runner classifies to fail the job."""
        if not self._validates:
            raise RuntimeError("this EntryCommand was made without validate=True")
        envelope = self._exchange(validate_line(job), "an answer to validate", validated_answer)
        return None if envelope is None else Failed(envelope)

    @property
    def pids(self) -> tuple[int, ...]:
        """The process ids of the running copies."""
        return tuple(program.pid for program in self._programs)

    @property
    def validator(self) -> Validate | None:
        """``validate`` when the program was said to answer it, for ``run_export``."""
        return self.validate if self._validates else None

    def _exchange(self, line: bytes, expected: str, read: Callable[[bytes], T]) -> T:
        program = self._free()
        try:
            result = read(program.ask(line, self.timeout, expected))
        except TimeoutError:
            self._break(program, f"gave no answer within {self.timeout:g} seconds ({expected})")
        except ProtocolError as exc:
            self._break(program, f"broke the protocol {program.where()}: {exc}")
        self._idle.put(program)
        return result

    def _free(self) -> _Program:
        """A copy no one else is talking to; waits for one."""
        while True:
            with self._lock:
                if self._broken is not None:
                    raise StopRunError(self._broken)
            program = self._idle.get()
            if program is not None:
                return program
            self._idle.put(None)  # wake the next waiter too: every one of them must stop

    def _break(self, program: _Program, what: str) -> NoReturn:
        program.stop(0.0)
        message = f"{program.label} {what}{program.stderr_tail()}"
        with self._lock:
            self._broken = self._broken or message
        self._idle.put(None)
        raise StopRunError(message)


class _Program:
    """One running copy: a writer, a reader of its answers and a reader of its stderr."""

    def __init__(
        self,
        argv: list[str],
        label: str,
        env: Mapping[str, str] | None,
        sink: IO[str],
    ) -> None:
        self.label = label
        self.lines_read = 0
        self._closed = False
        self._tail: deque[str] = deque(maxlen=STDERR_TAIL)
        self._answers: queue.Queue[bytes] = queue.Queue()
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._sink, self._sink_lock = sink, threading.Lock()
        self._process = subprocess.Popen(  # noqa: S603 - the user's own command, no shell
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=None if env is None else {**os.environ, **env},
            start_new_session=True,  # its children too are ended with it, as one group
        )
        self._threads = [
            threading.Thread(target=target, name=f"{label} {role}", daemon=True)
            for target, role in (
                (self._write, "stdin"),
                (self._read, "stdout"),
                (self._pass_stderr, "stderr"),
            )
        ]
        for thread in self._threads:
            thread.start()

    def ask(self, line: bytes, timeout: float, expected: str) -> bytes:
        """Send one line and wait for one answer line; ``ProtocolError`` when there is none."""
        if not self._answers.empty() and self._answers.queue[0] is not _CLOSED:
            self.lines_read += 1
            raise ProtocolError("expected one line per question, got one more")
        self._lines.put(line)
        try:
            answer = self._answers.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if answer is _CLOSED:
            self._closed = True
            raise ProtocolError(f"expected {expected}, but {self.ending()}")
        self.lines_read += 1
        if len(answer) > MAX_ANSWER_BYTES:
            raise ProtocolError(f"expected {expected}, got a line over {MAX_ANSWER_BYTES} bytes")
        return answer

    @property
    def pid(self) -> int:
        return self._process.pid

    def where(self) -> str:
        """Where in the program's output the protocol broke, for a message."""
        if not self._closed:
            return f"on line {self.lines_read} of its output"
        return f"after line {self.lines_read} of its output" if self.lines_read else "at once"

    def ending(self) -> str:
        """How the program stopped answering, for a message."""
        try:
            status = self._process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "it closed its output"
        if status < 0:
            return f"it was ended by signal {-status}"
        return f"it exited with status {status}"

    def stderr_tail(self) -> str:
        lines = list(self._tail)
        if not lines:
            return ""
        return "; its last lines on stderr: " + " | ".join(lines)

    def stop(self, grace: float) -> None:
        """End of input, then SIGTERM, then SIGKILL to its process group, ``grace`` apart."""
        self._lines.put(None)
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None and self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self._process.pid, sig)
            try:
                self._process.wait(timeout=grace if sig != signal.SIGKILL else None)
                break
            except subprocess.TimeoutExpired:
                continue
        streams = (self._process.stdin, self._process.stdout, self._process.stderr)
        for thread, stream in zip(self._threads, streams, strict=True):
            thread.join(timeout=grace + 1.0)
            if stream is not None and not thread.is_alive():  # a grandchild may hold it
                stream.close()

    def _write(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None  # noqa: S101 - opened as a pipe above
        while (line := self._lines.get()) is not None:
            try:
                stdin.write(line)
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                break  # the program is gone: its reader tells the caller
        with contextlib.suppress(OSError):
            stdin.close()

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None  # noqa: S101 - opened as a pipe above
        try:
            while line := stdout.readline(MAX_ANSWER_BYTES + 1):
                self._answers.put(line)
        except (OSError, ValueError):
            pass
        self._answers.put(_CLOSED)

    def _pass_stderr(self) -> None:
        stderr = self._process.stderr
        assert stderr is not None  # noqa: S101 - opened as a pipe above
        try:
            while raw := stderr.readline(MAX_ANSWER_BYTES):
                text = escaped(raw.decode("utf-8", "replace").rstrip("\r\n"))
                self._tail.append(_cut(redact(text), _TAIL_CHARS))
                with self._sink_lock:
                    self._sink.write(f"{self.label}: {text}\n")
                    self._sink.flush()
        except (OSError, ValueError):
            pass


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
