"""Rewriting a RecordBatch v2 with some of its records left out (what Kafka's MemoryRecords.filterTo does
for the log cleaner).

A batch whose records all stay is copied byte for byte by the caller; this
module rebuilds the others, as Kafka's cleaner does:

- the base offset, the last offset delta, the partition leader epoch, the
  producer id, epoch and base sequence and the attributes are the original
  batch's, so every kept record keeps its offset (compaction leaves gaps:
  ``records_count`` no longer equals ``last_offset_delta + 1``) and the
  producer's last sequence survives;
- the base timestamp is the first kept record's timestamp, or the delete
  horizon when the batch carries one (attribute bit 6, ``0x40``, Kafka's
  DELETE_HORIZON_FLAG_MASK: the base timestamp field then *is* the time after
  which its tombstones may be removed, KIP-534); the records' timestamp deltas
  are re-encoded against it;
- the max timestamp is the kept records' greatest (the original for
  LogAppendTime batches, whose records all carry it);
- the records are compressed again with the batch's own codec, and the CRC
  is computed over the new bytes.

Each kept record's key, value and headers are copied as they are; only its
length, timestamp delta and offset delta are written again (see
log_validator for the record layout). Pure: bytes in, bytes out.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import crc32c
from kafka import codec as kafka_codec

from kcli.protocol.kafka.record_batch import (
    ATTR_CODEC_MASK,
    ATTR_LOG_APPEND_TIME,
    HEADER_BYTES,
    LOG_OVERHEAD,
    BatchHeader,
)

ATTR_DELETE_HORIZON = 0x40
_HEADER = struct.Struct(">qiibIhiqqqhii")
CODEC_NONE, CODEC_GZIP, CODEC_SNAPPY, CODEC_LZ4, CODEC_ZSTD = range(5)


class UnreadableBatch(Exception):
    """A stored batch whose records cannot be read (a damaged segment): the cleaner leaves the log alone."""


@dataclass(slots=True)
class RecordView:
    """One record of a batch, located in the batch's (decompressed) records bytes."""

    offset: int
    timestamp: int
    key: bytes | None
    has_value: bool
    body: int  # where the key length starts: key, value and headers are copied from here to ``end``
    end: int


def delete_horizon(header: BatchHeader) -> int | None:
    """The batch's delete horizon (KIP-534), or None when the cleaner has not set one."""
    return header.base_timestamp if header.attributes & ATTR_DELETE_HORIZON else None


def records_bytes(buf, header: BatchHeader) -> bytes:
    """The records section of the batch at ``header.position`` in ``buf``, decompressed."""
    data = memoryview(buf)[header.position + HEADER_BYTES : header.position + header.size]
    codec = header.attributes & ATTR_CODEC_MASK
    try:
        if codec == CODEC_NONE:
            return data.tobytes()
        if codec == CODEC_GZIP:
            return _gunzip(data.tobytes())
        if codec == CODEC_SNAPPY:
            return kafka_codec.snappy_decode(data.tobytes())
        if codec == CODEC_LZ4:
            return kafka_codec.lz4_decode(data.tobytes())
        if codec == CODEC_ZSTD:
            return kafka_codec.zstd_decode(data.tobytes())
    except Exception as exc:  # noqa: BLE001 -- each codec library raises its own errors
        raise UnreadableBatch(f"cannot decompress the batch at offset {header.base_offset}: {exc}") from None
    raise UnreadableBatch(f"unknown compression codec {codec} in the batch at offset {header.base_offset}")


def _gunzip(data: bytes) -> bytes:
    out = []
    while data:
        d = zlib.decompressobj(wbits=31)
        out.append(d.decompress(data))
        if not d.eof:
            raise ValueError("truncated gzip stream")
        data = d.unused_data
    return b"".join(out)


def read_records(records: bytes, header: BatchHeader) -> list[RecordView]:
    """The batch's records (``records`` from records_bytes); UnreadableBatch if they do not parse."""
    out = []
    pos, end = 0, len(records)
    log_append_time = header.attributes & ATTR_LOG_APPEND_TIME
    try:
        for _ in range(header.records_count):
            length, pos = _varint(records, pos)
            stop = pos + length
            if length < 0 or stop > end:
                raise UnreadableBatch(f"a record of the batch at offset {header.base_offset} runs past its end")
            ts_delta, p = _varint(records, pos + 1)
            offset_delta, p = _varint(records, p)
            body = p
            key_length, p = _varint(records, p)
            key = records[p : p + key_length] if key_length >= 0 else None
            p += max(key_length, 0)
            value_length, p = _varint(records, p)
            timestamp = header.max_timestamp if log_append_time else header.base_timestamp + ts_delta
            out.append(RecordView(header.base_offset + offset_delta, timestamp, key, value_length >= 0, body, stop))
            pos = stop
    except IndexError:
        raise UnreadableBatch(f"a record of the batch at offset {header.base_offset} is cut short") from None
    return out


def rebuild(header: BatchHeader, records: bytes, kept: list[RecordView], horizon: int | None) -> bytes:
    """The batch again with only ``kept`` (non-empty, in order) of its records; ``horizon`` is its delete horizon."""
    base_timestamp = horizon if horizon is not None else kept[0].timestamp
    body = bytearray()
    for record in kept:
        inner = bytearray(b"\x00")  # attributes: unused
        inner += _zigzag(record.timestamp - base_timestamp)
        inner += _zigzag(record.offset - header.base_offset)
        inner += records[record.body : record.end]
        body += _zigzag(len(inner))
        body += inner
    codec = header.attributes & ATTR_CODEC_MASK
    payload = _compress(codec, bytes(body))
    attributes = header.attributes & ~ATTR_DELETE_HORIZON
    if horizon is not None:
        attributes |= ATTR_DELETE_HORIZON
    if header.attributes & ATTR_LOG_APPEND_TIME:
        max_timestamp = header.max_timestamp
    else:
        max_timestamp = max(r.timestamp for r in kept)
    out = bytearray(HEADER_BYTES)
    _HEADER.pack_into(
        out, 0, header.base_offset, HEADER_BYTES - LOG_OVERHEAD + len(payload), header.partition_leader_epoch, 2, 0,
        attributes, header.last_offset_delta, base_timestamp, max_timestamp, header.producer_id,
        header.producer_epoch, header.base_sequence, len(kept),
    )
    out += payload
    struct.pack_into(">I", out, 17, crc32c.crc32c(memoryview(out)[21:]))
    return bytes(out)


def _compress(codec: int, data: bytes) -> bytes:
    if codec == CODEC_NONE:
        return data
    if codec == CODEC_GZIP:
        return kafka_codec.gzip_encode(data)
    if codec == CODEC_SNAPPY:
        return kafka_codec.snappy_encode(data)
    if codec == CODEC_LZ4:
        return kafka_codec.lz4_encode(data)
    return kafka_codec.zstd_encode(data)


def _varint(buf, pos: int) -> tuple[int, int]:
    raw = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        raw |= (b & 0x7F) << shift
        if b < 0x80:
            return (raw >> 1) ^ -(raw & 1), pos
        shift += 7
        if shift > 63:
            raise UnreadableBatch("a varint longer than 10 bytes")


def _zigzag(n: int) -> bytes:
    raw = (n << 1) ^ (n >> 63)
    out = bytearray()
    while raw >= 0x80:
        out.append((raw & 0x7F) | 0x80)
        raw >>= 7
    out.append(raw)
    return bytes(out)
