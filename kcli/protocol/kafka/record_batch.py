"""RecordBatch v2 headers, viewed in place.

Layout (big-endian; Kafka's DefaultRecordBatch)::

    0  base_offset            int64   rewritten by the broker on append
    8  batch_length           int32   bytes after this field
    12 partition_leader_epoch int32   outside the CRC
    16 magic                  int8    must be 2
    17 crc                    uint32  CRC-32C over bytes [21, 12 + batch_length)
    21 attributes             int16   bits 0-2 codec, 3 LogAppendTime, 4 transactional, 5 control
    23 last_offset_delta      int32
    27 base_timestamp         int64
    35 max_timestamp          int64   set to now for LogAppendTime (CRC recomputed)
    43 producer_id            int64
    51 producer_epoch         int16
    53 base_sequence          int32
    57 records_count          int32
    61 records ...

The broker never looks inside ``records``: produce and fetch are per-batch.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import crc32c

HEADER_BYTES = 61
LOG_OVERHEAD = 12  # base_offset + batch_length

_PREFIX = struct.Struct(">qi")
_HEADER = struct.Struct(">qiibIhiqqqhii")
_BASE_OFFSET = struct.Struct(">q")
_CRC = struct.Struct(">I")

ATTR_CODEC_MASK = 0x07
ATTR_LOG_APPEND_TIME = 0x08
ATTR_TRANSACTIONAL = 0x10
ATTR_CONTROL = 0x20


class InvalidBatch(Exception):
    """A batch that fails validation: wrong magic, bad length or CRC mismatch."""


@dataclass(slots=True)
class BatchHeader:
    position: int  # where the batch starts in the buffer it was read from
    base_offset: int
    batch_length: int
    partition_leader_epoch: int
    magic: int
    crc: int
    attributes: int
    last_offset_delta: int
    base_timestamp: int
    max_timestamp: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    records_count: int

    @property
    def size(self) -> int:
        return LOG_OVERHEAD + self.batch_length

    @property
    def last_offset(self) -> int:
        return self.base_offset + self.last_offset_delta

    @property
    def next_offset(self) -> int:
        return self.last_offset + 1

    @property
    def last_sequence(self) -> int:
        if self.base_sequence < 0:
            return -1
        return (self.base_sequence + self.last_offset_delta) & 0x7FFFFFFF

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & ATTR_TRANSACTIONAL)

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & ATTR_CONTROL)


def unpack_header(buf, position: int = 0) -> BatchHeader | None:
    """The 61-byte header at ``position``; None if it is cut short or announces an impossible length."""
    if len(buf) - position < HEADER_BYTES:
        return None
    header = BatchHeader(position, *_HEADER.unpack_from(buf, position))
    if header.batch_length < HEADER_BYTES - LOG_OVERHEAD:
        return None
    return header


def read_header(buf, position: int = 0) -> BatchHeader | None:
    """The header of the batch at ``position``, or None unless the whole batch is in ``buf``."""
    header = unpack_header(buf, position)
    if header is None or len(buf) - position < header.size:
        return None
    return header


def iter_headers(buf, position: int = 0):
    """Headers of the whole batches in ``buf`` from ``position``; stops at a torn tail."""
    while True:
        header = read_header(buf, position)
        if header is None:
            return
        yield header
        position += header.size


def validate(buf, header: BatchHeader) -> None:
    """Raise InvalidBatch unless the batch is magic 2 with a matching CRC-32C."""
    if header.magic != 2:
        raise InvalidBatch(f"unsupported magic {header.magic}")
    if header.last_offset_delta < 0 or header.records_count < 0:
        raise InvalidBatch("negative offset delta or record count")
    start = header.position + 21
    end = header.position + header.size
    if crc32c.crc32c(memoryview(buf)[start:end]) != header.crc:
        raise InvalidBatch("record batch CRC mismatch")


def set_base_offset(buf: bytearray, position: int, base_offset: int) -> None:
    _BASE_OFFSET.pack_into(buf, position, base_offset)


def set_log_append_time(buf: bytearray, header: BatchHeader, now_ms: int) -> None:
    """Mark the batch LogAppendTime with ``now_ms`` as its max timestamp; recompute the CRC."""
    p = header.position
    struct.pack_into(">h", buf, p + 21, header.attributes | ATTR_LOG_APPEND_TIME)
    struct.pack_into(">q", buf, p + 35, now_ms)
    crc = crc32c.crc32c(memoryview(buf)[p + 21 : p + header.size])
    _CRC.pack_into(buf, p + 17, crc)
