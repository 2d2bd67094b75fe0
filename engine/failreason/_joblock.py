"""One reporter per export job on this machine: an advisory lock file per job.

Two reporters on one job (a retried cron, a second worker) would both resend every item and
both claim the job. ``lock_job`` takes an exclusive, non-blocking ``flock`` on a file named
for the job: ``$FAILREASON_LOCK_DIR``, else ``$XDG_RUNTIME_DIR/failreason-locks``, else
``<tempdir>/failreason-locks-<uid>``, holding ``<sha256 of base URL and job id>.lock``.
The kernel drops the lock when the holder closes it or dies, even by SIGKILL, so a killed
run never blocks the next one. The file keeps the holder's process id for the message.
Reporters on other machines are not seen here; the ledger notices what they wrote.
On Windows there is no ``flock`` and no lock is taken.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
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
    """A held lock; ``release`` is idempotent."""

    path: Path | None
    _fd: int | None

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
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return JobLock(path, fd)


def _holder(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
