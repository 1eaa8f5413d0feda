"""Message sets of magic 0 and 1 (Kafka before 0.11): up-conversion on Produce v0–v2, down-conversion on Fetch v0–v3.

A message set is a run of messages, each ``offset:int64 size:int32`` then the message:
``crc:uint32 magic:int8 attributes:int8 [timestamp:int64 if magic 1] key:bytes value:bytes``.
Attributes bits 0–2 are the codec (1 gzip, 2 snappy, 3 lz4); bit 3 (magic 1) is the timestamp type
(LogAppendTime). A compressed message is a wrapper whose value is the compressed message set of its inner
messages: magic 0 inner messages carry absolute offsets, magic 1 inner messages relative ones (0..n-1) and the
wrapper the absolute offset of the last, and the wrapper's timestamp is the largest inner timestamp.

Kafka 3.x stores record batches of magic 2 only: on append a message set becomes one batch with the same codec
(LogValidator's conversion; magic 0 messages have no timestamp, -1), and a fetch at a version that predates
magic 2 gets each stored batch rewritten in the magic that version allows (Fetch v0–v1: 0, v2–v3: 1), headers
and control batches dropped (Kafka's RecordsUtil.downConvert). The reading and writing of the messages
themselves is kafka-python's ``kafka.record.legacy_records``; only the framing and the wrapper's offset and
timestamp are here. Nothing on the magic-2 path imports this module.
"""

from __future__ import annotations

import struct
import zlib

from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatch, LegacyRecordBatchBuilder

LOG_OVERHEAD = 12  # offset, size
_MAGIC_AT = 16  # offset(8) size(4) crc(4)
_CODEC_MASK = 0x07
_LOG_APPEND_TIME = 0x08
_ZSTD = 4
_NO_LIMIT = 1 << 62


class LegacyFormatError(ValueError):
    """A message set that does not parse or fails its CRC (Kafka answers CORRUPT_MESSAGE)."""


class ZstdNotDownConvertible(Exception):
    """A fetch at a version before zstd (Fetch v10) reaches a zstd-compressed batch."""


def magic_of(records) -> int:
    """The magic byte of the first entry of a record set (0 and 1: a message set; 2: record batches)."""
    if len(records) <= _MAGIC_AT:
        raise LegacyFormatError("record set shorter than a message header")
    return records[_MAGIC_AT]


def magic_for_fetch(version: int) -> int:
    """The newest magic a Fetch of ``version`` may carry (Kafka's FetchRequest: v0–v1 magic 0, v2–v3 magic 1)."""
    return 0 if version < 2 else 1 if version < 4 else 2


def _messages(records):
    """(offset, magic, message bytes with its log overhead) for each whole message of a message set."""
    view = memoryview(records)
    pos = 0
    while pos < len(view):
        if pos + LOG_OVERHEAD > len(view):
            raise LegacyFormatError("message set ends inside a message header")
        offset, size = struct.unpack_from(">qi", view, pos)
        end = pos + LOG_OVERHEAD + size
        if size < 14 or end > len(view):
            raise LegacyFormatError(f"message at offset {offset} has size {size}, past the end of the set")
        magic = view[pos + _MAGIC_AT]
        if magic > 1:
            raise LegacyFormatError(f"message at offset {offset} has magic {magic} inside a message set")
        yield offset, magic, view[pos:end]
        pos = end


def to_record_batch(records) -> bytes:
    """A message set of magic 0/1 as one magic-2 batch (base offset 0; the log assigns offsets).

    The batch keeps the codec of the set's compressed wrappers (uncompressed when there are none) and each
    message's key, value and timestamp; a message set mixing codecs takes the first compressed one's. (kafka-python's
    builder leaves a batch that compression would not shrink uncompressed.) The timestamp type is the topic's,
    applied by the log on append: a magic-1 producer's own timestamp-type bit is not kept, as Kafka keeps none.
    """
    entries = []  # (timestamp, key, value)
    codec = 0
    for offset, magic, message in _messages(records):
        wrapper = LegacyRecordBatch(message, magic)
        if not wrapper.validate_crc():
            raise LegacyFormatError(f"message at offset {offset} fails its CRC")
        codec = codec or wrapper.compression_type
        try:
            inner = list(wrapper)
        except Exception as exc:  # each codec library fails in its own way on bytes that are not its format
            raise LegacyFormatError(f"compressed message at offset {offset} does not decode: {exc}") from None
        for record in inner:
            if wrapper.compression_type and not record.validate_crc():  # Kafka's LogValidator checks inner messages too
                raise LegacyFormatError(f"message at offset {record.offset} inside the wrapper at {offset} fails its CRC")
            entries.append((record.timestamp if record.timestamp is not None else -1, record.key, record.value))
    if not entries:
        raise LegacyFormatError("message set holds no messages")
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=False, producer_id=-1, producer_epoch=-1,
        base_sequence=-1, batch_size=_NO_LIMIT,
    )
    for delta, (timestamp, key, value) in enumerate(entries):
        builder.append(delta, timestamp=timestamp, key=key, value=value, headers=[])
    return bytes(builder.build())


def down_convert(records, magic: int, fetch_offset: int) -> bytes:
    """Stored magic-2 batches as a message set of ``magic`` (0 or 1), one wrapper per compressed batch.

    Records before ``fetch_offset`` in an uncompressed batch are left out, control batches and headers
    dropped. A zstd batch cannot be written in an old format: it ends the set, and when it comes first
    raises ZstdNotDownConvertible (Kafka answers the partition UNSUPPORTED_COMPRESSION_TYPE).
    """
    out = bytearray()
    view = memoryview(records)
    pos = 0
    while pos + 61 <= len(view):
        (size,) = struct.unpack_from(">i", view, pos + 8)
        end = pos + LOG_OVERHEAD + size
        if end > len(view):
            break  # a batch cut short by the fetch size: the consumer asks again
        batch = DefaultRecordBatch(bytes(view[pos:end]))
        pos = end
        if batch.is_control_batch:
            continue
        codec = batch.compression_type
        if codec == _ZSTD:
            if not out:
                raise ZstdNotDownConvertible(f"the batch at offset {batch.base_offset} is zstd-compressed")
            break
        records_of = [r for r in batch if codec or r.offset >= fetch_offset]
        if not records_of:
            continue
        log_append_time = batch.timestamp_type == 1
        if codec:
            out += _compressed_message(records_of, magic, codec, log_append_time, batch.max_timestamp)
        else:
            for r in records_of:
                builder = LegacyRecordBatchBuilder(magic=magic, compression_type=0, batch_size=_NO_LIMIT)
                builder.append(r.offset, timestamp=r.timestamp, key=r.key, value=r.value)
                out += _stamp(builder.build(), magic, r.offset, r.timestamp, log_append_time)
    return bytes(out)


def _compressed_message(records, magic: int, codec: int, log_append_time: bool, max_timestamp: int) -> bytes:
    """One wrapper message holding ``records`` compressed with ``codec``: inner offsets absolute (magic 0) or
    relative to the first (magic 1), the wrapper at the last record's offset with the largest timestamp."""
    first = records[0].offset
    builder = LegacyRecordBatchBuilder(magic=magic, compression_type=codec, batch_size=_NO_LIMIT)
    for r in records:
        builder.append(r.offset - first if magic == 1 else r.offset, timestamp=r.timestamp, key=r.key, value=r.value)
    return _stamp(builder.build(), magic, records[-1].offset, max_timestamp, log_append_time)


def _stamp(message: bytearray, magic: int, offset: int, timestamp: int, log_append_time: bool) -> bytes:
    """``message`` (one message with its log overhead) at ``offset``, with ``timestamp`` and the timestamp type
    for magic 1, its CRC recomputed over magic..end."""
    struct.pack_into(">q", message, 0, offset)
    if magic == 1:
        struct.pack_into(">q", message, 18, timestamp)
        if log_append_time:
            message[17] |= _LOG_APPEND_TIME
    struct.pack_into(">I", message, 12, zlib.crc32(memoryview(message)[_MAGIC_AT:]) & 0xFFFFFFFF)
    return bytes(message)
