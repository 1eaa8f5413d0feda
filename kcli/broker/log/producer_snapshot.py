"""Producer-state snapshots: ``<offset>.snapshot`` beside the segments, in Kafka's ProducerSnapshot layout.

Written as Kafka's ProducerStateManager takes them: at every segment roll (named after the new segment's
base offset, 20 digits) and when a partition closes cleanly (named after the log end offset), so an open
knows each producer's open transaction at that offset and rereads only the batches after it. Layout
(big-endian)::

    version:int16 = 1, crc:uint32 (CRC-32C of everything after it),
    entries: int32 count, then per producer
        producer_id:int64, epoch:int16, last_sequence:int32, last_offset:int64, offset_delta:int32,
        timestamp:int64, coordinator_epoch:int32, current_txn_first_offset:int64 (-1: none open)

On open (also after kill -9) the partition takes the latest snapshot between its first segment's base and
its log end and reads the batch headers from there on; snapshots past the log end (a log cut short by
recovery) are removed, and so are those of no segment except the latest (Kafka's removeStraySnapshots).
A snapshot goes with its segment when retention deletes it (same 20-digit name).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from kafka.record.util import calc_crc32c

SUFFIX = ".snapshot"
VERSION = 1
_HEAD = struct.Struct(">hI")
_ENTRY = struct.Struct(">qhiqiqiq")


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    producer_id: int
    epoch: int
    last_sequence: int
    last_offset: int
    offset_delta: int
    timestamp: int
    coordinator_epoch: int
    current_txn_first_offset: int


def path_for(directory: Path, offset: int) -> Path:
    return directory / f"{offset:020d}{SUFFIX}"


def offsets(directory: Path) -> list[int]:
    """The offsets of the snapshots in ``directory``, in order."""
    return sorted(int(p.stem) for p in directory.glob("*" + SUFFIX) if p.stem.isdigit())


def remove(directory: Path, offset: int) -> None:
    path_for(directory, offset).unlink(missing_ok=True)


def remove_stray(directory: Path, segment_bases: list[int], log_end_offset: int) -> list[int]:
    """Remove the snapshots past the log end, and those of no segment but the latest when it lies past the last
    one; the offsets of those left, in order."""
    last_base = max(segment_bases, default=-1)
    bases = set(segment_bases)
    found = offsets(directory)
    strays = [o for o in found if o <= log_end_offset and o not in bases]
    doomed = {o for o in found if o > log_end_offset} | {o for o in strays if o != strays[-1] or o < last_base}
    for offset in doomed:
        remove(directory, offset)
    return [o for o in found if o not in doomed]


def write(directory: Path, offset: int, entries: list[SnapshotEntry]) -> None:
    """Write the snapshot for ``offset`` (through a temporary file)."""
    body = struct.pack(">i", len(entries)) + b"".join(_ENTRY.pack(*(getattr(e, f) for f in SnapshotEntry.__slots__)) for e in entries)
    data = _HEAD.pack(VERSION, calc_crc32c(body)) + body
    target = path_for(directory, offset)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def read(directory: Path, offset: int) -> list[SnapshotEntry] | None:
    """The entries of the snapshot at ``offset``; None when there is none or it does not check out."""
    try:
        data = path_for(directory, offset).read_bytes()
    except OSError:
        return None
    if len(data) < _HEAD.size + 4:
        return None
    version, crc = _HEAD.unpack_from(data, 0)
    body = data[_HEAD.size:]
    if version != VERSION or calc_crc32c(body) != crc:
        return None
    (count,) = struct.unpack_from(">i", body, 0)
    if len(body) != 4 + count * _ENTRY.size:
        return None
    return [SnapshotEntry(*_ENTRY.unpack_from(body, 4 + i * _ENTRY.size)) for i in range(count)]
