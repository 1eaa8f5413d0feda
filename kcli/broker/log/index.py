"""OffsetIndex: the sparse ``.index`` file beside each log segment.

Format (as Kafka's): a flat run of 8-byte entries, big-endian::

    relative_offset int32   offset - segment base offset
    position        int32   byte position of a batch in the ``.log`` file

Entries are appended in offset order, one every ``index.interval.bytes`` of
log, so a lookup finds the greatest entry at or below the target and the
segment scans forward from there. The file holds no checksum: it is rebuilt
from the log when recovery runs. Unlike Kafka, kcli does not preallocate or
memory-map it; entries are kept in memory and appended to an unbuffered file,
which keeps Windows happy when the segment is deleted.
"""

from __future__ import annotations

import bisect
import struct
from array import array
from pathlib import Path
from typing import Any

_ENTRY = struct.Struct(">ii")


class OffsetIndex:
    def __init__(self, path: Path, base_offset: int):
        self.path = path
        self.base_offset = base_offset
        self._offsets = array("q")
        self._positions = array("q")
        self._file: Any = None  # open for appending, once loaded

    def load(self) -> None:
        """Read entries from disk, keeping only the well-formed, ascending prefix."""
        data = self.path.read_bytes() if self.path.exists() else b""
        data = data[: len(data) - len(data) % _ENTRY.size]
        last = -1
        for rel, pos in _ENTRY.iter_unpack(data):
            if rel <= last and self._offsets:
                break
            self._offsets.append(self.base_offset + rel)
            self._positions.append(pos)
            last = rel
        self._open()

    def reset(self) -> None:
        self.close()
        self._offsets = array("q")
        self._positions = array("q")
        self.path.write_bytes(b"")
        self._open()

    def _open(self) -> None:
        if self._file is None:
            self._file = open(self.path, "ab", buffering=0)

    def append(self, offset: int, position: int) -> None:
        if self._offsets and offset <= self._offsets[-1]:
            return
        self._offsets.append(offset)
        self._positions.append(position)
        self._file.write(_ENTRY.pack(offset - self.base_offset, position))

    def lookup(self, offset: int) -> int:
        """File position to start scanning from to find ``offset``."""
        i = bisect.bisect_right(self._offsets, offset)
        return self._positions[i - 1] if i else 0

    def truncate_to_position(self, position: int) -> None:
        """Drop entries pointing at or past ``position`` (after a log truncation)."""
        keep = bisect.bisect_left(self._positions, position)
        if keep == len(self._positions):
            return
        del self._offsets[keep:]
        del self._positions[keep:]
        self.close()
        with open(self.path, "r+b") as f:
            f.truncate(keep * _ENTRY.size)
        self._open()

    def first_position_at_or_after(self, position: int) -> int | None:
        """The first indexed batch position at or after ``position``, if any."""
        i = bisect.bisect_left(self._positions, position)
        return self._positions[i] if i < len(self._positions) else None

    def last_position(self) -> int:
        return self._positions[-1] if self._positions else 0

    def __len__(self) -> int:
        return len(self._offsets)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
