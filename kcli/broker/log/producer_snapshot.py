"""Producer-state snapshots: ``<offset>.snapshot`` beside the segments, in Kafka's ProducerSnapshot layout.

Written when a partition closes cleanly, named after the log end offset then (20 digits), so the next
open knows each producer's open transaction without rereading the log. Layout (big-endian)::

    version:int16 = 1, crc:uint32 (CRC-32C of everything after it),
    entries: int32 count, then per producer
        producer_id:int64, epoch:int16, last_sequence:int32, last_offset:int64, offset_delta:int32,
        timestamp:int64, coordinator_epoch:int32, current_txn_first_offset:int64 (-1: none open)

A snapshot is trusted only when the log ends exactly at its offset after a clean stop; otherwise (kill -9,
a log cut short by recovery) the partition rebuilds its transactions from the batch headers.
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


def write(directory: Path, offset: int, entries: list[SnapshotEntry]) -> None:
    """Write the snapshot for ``offset`` (through a temporary file), then remove older ones."""
    body = struct.pack(">i", len(entries)) + b"".join(_ENTRY.pack(*(getattr(e, f) for f in SnapshotEntry.__slots__)) for e in entries)
    data = _HEAD.pack(VERSION, calc_crc32c(body)) + body
    target = path_for(directory, offset)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    for old in directory.glob("*" + SUFFIX):
        if old != target:
            old.unlink(missing_ok=True)


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
