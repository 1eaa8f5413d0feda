"""TimeIndex: the sparse ``.timeindex`` file beside each log segment.

Format (as Kafka's): a flat run of 12-byte entries, big-endian::

    timestamp        int64   the largest batch timestamp of the segment up to the entry's batch
    relative_offset  int32   offset - segment base offset: the last offset of the batch holding that timestamp

An entry (T, O) says that no batch up to and including the one ending at O
has a timestamp above T, so a record stamped later than T comes after O.
Both columns strictly ascend.

When entries are written (Kafka's LogSegment): each time the offset index
gets an entry, the segment's largest timestamp so far and the last offset of
the batch that first reached it are offered, and appended only if the
timestamp is above the last entry's (so a log without timestamps has an
empty time index). The same pair is offered once more when the segment is
rolled, closed, or recovered, so the last entry of every segment but an
active one written since the last start names its largest timestamp.

Checked on open as Kafka's TimeIndex.sanityCheck does (a length that is a
multiple of 12, a last timestamp not below the first, a last offset not below
the base offset), plus kcli's cheap check that both columns strictly ascend
(a reversed, shuffled or garbled file fails it); LogSegment then checks the
last entry against the batch it names. A missing or failing time index is
rebuilt from its segment with the offset index. Like ``OffsetIndex``, it is
kept in memory, never preallocated or memory-mapped, so its size is always 12
times its entries. Like it too, the file is opened at the first append and
kept open for the next ones (so only an active segment that has grown holds
it: partition_bounds counts it), and closed when the segment becomes
inactive or closes, and before the file is cut, rewritten or deleted, so
Windows never finds it open then.
"""

from __future__ import annotations

import bisect
import errno
import operator
import os
import struct
import sys
from array import array
from pathlib import Path
from typing import Any

from kcli.broker.log.index import CorruptIndexError

ENTRY = struct.Struct(">qi")
NO_TIMESTAMP = -1  # Kafka's RecordBatch.NO_TIMESTAMP


class TimeIndex:
    def __init__(self, path: Path, base_offset: int):
        self.path = path
        self.base_offset = base_offset
        self._timestamps = array("q")
        self._relative = array("i")  # offset - base offset, as stored
        self._file: Any = None  # open for appending from the first append until close

    def load(self) -> None:
        """Read the entries from disk and sanity-check them.

        Raises FileNotFoundError when the file is missing and CorruptIndexError
        when it fails a check; either way nothing is loaded and the caller rebuilds.
        """
        data = self.path.read_bytes()
        count = len(data) // ENTRY.size
        if count:  # Kafka's TimeIndex.sanityCheck, in its order
            first = ENTRY.unpack_from(data, 0)[0]
            last, last_rel = ENTRY.unpack_from(data, (count - 1) * ENTRY.size)
            if last < first:
                raise CorruptIndexError(
                    f"Corrupt time index found, time index file ({self.path}) has non-zero size but the last "
                    f"timestamp is {last} which is less than the first timestamp {first}"
                )
            if last_rel < 0:
                raise CorruptIndexError(
                    f"Corrupt time index found, time index file ({self.path}) has non-zero size but the last "
                    f"offset is {self.base_offset + last_rel} which is less than the first offset {self.base_offset}"
                )
        if len(data) % ENTRY.size:
            raise CorruptIndexError(
                f"Time index file {self.path} is corrupt, found {len(data)} bytes which is neither positive "
                f"nor a multiple of {ENTRY.size}"
            )
        # every segment's index is read on each start, so the columns are cut out and checked in C, not per entry
        stamps, relative = _column(data, count, 0, 8), _column(data, count, 8, 4)
        if not (_ascending(stamps, NO_TIMESTAMP) and _ascending(relative, -1)):
            self._complain(data)
        self.close()
        self._timestamps, self._relative = stamps, relative

    def _complain(self, data: bytes) -> None:
        """Raise CorruptIndexError naming the first entry that does not ascend."""
        last_ts, last_rel = NO_TIMESTAMP, -1
        for i, (ts, rel) in enumerate(ENTRY.iter_unpack(data)):
            if ts <= last_ts or rel <= last_rel:
                raise CorruptIndexError(
                    f"Time index file {self.path} is corrupt: entry {i} (timestamp {ts}, relative "
                    f"offset {rel}) does not follow timestamp {last_ts}, relative offset {last_rel}"
                )
            last_ts, last_rel = ts, rel

    def reset(self) -> None:
        self.close()
        self._timestamps = array("q")
        self._relative = array("i")
        self.path.write_bytes(b"")

    def maybe_append(self, timestamp: int, offset: int) -> None:
        """Add (timestamp, offset) if the timestamp is above the last entry's (Kafka's maybeAppend).

        If writing fails or falls short, the file is cut back and the OSError raised.
        """
        if (self._timestamps and timestamp <= self._timestamps[-1]) or timestamp <= NO_TIMESTAMP:
            return
        entry = ENTRY.pack(timestamp, offset - self.base_offset)
        if self._file is None:
            self._file = open(self.path, "ab", buffering=0)
        f = self._file
        try:
            if f.write(entry) != len(entry):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError:
            os.ftruncate(f.fileno(), len(self._relative) * ENTRY.size)  # the file holds exactly the entries kept
            raise
        self._timestamps.append(timestamp)
        self._relative.append(offset - self.base_offset)

    def lookup(self, timestamp: int) -> tuple[int, int]:
        """(timestamp, offset) of the last entry stamped at or before ``timestamp``; (-1, base offset) if none."""
        i = bisect.bisect_right(self._timestamps, timestamp)
        return (self._timestamps[i - 1], self.base_offset + self._relative[i - 1]) if i else (NO_TIMESTAMP, self.base_offset)

    def last_entry(self) -> tuple[int, int]:
        """(timestamp, offset) of the last entry; (-1, base offset) when the index is empty (Kafka's)."""
        return (self._timestamps[-1], self.base_offset + self._relative[-1]) if self._relative else (NO_TIMESTAMP, self.base_offset)

    def truncate_to_entries(self, keep: int) -> None:
        """Keep the first ``keep`` entries only (after an append that failed)."""
        if keep >= len(self._relative):
            return
        del self._timestamps[keep:]
        del self._relative[keep:]
        self.close()
        with open(self.path, "r+b") as f:
            f.truncate(keep * ENTRY.size)

    def __len__(self) -> int:
        return len(self._relative)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _column(data: bytes, count: int, start: int, width: int) -> array:
    """The big-endian ``width``-byte (8 or 4) signed integers at ``start`` of each 12-byte entry, as an array."""
    packed = bytearray(width * count)
    for k in range(width):  # one strided copy per byte of the column
        packed[k::width] = data[start + k : ENTRY.size * count : ENTRY.size]
    column = array("q" if width == 8 else "i", packed)  # "i" is 4 bytes wherever CPython runs
    if sys.byteorder == "little":
        column.byteswap()
    return column


def _ascending(values: array, floor: int) -> bool:
    """Whether ``values`` strictly ascend from above ``floor`` (sorting sorted data is one linear pass in C)."""
    items = values.tolist()
    return not items or (items[0] > floor and items == sorted(items) and not any(map(operator.eq, items, items[1:])))
