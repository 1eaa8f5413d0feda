"""FileLock: an exclusive OS lock on one file, as Kafka's ``FileLock`` holds ``<log.dir>/.lock``.

The lock belongs to one open handle of the file, never to the process:
``fcntl.flock`` on POSIX (a lock per open file description, so a second
handle in the same process or thread is refused too, as ``fcntl.lockf``
would not do) and ``msvcrt.locking`` on the first byte on Windows (a lock per
handle). The OS drops it when the handle closes, including when the process
is killed (``kill -9``, TerminateProcess), so a stale lock never outlives its
owner. The file is created empty if missing, never written and never
deleted: deleting it would let a newcomer lock a fresh file while an older
handle still locks the unlinked one.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path


class FileLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def try_lock(self) -> bool:
        """Take the lock without waiting; False when another handle (any process or thread) holds it.

        Raises OSError when the file cannot be opened (a missing or read-only directory).
        """
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
        try:
            held = _lock(fd)
        except BaseException:
            os.close(fd)
            raise
        if not held:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def unlock(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):  # held by another handle
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # EWOULDBLOCK: held by another open file description
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
