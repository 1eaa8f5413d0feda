"""OffsetIndex: the sparse ``.index`` file beside each log segment.

Format (as Kafka's): a flat run of 8-byte entries, big-endian::

    relative_offset int32   offset - segment base offset
    position        int32   byte position of a batch in the ``.log`` file

Entries are appended in offset order, one every ``index.interval.bytes`` of
log, so a lookup finds the greatest entry at or below the target and the
segment scans forward from there. Both columns strictly ascend: an entry
names the last offset of the batch that starts at its position.

The file holds no checksum, so it is checked when the log opens: Kafka's
sanity check (a length that is a multiple of 8, a last offset not below the
base offset), plus kcli's own cheap ones (relative offsets and positions
ascending, every position inside the log). A missing or failing index is
rebuilt from its segment (see ``LogSegment``). Unlike Kafka, kcli does not
preallocate or memory-map it; entries are kept in memory and appended to an
unbuffered file, which keeps Windows happy when the segment is deleted. The
file is opened at the first append (so only an active segment that has
grown holds it) and closed when the segment becomes inactive or closes.
"""

from __future__ import annotations

import bisect
import errno
import os
import struct
from array import array
from pathlib import Path
from typing import Any

_ENTRY = struct.Struct(">ii")


class CorruptIndexError(Exception):
    """An index file that fails its sanity check (Kafka's CorruptIndexException)."""


class OffsetIndex:
    def __init__(self, path: Path, base_offset: int):
        self.path = path
        self.base_offset = base_offset
        self._offsets = array("q")
        self._positions = array("q")
        self._file: Any = None  # open for appending from the first append until close

    def load(self, log_size: int) -> None:
        """Read the entries from disk and sanity-check them against a log of ``log_size`` bytes.

        Raises FileNotFoundError when the file is missing and CorruptIndexError
        when it fails a check; either way nothing is loaded and the caller rebuilds.
        """
        data = self.path.read_bytes()
        if len(data) % _ENTRY.size:
            raise CorruptIndexError(
                f"Index file {self.path} is corrupt, found {len(data)} bytes which is neither positive "
                f"nor a multiple of {_ENTRY.size}."
            )
        last_rel = _ENTRY.unpack_from(data, len(data) - _ENTRY.size)[0] if data else 0
        if last_rel < 0:  # Kafka's OffsetIndex.sanityCheck
            raise CorruptIndexError(
                f"Corrupt index found, index file ({self.path}) has non-zero size but the last offset is "
                f"{self.base_offset + last_rel} which is less than the base offset {self.base_offset}."
            )
        offsets, positions = array("q"), array("q")
        last_rel = last_pos = -1
        for rel, pos in _ENTRY.iter_unpack(data):
            if rel <= last_rel or pos <= last_pos:
                raise CorruptIndexError(
                    f"Index file {self.path} is corrupt: entry {len(offsets)} (relative offset {rel}, position {pos}) "
                    f"does not follow relative offset {last_rel}, position {last_pos}"
                )
            if pos >= log_size:
                raise CorruptIndexError(
                    f"Index file {self.path} is corrupt: entry {len(offsets)} points at position {pos}, "
                    f"past the end of its log ({log_size} bytes)"
                )
            offsets.append(self.base_offset + rel)
            positions.append(pos)
            last_rel, last_pos = rel, pos
        self.close()
        self._offsets, self._positions = offsets, positions

    def reset(self) -> None:
        self.close()
        self._offsets = array("q")
        self._positions = array("q")
        self.path.write_bytes(b"")

    def _open(self) -> None:
        if self._file is None:
            self._file = open(self.path, "ab", buffering=0)

    def append(self, offset: int, position: int) -> None:
        """Add an entry; if writing it fails or falls short, the file is cut back and the OSError raised."""
        if self._offsets and offset <= self._offsets[-1]:
            return
        entry = _ENTRY.pack(offset - self.base_offset, position)
        self._open()
        end = len(self._offsets) * _ENTRY.size  # the file holds exactly the entries kept (no fstat per entry)
        try:
            if self._file.write(entry) != len(entry):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError:
            os.ftruncate(self._file.fileno(), end)
            raise
        self._offsets.append(offset)
        self._positions.append(position)

    def lookup(self, offset: int) -> tuple[int, int] | None:
        """(indexed offset, position) of the greatest entry at or below ``offset``; None if there is none
        (scan from position 0)."""
        i = bisect.bisect_right(self._offsets, offset)
        return (self._offsets[i - 1], self._positions[i - 1]) if i else None

    def last_entry(self) -> tuple[int, int] | None:
        """(offset, position) of the last entry, or None when the index is empty."""
        return (self._offsets[-1], self._positions[-1]) if self._offsets else None

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

    def first_entry_at_or_after(self, position: int) -> tuple[int, int] | None:
        """(offset, position) of the first entry at or after ``position``, if any."""
        i = bisect.bisect_left(self._positions, position)
        return (self._offsets[i], self._positions[i]) if i < len(self._positions) else None

    def __len__(self) -> int:
        return len(self._offsets)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
