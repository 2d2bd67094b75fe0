"""Read one rule or template file, only if it is a regular file of sane size inside its directory.

A rules or templates directory is configuration that someone else may have written, so what
is in it is checked before it is opened: a FIFO or a device would block or never end, a
symlink could carry ``/etc/passwd`` into a reason, and a huge file would be read whole.
Symlinks are followed only when they resolve inside the directory they were found in (a pack
may give one template two names); anything else is refused with a message saying why.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnreadableFileError(Exception):
    """Why a file was not read; ``line`` and ``column`` are set when a place inside is to blame."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def read_text_file(path: Path, root: Path, limit: int) -> str:
    """The UTF-8 text of ``path``, a leading byte-order mark dropped; or UnreadableFileError."""
    try:
        target = _checked_target(path, root)
        data = _read_regular(target, limit)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        raise UnreadableFileError(message, line, column) from exc


def _checked_target(path: Path, root: Path) -> Path:
    # Resolved whole, so a symlinked folder on the way counts as much as a symlinked file.
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(Path(os.path.realpath(root))):
        raise UnreadableFileError(
            "the file is a symlink to somewhere outside its directory; copy the file in instead"
        )
    return target


def _read_regular(path: Path, limit: int) -> bytes:
    _require_regular(path.stat().st_mode)
    # O_NONBLOCK: should a FIFO replace the file between the check and the open, opening it
    # returns at once, and the fstat below refuses it, instead of waiting for a writer.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, "rb") as file:
        _require_regular(os.fstat(file.fileno()).st_mode)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise UnreadableFileError(f"the file is larger than {limit:,} bytes, the most allowed")
    return data


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "something other than a file"
    )
    raise UnreadableFileError(f"the path is {kind}, not a regular file; remove it or rename it")
