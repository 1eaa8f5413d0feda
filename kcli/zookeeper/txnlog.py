"""The transaction log: ``<dataDir>/kcli-zk/log.<hex zxid of its first txn>``.

Layout::

    header   magic "KZLG" | int32 version (1)
    entry*   int32 length | uint32 crc32(payload) | payload (TxnHeader + txn record, see txn.py)

Entries are appended with ``os.write`` and made durable by :meth:`TxnLog.sync`
(fsync); the server acknowledges a write only after the sync that covers it
(ZooKeeper's SyncRequestProcessor does the same, batching several writes into
one fsync). Reading stops at the first entry that is short, has a bad length
or a bad CRC: that is the torn tail of a crash, never acknowledged, and it is
cut off. kcli's own format lives in ``kcli-zk/`` so that a real ZooKeeper
pointed at the same dataDir (its files are in ``version-2/``) is not confused.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

MAGIC = b"KZLG"
_HEADER = MAGIC + struct.pack(">i", 1)
_ENTRY = struct.Struct(">iI")
_MAX_ENTRY = 64 * 1024 * 1024
_fsync = getattr(os, "fdatasync", os.fsync)


def log_name(first_zxid: int) -> str:
    return f"log.{first_zxid:x}"


def zxid_of(path: Path) -> int:
    return int(path.name.split(".", 1)[1], 16)


def read_entries(path: Path) -> tuple[list[bytes], int]:
    """The payloads of a log file's valid prefix, and the byte length of that prefix."""
    data = path.read_bytes()
    if not data.startswith(_HEADER):
        return [], 0
    pos, payloads = len(_HEADER), []
    while pos + _ENTRY.size <= len(data):
        length, crc = _ENTRY.unpack_from(data, pos)
        end = pos + _ENTRY.size + length
        if length <= 0 or length > _MAX_ENTRY or end > len(data):
            break
        payload = data[pos + _ENTRY.size : end]
        if zlib.crc32(payload) != crc:
            break
        payloads.append(payload)
        pos = end
    return payloads, pos


def truncate(path: Path, length: int) -> None:
    """Cut a torn tail (or a file with a torn header)."""
    with open(path, "r+b") as f:
        f.truncate(max(length, 0))
        f.flush()
        os.fsync(f.fileno())


class TxnLog:
    """An open log file taking appends."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o644)
        os.write(self._fd, _HEADER)
        self.size = len(_HEADER)

    def append(self, payload: bytes) -> None:
        os.write(self._fd, _ENTRY.pack(len(payload), zlib.crc32(payload)) + payload)
        self.size += _ENTRY.size + len(payload)

    def sync(self) -> None:
        """Make every appended entry durable (safe to call from a worker thread)."""
        _fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1
