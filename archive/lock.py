"""The archive's write lock: one writer at a time, others wait (bounded), readers never wait.

An advisory ``flock`` on a file in the archive directory: the kernel releases it when its
process dies, so a lock left by a killed ingest can never block the archive.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .errors import ArchiveLocked, disk_error


@contextmanager
def write_lock(path: Path, timeout: float = 300.0,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:  # fmt: skip
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise disk_error(e, path, "taking the write lock") from None
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None:
                    holder = _holder(fd)
                    on_wait(f"waiting for another writer{holder} to finish (up to {timeout:.0f} s)…")
                    told = True
                if time.monotonic() >= deadline:
                    raise ArchiveLocked(
                        f"{path.parent}: another process has been writing for over {timeout:.0f} s",
                        hint="try again when it has finished, or raise --lock-timeout",
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
