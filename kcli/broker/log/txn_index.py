"""Transactions in one partition's log: the open ones, and the aborted ranges kept in ``.txnindex`` files.

A ``<base offset>.txnindex`` beside each segment is Kafka's TransactionIndex: a
sequence of 34-byte entries ``version:int16=0, producer_id:int64,
first_offset:int64, last_offset:int64, last_stable_offset:int64``, one per
transaction aborted by a marker in that segment, in marker order;
``last_offset`` is the marker's offset.

The last stable offset is the first offset of the earliest transaction still
open here (no marker yet), or the high watermark when none is: a read_committed
fetch stops below it, and a read_committed ListOffsets latest answers it.
On open the partition rebuilds both from the latest producer snapshot
(producer_snapshot.py) and the batch headers after it (reading each control
batch's one record), and rewrites a ``.txnindex`` of those batches that does
not match: the log is the truth, as after Kafka's segment recovery.
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass
from pathlib import Path

ENTRY = struct.Struct(">hqqqq")  # 34 bytes
SUFFIX = ".txnindex"


@dataclass(frozen=True, slots=True)
class AbortedTxn:
    producer_id: int
    first_offset: int
    last_offset: int
    last_stable_offset: int

    def encode(self) -> bytes:
        return ENTRY.pack(0, self.producer_id, self.first_offset, self.last_offset, self.last_stable_offset)


def index_path(directory: Path, base_offset: int) -> Path:
    return directory / f"{base_offset:020d}{SUFFIX}"


def read_index(path: Path) -> list[AbortedTxn]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [AbortedTxn(*ENTRY.unpack_from(data, i)[1:]) for i in range(0, len(data) - ENTRY.size + 1, ENTRY.size)]


class PartitionTransactions:
    def __init__(self, directory: Path):
        self.directory = directory
        self.ongoing: dict[int, int] = {}  # producer id -> first offset of its open transaction
        self.aborted: list[AbortedTxn] = []  # in marker order, so by last_offset

    def first_unstable_offset(self) -> int | None:
        return min(self.ongoing.values()) if self.ongoing else None

    def on_data(self, producer_id: int, base_offset: int) -> None:
        self.ongoing.setdefault(producer_id, base_offset)

    def on_marker(self, producer_id: int, marker_offset: int, commit: bool, segment_base: int, high_watermark: int,
                  write: bool = True) -> AbortedTxn | None:
        """Close the producer's open transaction; an abort is recorded (and appended to the segment's .txnindex)."""
        first = self.ongoing.pop(producer_id, None)
        if first is None or commit:
            return None
        others = [o for p, o in self.ongoing.items()]
        entry = AbortedTxn(producer_id, first, marker_offset, min(others + [high_watermark]))
        self.aborted.append(entry)
        if write:
            with open(index_path(self.directory, segment_base), "ab") as f:
                f.write(entry.encode())
        return entry

    def aborted_between(self, start: int, end: int) -> list[AbortedTxn]:
        """Aborted transactions overlapping the offsets [start, end) (Kafka's collectAbortedTransactions)."""
        first = bisect.bisect_left(self.aborted, start, key=lambda a: a.last_offset)
        return [a for a in self.aborted[first:] if a.first_offset < end]

    def rewrite_index(self, segment_base: int, entries: list[AbortedTxn]) -> None:
        path = index_path(self.directory, segment_base)
        if read_index(path) != entries:
            if entries:
                path.write_bytes(b"".join(e.encode() for e in entries))
            else:
                path.unlink(missing_ok=True)
