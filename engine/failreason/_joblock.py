"""One reporter per export job on this machine: an advisory lock file per job.

Two reporters on one job (a retried cron, a second worker) would both resend every item and
both claim the job. ``lock_job`` takes an exclusive, non-blocking ``flock`` on a file named
for the job: ``$FAILREASON_LOCK_DIR``, else ``$XDG_RUNTIME_DIR/failreason-locks``, else
``<tempdir>/failreason-locks-<uid>``, holding ``<sha256 of base URL and job id>.lock``.
The kernel drops the lock when the holder closes it or dies, even by SIGKILL, so a killed
run never blocks the next one. The file keeps the holder's process id, for the message, and
until when a write it sent without an answer yet may still land in Pleo: a run that takes
over from a killed one waits for that moment before reading Pleo, so it does not resend an
update Pleo is still applying.
Reporters on other machines are not seen here; the ledger notices what they wrote.
On Windows there is no ``flock`` and no lock is taken.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from failreason._errors import FailreasonError

if sys.platform != "win32":
    import fcntl


class JobLockedError(FailreasonError):
    """Another reporter on this machine is reporting the same export job right now."""

    def __init__(self, message: str, job_id: str, holder: int | None) -> None:
        super().__init__(message)
        self.job_id, self.holder = job_id, holder


@dataclass
class JobLock:
    """A held lock; ``release`` is idempotent.

    ``inherited_until`` is when the previous holder's last unanswered write may still land
    (seconds since the epoch; 0 when it left none).
    """

    path: Path | None
    _fd: int | None
    inherited_until: float = 0.0

    def in_flight_until(self, moment: float) -> None:
        """Record that a write may land until ``moment`` (0: every write was answered)."""
        if self._fd is not None:
            _write(self._fd, moment)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def lock_directory() -> Path:
    """Where job locks live (see the module docstring)."""
    chosen = os.environ.get("FAILREASON_LOCK_DIR")
    if chosen:
        return Path(chosen)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "failreason-locks"
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"failreason-locks-{uid}"


def lock_path(base_url: str, job_id: str, directory: Path | None = None) -> Path:
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\0{job_id}".encode()).hexdigest()[:32]
    return (directory or lock_directory()) / f"{digest}.lock"


def lock_job(base_url: str, job_id: str, directory: Path | None = None) -> JobLock:
    """Hold the job's lock, or raise ``JobLockedError`` naming the job and the holder."""
    if sys.platform == "win32":
        return JobLock(None, None)
    path = lock_path(base_url, job_id, directory)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise FailreasonError(
            f"cannot create the lock for export job {job_id} in {path.parent}: "
            f"{exc.strerror}; set FAILREASON_LOCK_DIR to a writable directory"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        by = f"process {holder}" if holder else "another process"
        raise JobLockedError(
            f"export job {job_id} is already being reported by {by} on this machine "
            f"(lock {path}); let that run finish or stop it, then run again",
            job_id,
            holder,
        ) from None
    inherited = _recorded(fd)[1]
    _write(fd, inherited)
    return JobLock(path, fd, inherited)


def _write(fd: int, until: float) -> None:
    # Fixed width, written in place: a reader never sees a shorter record's leftovers.
    os.pwrite(fd, f"{os.getpid():>12}\n{until:>20.3f}\n".encode(), 0)


def _recorded(fd: int) -> tuple[int | None, float]:
    """The holder's process id and until when its writes may land, as the file says."""
    fields = os.pread(fd, 64, 0).decode("ascii", "replace").split()
    holder = int(fields[0]) if fields and fields[0].isdigit() else None
    try:
        until = float(fields[1]) if len(fields) > 1 else 0.0
    except ValueError:
        until = 0.0
    return holder, until if math.isfinite(until) else 0.0


def _holder(fd: int) -> int | None:
    return _recorded(fd)[0]


class JobLocks:
    """The job locks one client holds, shared by the sync and async clients."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._held: dict[str, JobLock] = {}
        self._writes: dict[str, dict[object, float]] = {}  # job → writer → may land until

    def hold(self, job_id: str, landing_window: float) -> float:
        """Hold the job's lock; the seconds a killed predecessor's last write may still need."""
        if job_id in self._held:
            return 0.0
        lock = self._held[job_id] = lock_job(self._base_url, job_id)
        return min(lock.inherited_until - time.time(), landing_window)

    def in_flight(self, job_id: str | None, until: float, writer: object = None) -> None:
        """Record that ``writer``'s write to ``job_id`` may land until ``until`` (0: it was
        answered). With several writes in flight the file keeps the latest moment of those
        still unanswered, so a run taking over waits for all of them."""
        lock = self._held.get(job_id) if job_id is not None else None
        if lock is None or job_id is None:
            return
        writes = self._writes.setdefault(job_id, {})
        if until > 0:
            writes[writer] = until
        else:
            writes.pop(writer, None)
        lock.in_flight_until(max(writes.values(), default=0.0))

    def release(self, job_id: str) -> None:
        self._writes.pop(job_id, None)
        lock = self._held.pop(job_id, None)
        if lock is not None:
            lock.release()

    def release_all(self) -> None:
        for lock in self._held.values():
            lock.release()
        self._held.clear()
        self._writes.clear()
